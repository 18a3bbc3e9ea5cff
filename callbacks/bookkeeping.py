"""Run bookkeeping: the run directory, atomic JSON files, a results tracker.

A run lives in `LOGDIR/RUN_NAME/`. Nothing there is overwritten silently:
`prepare_run_dir` refuses a directory that already holds a run unless told
to overwrite, and then it first moves the old run aside under a timestamped
name. JSON files are written atomically (temp file, fsync, rename), so a
crash never leaves a half-written `results.json` that looks complete.
"""

import json
import math
import os
import tempfile
import time
from pathlib import Path

import keras


class RunExistsError(ValueError):
    """The run directory already holds a run."""


def write_json_atomic(path, data):
    """Write `data` as JSON to `path` via temp file + fsync + rename."""
    path = Path(path)
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def prepare_run_dir(logdir, run_name, overwrite=False):
    """Create and return `logdir/run_name`, never clobbering a run.

    An existing non-empty directory raises `RunExistsError`, unless
    `overwrite`, which renames it to `RUN_NAME.old-YYYYmmdd-HHMMSS` first.
    """
    logdir = Path(logdir)
    if logdir.exists() and not logdir.is_dir():
        raise ValueError(f"--logdir must be a directory; {logdir} is a file")
    run_dir = logdir / run_name
    if run_dir.exists() and any(run_dir.iterdir()):
        if not overwrite:
            raise RunExistsError(
                f"{run_dir} already holds a run. Use another --logdir, or "
                "--overwrite to move the old run aside and start again."
            )
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = run_dir.with_name(f"{run_name}.old-{stamp}")
        run_dir.rename(kept)
        print(f"Moved the previous run to {kept}")
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir


class RunTracker(keras.callbacks.Callback):
    """Tracks best test accuracy, divergence and training speed.

    A NaN or infinite epoch loss marks the run diverged and stops it: seed
    001's no-BN + WI runs at lr 0.1 can do this, and it is a result, not a
    crash. Training time excludes the per-epoch test evaluation.
    """

    def __init__(self, train_size):
        super().__init__()
        self.train_size = train_size
        self.best_test_accuracy = None
        self.best_epoch = None
        self.epochs_completed = 0
        self.diverged = False
        self.diverged_epoch = None
        self.train_seconds = 0.0
        self._epoch_start = None

    def on_train_begin(self, logs=None):
        self._wall_start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def _stop_clock(self):
        if self._epoch_start is not None:
            self.train_seconds += time.perf_counter() - self._epoch_start
            self._epoch_start = None

    def on_test_begin(self, logs=None):
        self._stop_clock()

    def on_epoch_end(self, epoch, logs=None):
        self._stop_clock()
        logs = logs or {}
        self.epochs_completed = epoch + 1
        accuracy = logs.get("val_accuracy")
        if accuracy is not None and math.isfinite(accuracy) and (
            self.best_test_accuracy is None
            or accuracy > self.best_test_accuracy
        ):
            self.best_test_accuracy = float(accuracy)
            self.best_epoch = epoch
        if not math.isfinite(float(logs.get("loss", 0.0))):
            self.diverged = True
            self.diverged_epoch = epoch
            self.model.stop_training = True
            print(f"\nEpoch {epoch + 1}: loss is {logs.get('loss')}; the run "
                  "diverged and is stopped (recorded in results.json).")

    def summary(self):
        wall = time.perf_counter() - self._wall_start
        images = self.train_size * self.epochs_completed
        return {
            "best_test_accuracy": self.best_test_accuracy,
            "best_epoch": self.best_epoch,
            "epochs": self.epochs_completed,
            "diverged": self.diverged,
            "diverged_epoch": self.diverged_epoch,
            "train_time_s": round(self.train_seconds, 3),
            "wall_time_s": round(wall, 3),
            "images_per_second": (
                round(images / self.train_seconds, 2)
                if self.train_seconds > 0 else None
            ),
        }
