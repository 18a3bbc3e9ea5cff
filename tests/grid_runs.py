"""The tiny lab grid the grid, report and HParams tests share.

Trained once per test session (the `lab_grid` fixture in conftest.py):

1. `grid.py --only WI,None --lr 1e12` into `diverged_logdir`: both no-BN
   runs diverge at once (the forced divergence), and the grid goes on
   from the first to the second;
2. `grid.py` into `logdir`: the 10 runs (synthetic data, width 0.125, 2
   epochs);
3. `grid.py` again, with starting a process made to fail the test: all
   10 runs are skipped.

Each call's exit code and what the grid printed (its own lines: the
runs' streamed output goes to the file descriptors) are kept.
"""

import contextlib
import io
import types
from unittest import mock

import grid

TINY = ["--dataset", "synthetic", "--epochs", "2", "--width", "0.125",
        "--verbose", "0"]


def call_grid(argv):
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = grid.main(argv)
    return code, output.getvalue()


def train_tiny_grid(folder):
    logdir, diverged_logdir = folder / "grid", folder / "diverged"
    diverged = call_grid(["--only", "WI,None", "--lr", "1e12", *TINY,
                          "--logdir", str(diverged_logdir)])
    options = [*TINY, "--logdir", str(logdir)]
    first = call_grid(options)
    no_process = mock.patch.object(
        grid.subprocess, "run",
        side_effect=AssertionError("a finished run was started again"))
    with no_process:
        second = call_grid(options)
    return types.SimpleNamespace(
        logdir=logdir, diverged_logdir=diverged_logdir, options=options,
        diverged=diverged, first=first, second=second)
