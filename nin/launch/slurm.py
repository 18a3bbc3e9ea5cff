"""Jobs on a Slurm cluster: one job array, one task per unfinished run
(or per student to grade: `grading.platforms.slurm`).

`submit(jobs, ...)` writes a submission folder, `LOGDIR/.slurm/STAMP/`,
with one `task-I.args` file per task (its command-line arguments,
NUL-separated, so any character in a path or a name survives) and
`task-I.log` (the file its output is appended to: `RUN_DIR/train.log`
for a run), and a task script; then ONE `sbatch --array=0-(N-1)
--requeue` call submits them all, so a refused job leaves nothing
behind, half or whole. Each task runs lab4.py, which resumes an
unfinished run from its last checkpoint and never trains a finished one
again, and is requeued when preempted. `sbatch` options pass through
`slurm_args` (`--gres=gpu:1 --time=1:00:00 -p gpu`); the ones the array
depends on are refused. `submit_tasks` is the same for any module's
`main` (the grader's), with an optional job it waits for.

Slurm's view of each task comes from `squeue` (accounting, and so
`sacct`, is often off): `task_states` maps the key of each task of a
folder's submissions (a run folder, a student's output folder) to the
state of its latest task still in the queue.
"""

import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

from callbacks.atomic import write_json_atomic, write_text_atomic
from nin.training.run_folder import read_results

SUBMISSIONS = ".slurm"
SUBMISSION_FILE = "submission.json"
# Set by the toolkit for the array; refused in --slurm-args.
RESERVED = ("--array", "-a", "--output", "-o", "--error", "-e",
            "--open-mode", "--parsable", "--wrap", "--requeue",
            "--no-requeue", "--dependency", "-d")
TASK_SCRIPT = """#!/bin/bash
# One task of a Slurm job array, written by the toolkit (nin.launch.slurm).
task="{folder}/task-$SLURM_ARRAY_TASK_ID"
log="$(cat "$task.log")"
mkdir -p "$(dirname "$log")"
mapfile -d '' arguments < "$task.args"
cd {workdir}
echo "== Slurm job ${{SLURM_ARRAY_JOB_ID}}_${{SLURM_ARRAY_TASK_ID}} on \\
$(hostname), $(date '+%F %T'), restart ${{SLURM_RESTART_COUNT:-0}}" >> "$log"
exec {python} -m {module} "${{arguments[@]}}" >> "$log" 2>&1
"""
LAB4 = "nin.cli.lab4"


@dataclasses.dataclass(frozen=True)
class Task:
    """One array task: `python -m MODULE *argv`, its output appended to
    `log`; `key` names what it works on (for the queue's view), `name`
    says it to a person."""
    name: str
    argv: tuple
    log: str
    key: str


class SlurmError(ValueError):
    """Slurm is missing, or refused the job; nothing was submitted."""


def parse_slurm_args(text):
    """The sbatch options in `text` (shell words), checked."""
    try:
        words = shlex.split(text or "")
    except ValueError as error:
        raise SlurmError(f"--slurm-args {text!r} is not valid shell "
                         f"quoting ({error})") from None
    for word in words:
        name = word.split("=")[0]
        if name in RESERVED:
            raise SlurmError(
                f"--slurm-args must not set {name}: the toolkit sets it "
                "for the job array (one task per run, requeued, output in "
                "each run folder)")
    if words and not words[0].startswith("-"):
        raise SlurmError(f"--slurm-args must be sbatch options like "
                         f"--gres=gpu:1. Received: {text!r}")
    return words


def sbatch_path():
    path = shutil.which("sbatch")
    if path is None:
        raise SlurmError("Slurm is not installed here: no sbatch on PATH "
                         "(run this on the cluster's login node)")
    return path


