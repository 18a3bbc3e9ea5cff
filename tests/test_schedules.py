"""Seed 001's step schedule: 0.1, then 0.01 at 81, 0.001 at 122."""

import keras
import numpy as np
import pytest

from callbacks import StepSchedule, scaled_drops, step_decay

pytestmark = pytest.mark.quick  # the quick tier: README, "Tests"


@pytest.mark.parametrize("epoch,expected", [
    (0, 0.1), (80, 0.1), (81, 0.01), (121, 0.01), (122, 0.001),
    (163, 0.001),
])
def test_step_decay_at_the_boundaries(epoch, expected):
    assert step_decay(epoch) == pytest.approx(expected, rel=1e-12)


def test_scaled_drops_are_exact_at_164_and_proportional_otherwise():
    assert scaled_drops(164) == (81, 122)
    assert scaled_drops(15) == (7, 11)
    assert scaled_drops(1) == (1, 1)


@pytest.mark.parametrize("epoch", [-1, 1.5, True])
def test_step_decay_rejects_bad_epochs(epoch):
    with pytest.raises(ValueError, match="epoch must be an integer"):
        step_decay(epoch)


def test_step_schedule_sets_and_logs_the_lr_each_epoch():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    history = model.fit(
        np.zeros((4, 2)), np.zeros((4, 1)), epochs=6, verbose=0,
        callbacks=[StepSchedule(base_lr=0.2, drops=(2, 4), factor=0.5)],
    )
    np.testing.assert_allclose(history.history["learning_rate"],
                               [0.2, 0.2, 0.1, 0.1, 0.05, 0.05], rtol=1e-6)


@pytest.mark.parametrize("kwargs", [
    {"base_lr": 0}, {"factor": 1.0}, {"drops": (122, 81)}, {"drops": (0,)},
])
def test_step_schedule_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        StepSchedule(**kwargs)
