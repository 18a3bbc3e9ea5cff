"""Seed 001's step learning-rate schedule.

lr = 0.1 for epochs 0..80, 0.01 for 81..121, 0.001 from 122 on (epochs
counted from 0, as Keras counts them). For runs shorter or longer than the
164-epoch recipe, `scaled_drops` moves the drops to the same fractions of
training (81/164 and 122/164), which gives exactly 81 and 122 at 164.
"""

import keras

REFERENCE_EPOCHS = 164
REFERENCE_DROPS = (81, 122)
BASE_LR = 0.1
DROP_FACTOR = 0.1


def step_decay(epoch, base_lr=BASE_LR, drops=REFERENCE_DROPS,
               factor=DROP_FACTOR):
    """The learning rate at `epoch` (counted from 0)."""
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"epoch must be an integer >= 0. Received: {epoch!r}")
    # BEGIN SOLUTION step_schedule
    passed = sum(1 for drop in drops if epoch >= drop)
    return float(base_lr * factor**passed)
    # END SOLUTION


def scaled_drops(epochs):
    """Drop epochs at the recipe's fractions of an `epochs`-long run."""
    return tuple(
        max(1, int(round(epochs * drop / REFERENCE_EPOCHS)))
        for drop in REFERENCE_DROPS
    )


def check_drops(drops):
    """Validate drop epochs: positive, non-decreasing integers.

    A repeated epoch applies the factor once per occurrence (very short
    runs scale both of the recipe's drops onto the same epoch).
    """
    drops = tuple(drops)
    if not all(isinstance(d, int) and d > 0 for d in drops) or any(
        b < a for a, b in zip(drops, drops[1:])
    ):
        raise ValueError(
            "LR drop epochs must be non-decreasing positive integers. "
            f"Received: {drops!r}"
        )
    return drops


class StepSchedule(keras.callbacks.LearningRateScheduler):
    """Sets the step-decay LR at each epoch start; logs `learning_rate`.

    Args:
        base_lr: learning rate before the first drop.
        drops: epochs (from 0) at which the LR is multiplied by `factor`.
        factor: multiplier at each drop.
    """

    def __init__(self, base_lr=BASE_LR, drops=REFERENCE_DROPS,
                 factor=DROP_FACTOR, verbose=0):
        if not base_lr > 0 or not 0 < factor < 1:
            raise ValueError(
                "StepSchedule needs base_lr > 0 and 0 < factor < 1. "
                f"Received: base_lr={base_lr!r}, factor={factor!r}"
            )
        self.base_lr = float(base_lr)
        self.drops = check_drops(drops)
        self.factor = float(factor)
        super().__init__(self.learning_rate_at, verbose=verbose)

    def learning_rate_at(self, epoch):
        return step_decay(epoch, self.base_lr, self.drops, self.factor)
