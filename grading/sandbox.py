"""Run the grading worker in a child process that cannot do much harm.

Isolation applied to every worker (`python -m grading.worker`):

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
  a memory limit allows), the current directory is that folder, and
  `python -P` keeps that folder (student files) from ever being imported:
  the worker's code comes from the installed toolkit alone.
"""

import dataclasses
import functools
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

OPEN_FILES = 1024
MEGABYTE = 1 << 20


@dataclasses.dataclass
class Limits:
    timeout_s: float = 3600.0
    memory_mb: int = 8192
    file_mb: int = 2048


@dataclasses.dataclass
class Outcome:
    returncode: int
    timed_out: bool
    network_isolated: bool
    log: str

    @property
    def ok(self):
        return self.returncode == 0 and not self.timed_out

    def explain(self, limits):
        if self.timed_out:
            return f"stopped after the {limits.timeout_s:g} s time limit"
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


def _limit_resources(limits):
    def apply():
        memory = limits.memory_mb * MEGABYTE
        cpu = int(limits.timeout_s * max(1, os.cpu_count() or 1)) + 60
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        file_size = limits.file_mb * MEGABYTE
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def worker_environment(work_dir):
    home = Path(work_dir) / "home"
    home.mkdir(parents=True, exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "KERAS_HOME": str(home / ".keras"),
        "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "CUDA_VISIBLE_DEVICES": "-1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
    }
    for name in ("LANG", "LC_ALL", "OMP_NUM_THREADS"):
        if name in os.environ:
            environment[name] = os.environ[name]
    return environment


def run_worker(request_path, work_dir, limits, log_path):
    """Run `python -m grading.worker request_path`; returns an Outcome."""
    isolated = network_namespace_available()
    command = [sys.executable, "-P", "-m", "grading.worker",
               str(request_path)]
    if isolated:
        command = ["unshare", "-r", "-n", "--", *command]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, cwd=work_dir, env=worker_environment(work_dir),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=_limit_resources(limits), start_new_session=True)
        timed_out = False
        try:
            process.wait(timeout=limits.timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return Outcome(process.returncode, timed_out, isolated,
                   _tail(log_path))


def _tail(path, size=4000):
    data = Path(path).read_bytes()[-size:]
    return data.decode("utf-8", errors="replace")
