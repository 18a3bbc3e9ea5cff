"""Keras callbacks of a training run, and what they write. Imports
keras, numpy and tensorboard only, never `nin`:

    schedules.py    seed 001's step learning rate (StepSchedule)
    plateau.py      seed 003's plateau LR and early stopping
    run_tracker.py  history, best accuracy, divergence, clocks
    checkpoint.py   a resumable checkpoint after every epoch
    progress.py     the console's `Epoch k/164` line (RunProgress)
    interrupt.py    Ctrl-C taken at the next batch end (BatchEndInterrupt)
    atomic.py       atomic JSON and model writes
    tensorboard.py  per-epoch scalars (no TensorFlow needed)
    hparams.py      the HParams dashboard's event file
    diagnostics.py  activation, dead-ReLU and gradient summaries
    gradients.py    loss gradients on any backend (for diagnostics)
    without_tensorflow.py  tensorboard's TensorFlow-free file access,
                    under JAX or torch (TensorFlow never takes the GPU)
"""

from callbacks.atomic import (
    save_model_atomic,
    write_json_atomic,
    write_text_atomic,
)
from callbacks.checkpoint import EpochCheckpoint, read_checkpoint
from callbacks.run_tracker import RunTracker, wait_for_training
from callbacks.schedules import StepSchedule, scaled_drops, step_decay
from callbacks.tensorboard import EpochTensorBoard

__all__ = [
    "EpochCheckpoint",
    "EpochTensorBoard",
    "RunTracker",
    "StepSchedule",
    "read_checkpoint",
    "save_model_atomic",
    "scaled_drops",
    "step_decay",
    "wait_for_training",
    "write_json_atomic",
    "write_text_atomic",
]
