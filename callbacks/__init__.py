"""Callbacks and run bookkeeping for the lab's training runs."""

from callbacks.bookkeeping import (
    RunTracker,
    open_run_dir,
    write_json_atomic,
)
from callbacks.checkpoint import (
    EpochCheckpoint,
    read_checkpoint,
    save_model_atomic,
)
from callbacks.schedules import StepSchedule, scaled_drops, step_decay
from callbacks.tensorboard import EpochTensorBoard

__all__ = [
    "EpochCheckpoint",
    "EpochTensorBoard",
    "RunTracker",
    "StepSchedule",
    "open_run_dir",
    "read_checkpoint",
    "save_model_atomic",
    "scaled_drops",
    "step_decay",
    "write_json_atomic",
]
