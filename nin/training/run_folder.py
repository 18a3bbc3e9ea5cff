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

CONFIG_FILE = "config.json"  # written first: the folder holds a run
RESULTS_FILE = "results.json"  # written last: the run is finished


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




def read_results(run_dir):
    """The run's results.json as a dict, or None while it is unfinished."""
    path = Path(run_dir) / RESULTS_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def read_config(run_dir):
    """The run's config.json as a dict, or None if the folder has none."""
    path = Path(run_dir) / CONFIG_FILE
    return json.loads(path.read_text()) if path.is_file() else None
