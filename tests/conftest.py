"""Shared test set-up: quiet TensorFlow, TensorFlow backend, fixed seeds."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def fixed_seed():
    keras.utils.set_random_seed(1234)
    yield


@pytest.fixture(scope="session")
def lab_grid(tmp_path_factory):
    """The 10-run grid trained once on tiny settings, shared by the grid,
    report and HParams tests: see `grid_runs.train_tiny_grid`."""
    from grid_runs import train_tiny_grid

    return train_tiny_grid(tmp_path_factory.mktemp("grid"))
