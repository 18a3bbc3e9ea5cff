"""Run a command that executes student code in a bubblewrap sandbox.

bubblewrap (`/usr/bin/bwrap`, Debian package `bubblewrap`) starts the
command in new namespaces, unprivileged:

- a new, empty root: only the system (`/usr`, `/bin`, `/lib*`, `/sbin`,
  `/etc`), the Python installation and environment (its prefixes and
  site-packages) and the paths the caller names (the student's source,
  the runner script) are there, all bound read-only at their own paths;
- the scratch folder, bound read-write at its own path, is the only
  writable place that outlives the sandbox; `/tmp` is a private tmpfs of
  `TMP_MB` MB, gone when it ends; the grader's other files, the other
  students' submissions and the home folders are simply not there;
- `--unshare-all`: no network (a network namespace with only a
  loopback of its own), its own PID namespace (it sees only its own
  processes, so it cannot signal the grader), IPC and UTS namespaces;
- `--die-with-parent`: it dies with the grader; `--new-session`: it has
  no terminal to inject keystrokes into;
- the resource limits of `grading.sandbox.process` (address space, CPU
  seconds, file size, open files, no core dumps), set before exec and
  inherited by everything inside, and a wall-clock timeout on which the
  whole process group is killed (the PID namespace dies with it).

Where bwrap is missing or cannot create namespaces here (some container
runtimes forbid them), `run_sandboxed` falls back to the worker's own
isolation (`grading.sandbox.process`): the same limits, timeout and
scrubbed environment, a separate process group, and no network under
`unshare -r -n` where the kernel allows it. The fallback does NOT hide or
protect the file system: the code can read and write whatever the
grader's user can; the Outcome's `sandbox` says which one ran, and the
results say so to the TA. Because every path is bound at its own path,
a command sees the same paths either way.
"""

import functools
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

from grading.sandbox.process import (
    Outcome,
    limit_resources,
    log_tail,
    network_namespace_available,
    wait_or_kill,
    worker_environment,
)

BWRAP = "bwrap"
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
TMP_MB = 256
SANDBOXES = ("auto", "bubblewrap", "process")


def find_bwrap():
    """The bwrap executable, or None."""
    return shutil.which(BWRAP)


@functools.lru_cache(maxsize=4)
def bubblewrap_works(executable):
    """Whether `executable` can create this module's namespaces here."""
    probe = [executable, *namespace_options(), *system_binds(), "true"]
    try:
        result = subprocess.run(probe, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def namespace_options():
    return ["--unshare-all", "--die-with-parent", "--new-session",
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(TMP_MB << 20), "--tmpfs", "/tmp"]


def system_binds():
    """The system's folders, read-only (merged-/usr links kept as links)."""
    options = []
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            options += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            options += ["--ro-bind", path, path]
    return options


def python_paths():
    """The Python installation and environment this grader runs in."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix,
             str(Path(sys.executable).resolve().parents[1]),
             *site.getsitepackages()}
    return sorted(path for path in paths if os.path.isdir(path))


def bwrap_command(executable, command, scratch, read_only):
    """The full bwrap command line running `command`."""
    binds = []
    covered = [path for path in SYSTEM_PATHS if os.path.isdir(path)]
    for path in [*python_paths(), *map(str, read_only)]:
        path = os.path.abspath(path)
        if not any(path == root or path.startswith(root + os.sep)
                   for root in covered):
            binds += ["--ro-bind", path, path]
    scratch = os.path.abspath(scratch)
    return [executable, *namespace_options(), *system_binds(), *binds,
            "--bind", scratch, scratch, "--chdir", scratch, "--",
            *command]


def choose(sandbox="auto"):
    """("bubblewrap", its executable) or ("process", None) for `sandbox`
    ("auto": bubblewrap where it works)."""
    if sandbox not in SANDBOXES:
        raise ValueError(f"Expected a sandbox among {SANDBOXES}. "
                         f"Received: {sandbox!r}")
    executable = find_bwrap() if sandbox != "process" else None
    if executable and bubblewrap_works(executable):
        return "bubblewrap", executable
    if sandbox == "bubblewrap":
        raise ValueError("Expected a working bwrap (Debian package "
                         "bubblewrap). Received: none on PATH or it cannot "
                         "create namespaces here")
    return "process", None


def run_sandboxed(command, scratch, read_only, limits, log_path,
                  sandbox="auto"):
    """Run `command` (argv) with `scratch` as its only writable folder and
    `read_only` paths visible; returns a `grading.sandbox.process.Outcome`
    whose `sandbox` names the sandbox that ran."""
    kind, executable = choose(sandbox)
    scratch = Path(scratch)
    environment = worker_environment(scratch, limits.gpu)
    if kind == "bubblewrap":
        command, isolated = bwrap_command(executable, command, scratch,
                                          read_only), True
    else:
        isolated = network_namespace_available()
        if isolated:
            command = ["unshare", "-r", "-n", "--", *command]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, cwd=scratch, env=environment, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=limit_resources(limits), start_new_session=True)
        timed_out, over_memory = wait_or_kill(process, limits)
    return Outcome(process.returncode, timed_out, isolated,
                   log_tail(log_path), over_memory, sandbox=kind)
