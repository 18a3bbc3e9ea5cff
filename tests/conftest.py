"""Shared test set-up: quiet TensorFlow, TensorFlow backend, fixed seeds,
the tiny lab grid that the grid, report, HParams and grader tests share
(trained once per session), and the hostile files the grader tests hand
in (`hostile`).

Code under test comes from the installed package (`pip install -e .`);
pytest runs with `--import-mode=importlib`, so it adds no folder to the
import path, and tests share helpers only through fixtures here.
"""

import contextlib
import io
import os
import stat
import types
import zipfile
from unittest import mock

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import pytest  # noqa: E402

# fp32: the grader re-measures in fp32, and a 128-image test set turns
# one image that bf16 rounding flips into 0.8 points, above its tolerance.
# Deterministic: the same runs trained several at once must match.
TINY_GRID = ["--dataset", "synthetic", "--epochs", "2", "--width", "0.125",
             "--precision", "fp32", "--deterministic", "--verbose", "0"]


# After the lab grid's unit (about 10 minutes of the suite's 25 in one
# process), the longest files.
LONGEST_FIRST = {"test_slurm.py": 1, "test_jax_backend.py": 2,
                 "test_resume.py": 3, "test_learning.py": 4,
                 "test_notebook.py": 5}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """Units for `pytest -n 2 --dist loadgroup` (pyproject.toml): each
    test file is one unit, so its module fixtures are built once; every
    file that uses the session's `lab_grid` joins one unit, so the grid
    is trained once. The units are handed out longest first."""
    grid_files = {item.path for item in items
                  if "lab_grid" in getattr(item, "fixturenames", ())}
    for item in items:
        group = "lab_grid" if item.path in grid_files else item.path.name
        item.add_marker(pytest.mark.xdist_group(group))
    # The longest units first, so that neither worker is left with one
    # alone at the end (files keep their order within a unit).
    items.sort(key=lambda item: (
        0 if item.path in grid_files else LONGEST_FIRST.get(
            item.path.name, len(LONGEST_FIRST) + 1)))


@pytest.fixture(autouse=True)
def fixed_seed():
    keras.utils.set_random_seed(1234)
    yield


def call_grid(argv):
    """(exit code, what grid.py printed itself; the runs' streamed
    output goes to the file descriptors)."""
    from nin.cli import grid

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = grid.main(argv)
    return code, output.getvalue()


@pytest.fixture(scope="session")
def lab_grid(tmp_path_factory):
    """The lab grid on tiny settings, trained once per session:

    1. `grid.py --only WI,None --lr 1e12` into `diverged_logdir`: both
       no-BN runs diverge at once (the forced divergence), and the grid
       goes on from the first to the second;
    2. `grid.py` into `logdir`: the 10 runs (synthetic data, width 0.125,
       2 epochs);
    3. `grid.py` again, with starting a process made to fail the test: all
       10 runs are skipped.
    """
    from nin.launch import local

    folder = tmp_path_factory.mktemp("grid")
    logdir, diverged_logdir = folder / "grid", folder / "diverged"
    diverged = call_grid(["--only", "WI,None", "--lr", "1e12", *TINY_GRID,
                          "--gpus", "none", "--logdir", str(diverged_logdir)])
    # --gpus none: no GPU probe, so only the runs meet the mock below.
    options = [*TINY_GRID, "--gpus", "none", "--logdir", str(logdir)]
    first = call_grid(options)
    no_process = mock.patch.object(
        local.subprocess, "run",
        side_effect=AssertionError("a finished run was started again"))
    with no_process:
        second = call_grid(options)
    return types.SimpleNamespace(
        logdir=logdir, diverged_logdir=diverged_logdir, options=options,
        diverged=diverged, first=first, second=second)


MARKER_VARIABLE = "LAMBDA_MARKER"


def lambda_payload(marker):
    """A function that writes `marker` (or $LAMBDA_MARKER) when called."""
    source = (f"lambda x: (open(__import__('os').environ.get("
              f"{MARKER_VARIABLE!r}, {str(marker)!r}), 'w').write('ran'), "
              "x)[1]")
    return eval(source)  # our own test payload, built from a literal


def add_lambda(run_dir, marker):
    """The run's model.keras with that payload as a Lambda layer."""
    path = run_dir / "model.keras"
    network = keras.saving.load_model(path, safe_mode=True)
    outputs = keras.layers.Lambda(
        lambda_payload(marker), output_shape=network.output.shape[1:],
        name="payload")(network.output)
    path.unlink()
    keras.Model(network.input, outputs).save(path)


def zip_folder(folder, archive):
    """`folder` zipped, its name the archive's top folder."""
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(folder.rglob("*")):
            handle.write(path, path.relative_to(folder.parent))


def evil_zip(path):
    """An archive with a '..' entry and a symlink to /etc/passwd."""
    with zipfile.ZipFile(path, "w") as handle:
        handle.writestr("logs/None/results.json", "{}")
        handle.writestr("../evil", "escaped the output folder")
        link = zipfile.ZipInfo("logs/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        handle.writestr(link, "../../../../etc/passwd")


@pytest.fixture(scope="session")
def hostile():
    """Makers of the files a dishonest student or an attacker hands in."""
    return types.SimpleNamespace(
        MARKER_VARIABLE=MARKER_VARIABLE, add_lambda=add_lambda,
        zip_folder=zip_folder, evil_zip=evil_zip)
