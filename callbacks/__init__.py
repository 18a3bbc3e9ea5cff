"""Callbacks and run bookkeeping for the lab's training runs."""

from callbacks.bookkeeping import (
    RunExistsError,
    RunTracker,
    prepare_run_dir,
    write_json_atomic,
)
from callbacks.schedules import StepSchedule, scaled_drops, step_decay
from callbacks.tensorboard import EpochTensorBoard

__all__ = [
    "EpochTensorBoard",
    "RunExistsError",
    "RunTracker",
    "StepSchedule",
    "prepare_run_dir",
    "scaled_drops",
    "step_decay",
    "write_json_atomic",
]
