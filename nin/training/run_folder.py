"""A run's folder, `LOGDIR/RUN_NAME/`, and what it says about the run.

Nothing there is overwritten silently: `open_run_dir` reports a folder
that already holds a run as finished or unfinished (to resume), and only
when told to overwrite does it move the old run aside under a timestamped
name. `results.json` is written last (atomically), so its presence means
"finished".
"""

import json
import time
from pathlib import Path

from callbacks.checkpoint import CHECKPOINT_DIR, STATE_FILE
from callbacks.hparams import write_hparams
from callbacks.tensorboard import HPARAMS_SUFFIX

CONFIG_FILE = "config.json"  # written first: the folder holds a run
RESULTS_FILE = "results.json"  # written last: the run is finished
LOG_FILE = "train.log"  # the run's console output, when sent here
LOCK_FILE = ".lock"  # held (flock) by the process training the run
_HELD = {}  # run folder -> open descriptor of its held lock


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
        lock_run(run_dir)  # never move a run away from under its trainer
        release_run(run_dir)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = run_dir.with_name(f"{run_name}.old-{stamp}")
        run_dir.rename(kept)
        print(f"Moved the previous run to {kept}")
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir, "new"




def lock_run(run_dir):
    """Hold `RUN_DIR/.lock` (an flock, which the system releases when this
    process ends, however it ends) until `release_run`: a second process
    asked to train the same run at the same time (two terminals, a grid
    and a cluster task) is refused instead of mixing checkpoints."""
    import fcntl
    import os

    descriptor = os.open(Path(run_dir) / LOCK_FILE,
                         os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise ValueError(
            f"{run_dir} is being trained by another process right now; "
            "wait for it to end, or stop it first") from None
    _HELD[str(run_dir)] = descriptor


def release_run(run_dir):
    """Let go of the run's lock (and its file)."""
    import os

    descriptor = _HELD.pop(str(run_dir), None)
    if descriptor is not None:
        (Path(run_dir) / LOCK_FILE).unlink(missing_ok=True)
        os.close(descriptor)


def read_results(run_dir):
    """The run's results.json as a dict, or None while it is unfinished."""
    path = Path(run_dir) / RESULTS_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def write_run_hparams(run_dir, config, eval_split="test"):
    """The run's row of TensorBoard's HParams table, once per run: in
    its evaluation folder, next to the curves it reports (see
    `callbacks.hparams`); kept where an older run has it at its root."""
    run_dir = Path(run_dir)
    if list(run_dir.glob(f"**/*{HPARAMS_SUFFIX}")):
        return
    folder = run_dir / eval_split
    folder.mkdir(exist_ok=True)
    write_hparams(folder, config.hparams(), trial_id=config.run_name)


def read_config(run_dir):
    """The run's config.json as a dict, or None if the folder has none."""
    path = Path(run_dir) / CONFIG_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def send_output_to_log(run_dir):
    """From now on, this process's stdout and stderr (Keras's progress
    bar included) are appended to `RUN_DIR/train.log`: for runs started
    several at a time (`grid.py --jobs`) or by a cluster, so that each
    run's output stays in its own folder."""
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    descriptor = os.open(Path(run_dir) / LOG_FILE,
                         os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for stream in (sys.stdout, sys.stderr):
        os.dup2(descriptor, stream.fileno())
    os.close(descriptor)


def epochs_done(run_dir):
    """How many epochs the run in `run_dir` has completed: all of them
    once it is finished, else its last checkpoint's count (0 if none)."""
    results = read_results(run_dir)
    if results is not None:
        return results.get("epochs") or 0
    state = Path(run_dir) / CHECKPOINT_DIR / STATE_FILE
    try:
        return json.loads(state.read_text())["tracker"]["epochs_completed"]
    except (OSError, ValueError, KeyError, TypeError):
        return 0  # not started, or a checkpoint being replaced right now
