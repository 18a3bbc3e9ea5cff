"""Where each run of a grid or study stands, from its folder (and, for
runs sent to Slurm, the queue): `--status`.

One line per run: finished (with its test accuracy), diverged (at which
epoch), unfinished at epoch N of M, failed (the error its log ends
with), or missing (no folder yet); then, for runs this LOGDIR sent to
Slurm, the task and its state in the queue (`PENDING`, `RUNNING`, ...;
"done" once it left the queue).
"""

from pathlib import Path

from nin.launch.slurm import task_states
from nin.training.run_folder import LOG_FILE, epochs_done, read_results

FAILURE_STARTS = ("lab4.py: error:", "Traceback (most recent call last)")
TASK_HEADER = "== Slurm job "


def log_failure(run_dir):
    """The error line that the run's last attempt ended with, or None."""
    log = Path(run_dir) / LOG_FILE
    if not log.is_file():
        return None
    lines = log.read_text(errors="replace").splitlines()
    starts = [index for index, line in enumerate(lines)
              if line.startswith((TASK_HEADER, "Run ", "Resuming "))]
    attempt = lines[starts[-1]:] if starts else lines
    for index, line in enumerate(attempt):
        if line.startswith(FAILURE_STARTS):
            tail = [text for text in attempt[index:] if text.strip()]
            return (line if line.startswith(FAILURE_STARTS[0])
                    else tail[-1])[:200]
    return None


def folder_status(job):
    run_dir = Path(job.run_dir)
    if not run_dir.is_dir():
        return "missing"
    results = read_results(run_dir)
    if results is not None:
        if results.get("diverged"):
            return f"diverged at epoch {results.get('diverged_epoch')}"
        accuracy = results.get("test_accuracy")
        shown = "n/a" if accuracy is None else f"{100 * accuracy:.2f}%"
        return f"finished, test accuracy {shown}"
    failure = log_failure(run_dir)
    if failure:
        return f"failed: {failure}"
    planned = job.settings.get("epochs", "?")
    return f"unfinished, epoch {epochs_done(run_dir)} of {planned}"


def status_lines(jobs, logdir):
    slurm = task_states(logdir)
    width = max([len(job.name) for job in jobs] + [3]) + 2
    lines = []
    for job in jobs:
        line = f"{job.name:<{width}}{folder_status(job):<36}"
        task = slurm.get(str(Path(job.run_dir).resolve()))
        if task:
            line += f"  Slurm {task[0]}: {task[1] or 'left the queue'}"
        lines.append(line.rstrip())
    return lines
