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


# ---- student_models: Keras hand-ins for grading/models (issue 20) ----

STUDENT_MODEL_BUILDERS = os.path.join(os.path.dirname(__file__),
                                      "student_models")


def _digits_8x8x3():
    """sklearn's digits as 8x8x3 images on 0-255, a fixed split."""
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.repeat(digits.images[..., None] * (255 / 16), 3, axis=-1)
    images = images.astype("float32")
    labels = digits.target.astype("int64")
    return images[:1200], labels[:1200], images[1200:], labels[1200:]


@pytest.fixture(scope="session")
def student_models(tmp_path_factory):
    """Paths of Keras 3 and tf.keras 2 hand-ins, each built in its own
    subprocess, and Keras's own model.evaluate accuracy of the good ones.

    Inputs are standardized per channel with the training statistics, as
    ours; `raw_test` is the unstandardized test set (0-255)."""
    import json
    import subprocess
    import sys

    import numpy as np

    from nin.data.standardize import channel_stats

    out = tmp_path_factory.mktemp("student_models")
    x_train, y_train, x_test, y_test = _digits_8x8x3()
    mean, std = channel_stats(x_train)
    np.savez(out / "data.npz", x_train=(x_train - mean) / std,
             y_train=y_train, x_test=(x_test - mean) / std, y_test=y_test)
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
                   "CUDA_VISIBLE_DEVICES": ""}
    for builder in ("build_keras3.py", "build_tf_keras.py"):
        subprocess.run([sys.executable, os.path.join(STUDENT_MODEL_BUILDERS, builder),
                        str(out)], check=True, env=environment, timeout=300)
    accuracies = {}
    for name in ("accuracies_keras3.json", "accuracies_tf_keras.json"):
        accuracies.update(json.loads((out / name).read_text()))
    keras_file = (out / "relu_keras3.keras").read_bytes()
    (out / "truncated.keras").write_bytes(keras_file[:len(keras_file) // 2])
    _huge_h5(out / "huge_shapes.h5")
    return types.SimpleNamespace(
        folder=out, accuracies=accuracies, marker=out / "MARKER",
        x_train=x_train, y_train=y_train, raw_test=x_test, y_test=y_test,
        x_test=(x_test - mean) / std,
        good={"relu_keras3": out / "relu_keras3.keras",
              "relu_keras3_h5": out / "relu_keras3.h5",
              "relu_bn_keras3": out / "relu_bn_keras3.keras",
              "relu_bn_keras3_h5": out / "relu_bn_keras3.h5",
              "lrelu_keras2": out / "lrelu_keras2.h5"},
        lambda_h5=out / "lambda_keras2.h5",
        custom_class=out / "custom_class.keras",
        truncated=out / "truncated.keras", huge=out / "huge_shapes.h5")


def _huge_h5(path):
    """A Keras 2 style .h5 whose Dense declares 10^10 values (never
    allocated: h5py writes no data for an unwritten dataset)."""
    import json

    import h5py

    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "dense", "units": 100000}}]}}
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps(config)
        handle.attrs["keras_version"] = "2.15.0"
        group = handle.create_group("model_weights/dense")
        group.attrs["weight_names"] = [b"dense/kernel:0"]
        group.create_dataset("dense/kernel:0", shape=(100000, 100000),
                             dtype="float32")
# ---- end of student_models ----
