"""Run jobs one after another on this machine, each as its own process.

Each job is a `lab4.py` process (no memory carried from one run to the
next) with its output streamed. A job whose folder holds results.json is
finished and skipped without starting a process; a finished run with
other settings is left alone and counts as failed. A run that diverges
or fails does not stop the others; Ctrl-C stops the list and says what
ran (`records` has the closing table and the exit code).
"""

import os
import subprocess
import time

from nin.launch.jobs import status_of
from nin.launch.records import finished_record, record
from nin.training.run_folder import read_results


def train_job(job, index, total, environment=None):
    """Run one lab4.py process, its output streamed; return its record."""
    print(f"\n=== [{index}/{total}] {job.name}: {job.shown_command()}",
          flush=True)
    started = time.monotonic()
    environment = {**os.environ, "PYTHONUNBUFFERED": "1",
                   **(environment or {})}
    exit_code = subprocess.run(job.command(), env=environment).returncode
    results = read_results(job.run_dir)
    return record(job.name, status_of(exit_code, results), results,
                  time.monotonic() - started)


def skip_job(job, results, header):
    """The record of a finished run (never trained again), said."""
    entry, message = finished_record(job, results)
    skipped = ", skipped" if entry["status"].startswith("skipped") else ""
    print(f"{header}: {message}{skipped}", flush=True)
    return entry


def run_jobs(jobs, environment=None):
    """Train or skip each job in turn (each child's environment updated
    with `environment`: its GPU); returns one record per job."""
    records = []
    try:
        for index, job in enumerate(jobs, start=1):
            results = read_results(job.run_dir)
            if results is None:
                records.append(train_job(job, index, len(jobs),
                                         environment))
            else:
                records.append(skip_job(
                    job, results, f"=== [{index}/{len(jobs)}] {job.name}"))
    except KeyboardInterrupt:
        records.append(record(jobs[len(records)].name, "interrupted"))
    for job in jobs[len(records):]:
        records.append(record(job.name, "not run"))
    return records