def write_submission(tasks, root, module):
    """The submission folder for `tasks` under `root`: task files and the
    script that runs `module`."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = Path(root).resolve() / SUBMISSIONS / stamp
    suffix = 1
    while folder.exists():
        folder = folder.with_name(f"{stamp}-{suffix}")
        suffix += 1
    folder.mkdir(parents=True)
    for index, task in enumerate(tasks):
        if any("\0" in word for word in task.argv):
            raise SlurmError(f"{task.name}: an argument holds a NUL byte")
        write_text_atomic(folder / f"task-{index}.args",
                          "".join(f"{word}\0" for word in task.argv))
        write_text_atomic(folder / f"task-{index}.log", f"{task.log}\n")
    script = folder / "task.sh"
    write_text_atomic(script, TASK_SCRIPT.format(
        folder=shlex.quote(str(folder)), workdir=shlex.quote(os.getcwd()),
        python=shlex.quote(sys.executable), module=module))
    script.chmod(0o755)
    return folder


def run_task(job):
    """The task that trains (or resumes) one lab4 job."""
    run_dir = Path(job.run_dir).resolve()
    return Task(name=job.name, argv=(*job.argv, "--verbose", "2"),
                log=str(run_dir / "train.log"), key=str(run_dir))


def submit(jobs, logdir, name, slurm_args=""):
    """Submit the unfinished `jobs` as one array; (job id or None when
    nothing is left to train, the submitted jobs, the folder)."""
    todo = [job for job in jobs if read_results(job.run_dir) is None]
    job_id, folder = submit_tasks([run_task(job) for job in todo], logdir,
                                  name, LAB4, slurm_args)
    return job_id, (todo if job_id else []), folder


def submit_tasks(tasks, root, name, module, slurm_args="",
                 after=None):
    """Submit `tasks` (running `module`) as one array, its submission
    folder under `root`, starting once job `after` (if any) has ended,
    whatever its outcome; (job id, folder), or (None, None) when there
    are no tasks. Refuses tasks whose key is still in the queue."""
    options = parse_slurm_args(slurm_args)
    sbatch = sbatch_path()
    busy = queued_tasks(root)
    clash = [f"{task.name} (task {busy[task.key]})" for task in tasks
             if task.key in busy]
    if clash:
        raise SlurmError(
            f"{', '.join(clash)} already in the Slurm queue; wait for it or "
            "scancel it first, so that nothing runs twice at once")
    if not tasks:
        return None, None
    folder = write_submission(tasks, root, module)
    command = [sbatch, "--parsable", f"--array=0-{len(tasks) - 1}",
               "--requeue", f"--job-name=nin-{name}",
               f"--output={folder}/task-%a.slurm.out",
               *([f"--dependency=afterany:{after}"] if after else []),
               *options, str(folder / "task.sh")]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        message = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SlurmError(f"sbatch refused the job, nothing was submitted: "
                         f"{message}")
    job_id = done.stdout.strip().split(";")[0]
    write_json_atomic(folder / SUBMISSION_FILE, {
        "job_id": job_id, "name": name, "command": command,
        "tasks": [{"index": index, "name": task.name, "key": task.key}
                  for index, task in enumerate(tasks)]})
    return job_id, folder


def cancel(job_id):
    """scancel a job this toolkit submitted (nothing when it is gone)."""
    subprocess.run(["scancel", str(job_id)], capture_output=True)


def submissions(logdir):
    """This LOGDIR's submission records, oldest first."""
    root = Path(logdir) / SUBMISSIONS
    records = []
    for path in sorted(root.glob(f"*/{SUBMISSION_FILE}")):
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
    return records


def queue():
    """{(array job id, task index): state} of every queued task ({} when
    Slurm cannot be asked)."""
    if shutil.which("squeue") is None:
        return {}
    listed = subprocess.run(["squeue", "-h", "-r", "-o", "%F|%K|%T"],
                            capture_output=True, text=True)
    states = {}
    for line in listed.stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 3 and parts[1].isdigit():
            states[(parts[0], int(parts[1]))] = parts[2]
    return states


def task_states(root):
    """{task key: (task id like 12_3, its squeue state or None when no
    longer queued)} for the latest task of each key `root`'s
    submissions hold."""
    queued, latest = queue(), {}
    for record in submissions(root):
        for task in record["tasks"]:
            key = (record["job_id"], task["index"])
            task_key = task.get("key", task.get("run_dir"))
            latest[task_key] = (f"{key[0]}_{key[1]}", queued.get(key))
    return latest


def queued_tasks(root):
    """{task key: task id} of `root`'s tasks still in the queue."""
    return {task_key: task for task_key, (task, state)
            in task_states(root).items() if state is not None}
