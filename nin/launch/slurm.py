"""Jobs on a Slurm cluster: one job array, one task per unfinished run.

`submit(jobs, ...)` writes a submission folder, `LOGDIR/.slurm/STAMP/`,
with one `task-I.args` file per run (its lab4.py flags, one per line:
`lab4.py @FILE` reads them) and `task-I.dir` (its run folder), and a
task script; then ONE `sbatch --array=0-(N-1) --requeue` call submits
them all, so a refused job leaves nothing behind, half or whole. Each
task appends everything it prints to `RUN_DIR/train.log`, runs lab4.py,
which resumes an unfinished run from its last checkpoint and never
trains a finished one again, and is requeued when preempted. `sbatch`
options pass through `slurm_args` (`--gres=gpu:1 --time=1:00:00 -p gpu`);
the ones the array depends on are refused.

Slurm's view of each task comes from `squeue` (accounting, and so
`sacct`, is often off): `task_states` maps each run folder of this
LOGDIR's submissions to the state of its latest task still in the queue.
"""

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
            "--no-requeue")
TASK_SCRIPT = """#!/bin/bash
# One run of a Slurm job array, written by the toolkit (nin.launch.slurm).
task="{folder}/task-$SLURM_ARRAY_TASK_ID"
run_dir="$(cat "$task.dir")"
mkdir -p "$run_dir"
cd {workdir}
echo "== Slurm job ${{SLURM_ARRAY_JOB_ID}}_${{SLURM_ARRAY_TASK_ID}} on \\
$(hostname), $(date '+%F %T'), restart ${{SLURM_RESTART_COUNT:-0}}" \\
  >> "$run_dir/train.log"
exec {python} -m nin.cli.lab4 "@$task.args" >> "$run_dir/train.log" 2>&1
"""


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


def write_submission(jobs, logdir):
    """The submission folder for `jobs`: task files and the script."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = Path(logdir).resolve() / SUBMISSIONS / stamp
    suffix = 1
    while folder.exists():
        folder = folder.with_name(f"{stamp}-{suffix}")
        suffix += 1
    folder.mkdir(parents=True)
    for index, job in enumerate(jobs):
        write_text_atomic(folder / f"task-{index}.args",
                          "\n".join([*job.argv, "--verbose", "2"]) + "\n")
        write_text_atomic(folder / f"task-{index}.dir",
                          f"{Path(job.run_dir).resolve()}\n")
    script = folder / "task.sh"
    write_text_atomic(script, TASK_SCRIPT.format(
        folder=shlex.quote(str(folder)), workdir=shlex.quote(os.getcwd()),
        python=shlex.quote(sys.executable)))
    script.chmod(0o755)
    return folder


def submit(jobs, logdir, name, slurm_args=""):
    """Submit the unfinished `jobs` as one array; (job id or None when
    nothing is left to train, the submitted jobs, the folder)."""
    options = parse_slurm_args(slurm_args)
    sbatch = sbatch_path()
    todo = [job for job in jobs if read_results(job.run_dir) is None]
    busy = queued_runs(logdir)
    clash = [f"{job.name} (task {busy[str(Path(job.run_dir).resolve())]})"
             for job in todo if str(Path(job.run_dir).resolve()) in busy]
    if clash:
        raise SlurmError(
            f"{', '.join(clash)} already in the Slurm queue; wait for it or "
            "scancel it first, so that a run is never trained twice at "
            "once")
    if not todo:
        return None, [], None
    folder = write_submission(todo, logdir)
    command = [sbatch, "--parsable", f"--array=0-{len(todo) - 1}",
               "--requeue", f"--job-name=nin-{name}",
               f"--output={folder}/task-%a.slurm.out", *options,
               str(folder / "task.sh")]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        message = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise SlurmError(f"sbatch refused the job, nothing was submitted: "
                         f"{message}")
    job_id = done.stdout.strip().split(";")[0]
    write_json_atomic(folder / SUBMISSION_FILE, {
        "job_id": job_id, "name": name, "command": command,
        "tasks": [{"index": index, "run": job.name,
                   "run_dir": str(Path(job.run_dir).resolve())}
                  for index, job in enumerate(todo)]})
    return job_id, todo, folder


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


def task_states(logdir):
    """{run folder: (task id like 12_3, its squeue state or None when no
    longer queued)} for the latest task of each run this LOGDIR sent."""
    queued, latest = queue(), {}
    for record in submissions(logdir):
        for task in record["tasks"]:
            key = (record["job_id"], task["index"])
            latest[task["run_dir"]] = (f"{key[0]}_{key[1]}",
                                       queued.get(key))
    return latest


def queued_runs(logdir):
    """{run folder: task id} of this LOGDIR's runs still in the queue."""
    return {run_dir: task for run_dir, (task, state)
            in task_states(logdir).items() if state is not None}
