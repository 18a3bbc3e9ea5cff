"""Run the grading worker in a child process that cannot do much harm.

Isolation applied to every worker (`python -m grading.sandbox.worker`):

- resource limits (`resource.setrlimit`, set in the child before exec):
  address space (`memory_mb`), CPU seconds, size of any file it writes,
  open files, no core dumps;
- a wall-clock timeout; on expiry the whole process group is killed;
- no network: the worker runs under `unshare -r -n` (a new user and
  network namespace with no interfaces) when the kernel allows it; where
  it does not, `network_isolated` is False and the TA is told so. Either
  way nothing downloads: datasets come only from `--data-dir` or bundled
  files, and proxy variables are not passed on;
- a scrubbed environment: HOME and KERAS_HOME point into the worker's own
  folder under OUT, GPUs are hidden (CUDA reserves more address space than
  a memory limit allows), TensorFlow uses as many threads as a container's
  CPU quota allows (`grading.sandbox.machine`), the current directory is that
  folder, and `python -P` keeps that folder (student files) from ever
  being imported: the worker's code comes from the installed toolkit
  alone.

With `Limits(gpu=True)` (`labs/grade.py --device gpu`) the worker sees
the machine's GPUs; since CUDA cannot start under an address-space limit,
the memory limit is then enforced on the worker's resident memory, which
the grader checks twice a second (the process group is killed above it).
Every other part of the sandbox is the same.
"""

import dataclasses
import functools
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

from grading.sandbox.machine import process_megabytes, worker_threads

OPEN_FILES = 1024
MEGABYTE = 1 << 20
MEMORY_POLL_S = 0.5


@dataclasses.dataclass
class Limits:
    timeout_s: float = 3600.0
    memory_mb: int = 8192
    file_mb: int = 2048
    gpu: bool = False  # show GPUs; memory limit on resident memory


@dataclasses.dataclass
class Outcome:
    returncode: int
    timed_out: bool
    network_isolated: bool
    log: str
    over_memory: bool = False
    sandbox: str = "process"  # or "bubblewrap": grading.sandbox.bubblewrap

    @property
    def ok(self):
        return self.returncode == 0 and not self.timed_out \
            and not self.over_memory

    def explain(self, limits):
        if self.timed_out:
            return f"stopped after the {limits.timeout_s:g} s time limit"
        if self.over_memory:
            return (f"stopped at the {limits.memory_mb} MB memory limit "
                    "(resident memory, GPU mode)")
        if self.returncode < 0:
            name = signal.Signals(-self.returncode).name
            return (f"killed by {name} (memory limit {limits.memory_mb} MB "
                    "or a crash)")
        return f"failed with exit code {self.returncode}"


@functools.lru_cache(maxsize=1)
def network_namespace_available():
    """Whether `unshare -r -n` works for this user on this kernel."""
    try:
        probe = subprocess.run(["unshare", "-r", "-n", "true"],
                               capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def limit_resources(limits):
    def apply():
        memory = limits.memory_mb * MEGABYTE
        cpu = int(limits.timeout_s * max(1, os.cpu_count() or 1)) + 60
        if not limits.gpu:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        file_size = limits.file_mb * MEGABYTE
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def worker_environment(work_dir, gpu=False):
    home = Path(work_dir) / "home"
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "KERAS_HOME": str(home / ".keras"),
        "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
    }
    passed = ("LANG", "LC_ALL", "OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
              "TF_NUM_INTEROP_THREADS")
    threads = worker_threads()
    if threads:  # a container's CPU quota, not the host's cores
        environment["TF_NUM_INTRAOP_THREADS"] = str(threads)
    if gpu:  # the machine's choice of GPUs and CUDA libraries
        passed += ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")
    else:
        environment["CUDA_VISIBLE_DEVICES"] = "-1"
    for name in passed:
        if name in os.environ:
            environment[name] = os.environ[name]
    return environment


def run_worker(request_path, work_dir, limits, log_path):
    """Run `python -m grading.sandbox.worker request_path`; returns an
    Outcome."""
    isolated = network_namespace_available()
    command = [sys.executable, "-P", "-m", "grading.sandbox.worker",
               str(request_path)]
    if isolated:
        command = ["unshare", "-r", "-n", "--", *command]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, cwd=work_dir, env=worker_environment(work_dir,
                                                          limits.gpu),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=limit_resources(limits), start_new_session=True)
        timed_out, over_memory = wait_or_kill(process, limits)
    return Outcome(process.returncode, timed_out, isolated,
                   log_tail(log_path), over_memory)


def wait_or_kill(process, limits):
    """(timed out, over memory): waits, killing the process group at the
    time limit or, in GPU mode, above the resident-memory limit."""
    deadline = time.monotonic() + limits.timeout_s
    timed_out = over_memory = False
    while True:
        left = deadline - time.monotonic()
        try:
            process.wait(timeout=max(0.0, min(left, MEMORY_POLL_S)
                                     if limits.gpu else left))
            return timed_out, over_memory
        except subprocess.TimeoutExpired:
            resident = process_megabytes("VmRSS", process.pid) or 0
            over_memory = limits.gpu and resident > limits.memory_mb
            timed_out = not over_memory and time.monotonic() >= deadline
            if timed_out or over_memory:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return timed_out, over_memory


def log_tail(path, size=4000):
    data = Path(path).read_bytes()[-size:]
    return data.decode("utf-8", errors="replace")
