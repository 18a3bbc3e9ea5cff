"""Run several jobs at once on this machine, each its own process.

Each run's own output (Keras's progress bar included) goes to
`RUN_DIR/train.log` (`lab4.py --log-to-run-folder`); the console gets
one line when a run starts, finishes, diverges or fails, an overall
progress bar with an ETA (from the epochs each run has checkpointed),
and the summary table at the end (`records.summary`). A run that fails
does not stop the others. Ctrl-C stops every child the way Ctrl-C stops
one run: each keeps its last completed epoch's checkpoint, and the same
command continues the list. Children run in their own process groups,
so a terminal's Ctrl-C reaches them once, through this process.
"""

import collections
import os
import signal
import subprocess
import sys
import threading
import time

from nin.launch.jobs import status_of
from nin.launch.progress import Progress, format_seconds
from nin.launch.records import finished_record, record
from nin.training.run_folder import LOG_FILE, read_results

POLL_SECONDS = 1.0
STOP_SECONDS = 120  # for a child to save its state after Ctrl-C
TAIL_LINES = 20


class Child:
    """One job's lab4.py process and the last lines it printed before its
    output moved into its run folder."""

    def __init__(self, job, environment):
        self.job = job
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [*job.command(), "--log-to-run-folder"],
            env={**os.environ, "PYTHONUNBUFFERED": "1", **environment},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.tail = collections.deque(maxlen=TAIL_LINES)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            if line.strip():
                self.tail.append(line.rstrip())

    @property
    def seconds(self):
        return time.monotonic() - self.started

    def interrupt(self):
        """Ctrl-C for this child alone (its own process group)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)

    def wait(self, timeout):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()

    def reason(self):
        """The last line the run printed: on the console, else its log."""
        self.reader.join(timeout=5)
        if self.tail:
            return self.tail[-1]
        log = self.job.run_dir / LOG_FILE
        lines = log.read_text(errors="replace").splitlines() \
            if log.is_file() else []
        lines = [line for line in lines if line.strip()]
        return lines[-1][-200:] if lines else "no output"


def event_line(child, exit_code):
    """(record, the console line) of a child that has ended."""
    job = child.job
    results = read_results(job.run_dir)
    status = status_of(exit_code, results)
    entry = record(job.name, status, results, child.seconds)
    took = format_seconds(child.seconds)
    if status == "done":
        accuracy = results.get("test_accuracy")
        shown = "n/a" if accuracy is None else f"{100 * accuracy:.2f}%"
        return entry, f"done     {job.name}: test accuracy {shown} ({took})"
    if status == "diverged":
        epoch = (results or {}).get("diverged_epoch")
        return entry, f"diverged {job.name} at epoch {epoch} ({took})"
    return entry, (f"{status.split(' ')[0]:<8} {job.name} "
                   f"{status[len('failed '):]}: {child.reason()} "
                   f"(log: {job.run_dir / LOG_FILE})")


def run_jobs_at_once(jobs, environments, stream=None):
    """Train the unfinished `jobs`, `len(environments)` at a time, slot i
    with `environments[i]`; returns one record per job, in order."""
    stream = stream or sys.stdout
    progress = Progress(jobs, stream)
    records, queue = {}, []
    for job in jobs:
        results = read_results(job.run_dir)
        if results is None:
            queue.append(job)
        else:
            records[job.name], message = finished_record(job, results)
            progress.say(f"skipped  {job.name}: {message}")
    free, running = list(range(len(environments))), {}
    try:
        while queue or running:
            while queue and free:
                slot = free.pop(0)
                child = Child(queue.pop(0), environments[slot])
                running[slot] = child
                where = environments[slot].get("CUDA_VISIBLE_DEVICES")
                progress.say(f"start    {child.job.name}"
                             + (f" on GPU {where}" if where else ""))
            for slot, child in list(running.items()):
                exit_code = child.process.poll()
                if exit_code is None:
                    continue
                records[child.job.name], line = event_line(child, exit_code)
                progress.settle(child.job)
                progress.say(line)
                del running[slot]
                free.append(slot)
            progress.show()
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        progress.say(f"Interrupted: stopping {len(running)} run(s); each "
                     "keeps its last completed epoch.")
        for child in running.values():
            child.interrupt()
        for child in running.values():
            child.wait(STOP_SECONDS)
            records[child.job.name] = record(child.job.name, "interrupted",
                                             None, child.seconds)
        for job in queue:
            records[job.name] = record(job.name, "not run")
    progress.finish()
    return [records[job.name] for job in jobs]
