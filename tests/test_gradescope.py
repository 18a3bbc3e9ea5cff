"""The Gradescope autograder, run as Gradescope runs it.

`labs/grade.py --gradescope-bundle` writes the zip; each test lays out a
fake autograder root in a temporary folder (`source/` = the extracted
zip, `run_autograder`, `submission/`) and reads `results/results.json`.
The format test and the crash test execute the bundle's own
`run_autograder` in a subprocess, as Gradescope does; Gradescope would
have run `setup.sh` to install the toolkit into `ROOT/venv`, so here
`AUTOGRADER_PYTHON` points at this test's interpreter, which has the
same toolkit installed. The other tests call what `run_autograder` runs,
`grading.platforms.gradescope.main`, in this process (each start of the script
imports TensorFlow, seconds of the suite's budget). The submission is two
runs trained on the bundled digits (the other eight are missing).
"""

import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grading import cli as grade
from grading.platforms import gradescope
from nin.training import RunConfig, train

RUNS = {"ELU+BN+WI": "elu", "Maxout+BN+WI": "maxout"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
KILL_AFTER = "07.json"  # ELU+BN+WI's facts: Maxout+BN+WI is still to come


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    base = tmp_path_factory.mktemp("gradescope")
    logs = base / "student" / "logs"
    for activation in RUNS.values():
        train(RunConfig(activation=activation, batch_norm=True, he_init=True,
                        dataset="digits", epochs=1, width=0.125,
                        precision="fp32", logdir=str(logs)), verbose=0)
    path = base / "autograder.zip"
    assert grade.main(["--gradescope-bundle", str(path), "--dataset",
                       "digits", "--timeout", "300"]) == 0
    return {"zip": path, "student": base / "student", "base": base}


def autograder_root(bundle, name, submission=None):
    """A fake /autograder: the zip in source/, a copy of the student's
    files (or what `submission(folder)` puts there) in submission/."""
    root = bundle["base"] / name
    with zipfile.ZipFile(bundle["zip"]) as archive:
        archive.extractall(root / "source")
        for info in archive.infolist():  # zipfile drops the mode bits
            (root / "source" / info.filename).chmod(
                (info.external_attr >> 16) & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    if submission is None:
        shutil.copytree(bundle["student"], root / "submission")
    else:
        (root / "submission").mkdir()
        submission(root / "submission")
    return root


def start(root):
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root),
                   "AUTOGRADER_PYTHON": sys.executable}
    return subprocess.Popen([str(root / "run_autograder")], cwd=root,
                            env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def run_autograder(root):
    process = start(root)
    process.communicate(timeout=600)
    return json.loads((root / "results" / "results.json").read_text())


def grade_in_process(root):
    assert gradescope.main(["--root", str(root)]) == 0
    return json.loads((root / "results" / "results.json").read_text())


def by_name(result):
    return {entry["name"]: entry for entry in result["tests"]}


def test_the_bundle_holds_what_gradescope_needs(bundle):
    with zipfile.ZipFile(bundle["zip"]) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        for script in ("setup.sh", "run_autograder"):
            assert infos[script].external_attr >> 16 & 0o111  # executable
        settings = json.loads(archive.read("bundle.json"))
        lock = archive.read("requirements.lock").decode().splitlines()
        ours = archive.read("toolkit/grading/platforms/gradescope.py")
    assert settings == {"dataset": "digits", "data_dir": None,
                        "rubric": "rubric.json", "timeout_s": 300.0,
                        "memory_mb": 8192, "precision": "auto"}
    for name in ("tensorflow", "keras", "numpy", "h5py"):
        assert f"{name}=={importlib.metadata.version(name)}" in lock
    assert not any("pytest" in line or "jax" in line for line in lock)
    assert ours == (Path(grade.__file__).parent / "platforms" / "gradescope.py"
                    ).read_bytes()
    assert not [name for name in infos if "__pycache__" in name]


def test_run_autograder_writes_results_in_gradescope_s_format(bundle):
    result = run_autograder(autograder_root(bundle, "graded"))
    assert isinstance(result["score"], float)
    assert isinstance(result["execution_time"], int)
    assert 0 < result["execution_time"] < 600
    assert isinstance(result["output"], str)
    assert result["stdout_visibility"] == "hidden"
    assert isinstance(result["extra_data"], dict)
    for entry in result["tests"]:
        assert isinstance(entry["name"], str)
        assert isinstance(entry["output"], str)
        assert entry["visibility"] in VISIBILITIES
        assert 0 <= entry["score"] <= entry["max_score"]
    assert result["score"] == pytest.approx(
        sum(entry["score"] for entry in result["tests"]))
    tests = by_name(result)
    assert tests["ELU+BN+WI: architecture matches the config"][
        "status"] == "passed"
    assert tests["Maxout+BN+WI: Maxout is a max over k pieces"][
        "visibility"] == "visible"
    assert tests["ELU+BN+WI: final test accuracy (re-measured)"][
        "visibility"] == "after_published"
    assert tests["WI: run present"]["score"] == 0
    (entry,) = result["leaderboard"]
    assert isinstance(entry["name"], str) and 10 < entry["value"] <= 100
    assert result["extra_data"]["status"] == "graded"


def worker_pids(root):
    """Process ids of the grading workers started for this root."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"grading.sandbox.worker" in command and any(
                str(root).encode() in part for part in command):
            found.append(int(proc.name))
    return found


def test_a_crash_mid_grading_still_gives_a_results_json(bundle):
    root = autograder_root(bundle, "crashed")
    process = start(root)
    facts = root / "grading" / ".work" / "submission" / "facts"
    deadline = time.monotonic() + 300
    while not (facts / KILL_AFTER).is_file():
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    for pid in worker_pids(root):  # as the kernel's OOM killer would
        os.killpg(os.getpgid(pid), signal.SIGKILL)
    process.communicate(timeout=120)
    result = json.loads((root / "results" / "results.json").read_text())
    assert result["extra_data"]["status"] == "incomplete"
    assert "killed by SIGKILL" in result["output"]
    tests = by_name(result)
    assert tests["ELU+BN+WI: run present"]["score"] == 1  # kept
    assert "killed by SIGKILL" in tests[
        "Maxout+BN+WI: architecture matches the config"]["output"]
    assert result["score"] > 0


def test_a_worker_past_its_time_limit_gives_a_partial_result(bundle):
    root = autograder_root(bundle, "slow")
    settings = root / "source" / "bundle.json"
    settings.write_text(json.dumps({**json.loads(settings.read_text()),
                                    "timeout_s": 1}))
    result = grade_in_process(root)
    assert result["extra_data"]["status"] == "incomplete"
    assert "stopped after the 1 s time limit" in result["output"]
    assert result["score"] == 0 and result["tests"]


def escaping_link(folder):
    (folder / "logs").mkdir()
    (folder / "logs" / "secret").symlink_to("/etc/passwd")


@pytest.mark.parametrize("kind, reason", [
    ("evil zip", "climbs out of the archive with '..'"),
    ("escaping symlink", "symlink pointing outside the submission")])
def test_unsafe_uploads_are_refused_through_the_bundle(bundle, hostile,
                                                       kind, reason):
    makers = {"evil zip": lambda folder: hostile.evil_zip(
        folder / "upload.zip"), "escaping symlink": escaping_link}
    root = autograder_root(bundle, kind.replace(" ", "_"), makers[kind])
    result = grade_in_process(root)
    assert result["extra_data"]["status"] == "refused"
    assert reason in result["tests"][0]["output"]
    assert result["score"] == 0
    assert not list(bundle["base"].rglob("evil"))


def test_a_lambda_and_a_corrupt_file_zipped_through_the_bundle(bundle,
                                                               hostile):
    marker = bundle["base"] / "lambda_ran"

    def zipped(folder):
        staging = bundle["base"] / "staging" / "logs"
        shutil.copytree(bundle["student"] / "logs", staging)
        hostile.add_lambda(staging / "ELU+BN+WI", marker)
        (staging / "Maxout+BN+WI" / "model.keras").write_bytes(b"PK junk")
        hostile.zip_folder(staging, folder / "upload.zip")

    result = grade_in_process(autograder_root(bundle, "lambda", zipped))
    tests = by_name(result)
    assert "payload: Lambda holds Python code (not executed)" in tests[
        "ELU+BN+WI: architecture matches the config"]["output"]
    assert "not a readable .keras (zip) file" in tests[
        "Maxout+BN+WI: architecture matches the config"]["output"]
    assert tests["Maxout+BN+WI: run present"]["score"] == 1
    assert result["extra_data"]["status"] == "graded"
    assert not marker.exists()


@pytest.mark.quick
def test_an_archive_alone_is_the_submission_and_a_bare_result_scores_0(
        tmp_path):
    (tmp_path / "upload.zip").write_bytes(b"PK")
    assert gradescope.the_submission(tmp_path) == tmp_path / "upload.zip"
    (tmp_path / "notes.txt").write_text("and a note")
    assert gradescope.the_submission(tmp_path) == tmp_path
    result = gradescope.bare_result("the rubric is broken", "grader error")
    assert result["score"] == 0.0 and result["tests"] == []
    assert result["extra_data"]["status"] == "grader error"
