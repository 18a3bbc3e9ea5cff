"""Seed 003's adaptive schedule and early stopping, as pure functions of
the run's history (so a resumed run continues them exactly).

- Plateau: the learning rate is multiplied by `factor` (0.5) whenever the
  validation accuracy has not improved for `patience` (5) epochs; the
  count restarts after each reduction (Keras's `ReduceLROnPlateau` with
  min_delta 0 and no cooldown).
- Early stopping: training ends once `patience` (20) epochs have passed
  without a new best validation accuracy.

"Improved" means strictly above the best so far; NaN never improves.
Both read the checkpointed per-epoch history, so nothing extra needs
saving to resume them.
"""

import math

import keras

MONITOR = "val_accuracy"


def _improves(value, best):
    return value is not None and math.isfinite(value) and (
        best is None or value > best)


def plateau_rates(accuracies, base_lr, factor=0.5, patience=5):
    """The LR of epochs 0..len(accuracies), given each epoch's accuracy."""
    rates, best, wait, rate = [float(base_lr)], None, 0, float(base_lr)
    for accuracy in accuracies:
        if _improves(accuracy, best):
            best, wait = accuracy, 0
        else:
            wait += 1
            if wait >= patience:
                rate, wait = rate * factor, 0
        rates.append(rate)
    return rates


def epochs_without_improvement(accuracies):
    """Epochs since the best accuracy (all of them if none was finite)."""
    best, since = None, 0
    for accuracy in accuracies:
        if _improves(accuracy, best):
            best, since = accuracy, 0
        else:
            since += 1
    return since


def monitored(history):
    return [entry.get(MONITOR) for entry in history]


def should_stop_early(history, patience):
    """True once `patience` epochs passed without improvement."""
    if patience is None:
        return False
    return epochs_without_improvement(monitored(history)) >= patience


class PlateauSchedule(keras.callbacks.LearningRateScheduler):
    """Sets the plateau LR at each epoch start from the tracker's history;
    logs `learning_rate`.

    Args:
        base_lr: learning rate of epoch 0.
        factor: multiplier on a plateau, in (0, 1).
        patience: epochs without improvement before a reduction.
        tracker: the run's `RunTracker` (its `history` is read).
    """

    def __init__(self, base_lr, factor, patience, tracker, verbose=0):
        if not base_lr > 0 or not 0 < factor < 1 or patience < 1:
            raise ValueError(
                "PlateauSchedule needs base_lr > 0, 0 < factor < 1 and "
                f"patience >= 1. Received: base_lr={base_lr!r}, "
                f"factor={factor!r}, patience={patience!r}")
        self.base_lr, self.factor = float(base_lr), float(factor)
        self.patience, self.tracker = int(patience), tracker
        super().__init__(self.learning_rate_at, verbose=verbose)

    def learning_rate_at(self, epoch):
        accuracies = monitored(self.tracker.history[:epoch])
        return plateau_rates(accuracies, self.base_lr, self.factor,
                             self.patience)[-1]
