"""The console's progress across the whole run.

Training calls `fit` once per epoch (`nin.training.loop`), so Keras's own
progress line would read `Epoch 2/2` at the second epoch of 164.
`RunProgress` is Keras's ProgbarLogger (bar at verbose 1, one line per
epoch at 2, nothing at 0) counting the run's planned epochs, its header
carrying the learning rate and the best accuracy so far:

    Epoch 83/164 - learning rate 0.01 - best test accuracy 88.12% (epoch 80)

Put it after the LR schedule and the RunTracker in `callbacks`, so the
header shows this epoch's rate and the best of the epochs before it.
"""

import keras


class RunProgress(keras.callbacks.ProgbarLogger):
    def __init__(self, total_epochs, tracker):
        super().__init__()
        self.total_epochs = total_epochs
        self.tracker = tracker

    def set_params(self, params):
        super().set_params(params)
        self.epochs = self.total_epochs

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        self._maybe_init_progbar()
        if self.verbose:
            print(self.header(epoch), flush=True)

    def header(self, epoch):
        parts = [f"Epoch {epoch + 1}/{self.total_epochs}"]
        rate = keras.ops.convert_to_numpy(
            self.model.optimizer.learning_rate)
        parts.append(f"learning rate {float(rate):.4g}")
        best = self.tracker.best_test_accuracy
        if best is not None:
            parts.append(f"best {self.tracker.eval_split} accuracy "
                         f"{100 * best:.2f}% (epoch "
                         f"{self.tracker.best_epoch + 1})")
        return " - ".join(parts)
