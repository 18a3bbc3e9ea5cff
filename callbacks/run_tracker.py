"""The run tracker: per-epoch history, best accuracy, divergence, clocks.

`RunTracker` is the callback whose state a checkpoint saves and a resumed
run restores, so a run's history, best epoch and clocks continue exactly.
`wait_for_training` makes clocks honest on backends that queue work.
"""

import math
import time

import keras


def wait_for_training(model):
    """Block until the device has finished `model`'s queued train steps.

    JAX (and PyTorch on a GPU) return from a step as soon as it is queued,
    so a clock read right after `fit` would time only the queueing. One
    weight is computed by the last step's backward pass; copying it to the
    host waits for that step, and so for all before it."""
    if model is not None and model.trainable_variables:
        keras.ops.convert_to_numpy(model.trainable_variables[0])


class RunTracker(keras.callbacks.Callback):
    """Tracks per-epoch logs, best test accuracy, divergence and speed.

    A NaN or infinite epoch loss marks the run diverged and stops it: seed
    001's no-BN + WI runs at lr 0.1 can do this, and it is a result, not a
    crash. Training time excludes the per-epoch evaluation; each history
    entry records its epoch's training seconds as `epoch_train_s`.
    `eval_split` names what `val_*` logs measure ("test", or "validation"
    for a hold-out): the summary says `best_<eval_split>_accuracy`. The whole
    state round-trips through `state_dict` / `load_state`, so a resumed run
    continues its history, best epoch and clocks exactly.
    """

    STATE_KEYS = ("history", "best_test_accuracy", "best_epoch",
                  "epochs_completed", "diverged", "diverged_epoch",
                  "train_seconds", "wall_seconds", "resumed_at")

    def __init__(self, train_size, eval_split="test"):
        super().__init__()
        self.train_size = train_size
        self.eval_split = eval_split
        self._epoch_train_seconds = None
        self.history = []  # one dict of logs (+ wall_time) per epoch
        self.best_test_accuracy = None
        self.best_epoch = None
        self.epochs_completed = 0
        self.diverged = False
        self.diverged_epoch = None
        self.train_seconds = 0.0
        self.wall_seconds = 0.0
        self.resumed_at = []  # epochs at which the run was resumed
        self._epoch_start = None
        self._train_clock = None

    def state_dict(self):
        return {key: getattr(self, key) for key in self.STATE_KEYS}

    def load_state(self, state):
        for key in self.STATE_KEYS:
            setattr(self, key, state[key])

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self._train_clock = time.perf_counter()

    def _stop_train_clock(self):
        if self._train_clock is not None:
            wait_for_training(self.model)
            self._epoch_train_seconds = time.perf_counter() - self._train_clock
            self.train_seconds += self._epoch_train_seconds
            self._train_clock = None

    def on_test_begin(self, logs=None):
        self._stop_train_clock()

    def on_epoch_end(self, epoch, logs=None):
        self._stop_train_clock()
        self.wall_seconds += time.perf_counter() - self._epoch_start
        logs = {key: float(value) for key, value in (logs or {}).items()}
        self.history.append({"epoch": epoch, "wall_time": time.time(),
                             "epoch_train_s": self._epoch_train_seconds,
                             **logs})
        self.epochs_completed = epoch + 1
        accuracy = logs.get("val_accuracy")
        if accuracy is not None and math.isfinite(accuracy) and (
            self.best_test_accuracy is None
            or accuracy > self.best_test_accuracy
        ):
            self.best_test_accuracy = accuracy
            self.best_epoch = epoch
        if not math.isfinite(logs.get("loss", 0.0)):
            self.diverged = True
            self.diverged_epoch = epoch
            self.model.stop_training = True
            print(f"\nEpoch {epoch + 1}: loss is {logs.get('loss')}; the run "
                  "diverged and is stopped (recorded in results.json).")

    def summary(self):
        images = self.train_size * self.epochs_completed
        return {
            f"best_{self.eval_split}_accuracy": self.best_test_accuracy,
            "best_epoch": self.best_epoch,
            "epochs": self.epochs_completed,
            "diverged": self.diverged,
            "diverged_epoch": self.diverged_epoch,
            "resumed_at_epochs": self.resumed_at,
            "train_time_s": round(self.train_seconds, 3),
            "wall_time_s": round(self.wall_seconds, 3),
            "images_per_second": (
                round(images / self.train_seconds, 2)
                if self.train_seconds > 0 else None
            ),
        }
