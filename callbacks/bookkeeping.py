"""Run bookkeeping: the run directory, atomic JSON files, a results tracker.

A run lives in `LOGDIR/RUN_NAME/`. Nothing there is overwritten silently:
`open_run_dir` reports a directory that already holds a run as finished or
unfinished (to resume), and only when told to overwrite does it move the
old run aside under a timestamped name. JSON files are written atomically
(temp file, fsync, rename), so a crash never leaves a half-written
`results.json` that looks complete.
"""

import json
import math
import os
import tempfile
import time
from pathlib import Path

import keras


def write_json_atomic(path, data):
    """Write `data` as JSON to `path` via temp file + fsync + rename."""
    path = Path(path)
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        os.fchmod(descriptor, 0o644)  # mkstemp makes it private (0600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


RESULTS_FILE = "results.json"


def check_logdir(logdir):
    """`logdir` as a Path; a ValueError if it exists and is not a folder."""
    logdir = Path(logdir)
    if logdir.exists() and not logdir.is_dir():
        raise ValueError(f"--logdir must be a directory; {logdir} is a file")
    return logdir


def open_run_dir(logdir, run_name, overwrite=False):
    """(run_dir, status) for `logdir/run_name`; never clobbers a run.

    status is "new" (empty or just made), "unfinished" (holds a run without
    results.json: resume it) or "finished". With `overwrite`, an existing
    run is first renamed to `RUN_NAME.old-YYYYmmdd-HHMMSS` and a new one
    begins.
    """
    logdir = check_logdir(logdir)
    run_dir = logdir / run_name
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"{run_dir} is a file, not a run directory")
    if run_dir.is_dir() and any(run_dir.iterdir()):
        if not overwrite:
            finished = (run_dir / RESULTS_FILE).is_file()
            return run_dir, "finished" if finished else "unfinished"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = run_dir.with_name(f"{run_name}.old-{stamp}")
        run_dir.rename(kept)
        print(f"Moved the previous run to {kept}")
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir, "new"


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
