"""`grid.py --jobs N --gpus ...`: several runs at once, each its own
process with its output in its run folder, placed round-robin on the
GPUs asked for; the same results as one at a time; a failing run does
not stop the others; Ctrl-C leaves every run resumable."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nin.launch.devices import slot_environments, visible_gpus

REPO = Path(__file__).resolve().parents[1]
RUNS = ["None", "BN", "ELU+BN+WI", "Maxout+BN+WI"]


def grid_command(*options):
    return [sys.executable, "labs/grid.py", *options]


@pytest.fixture(scope="module")
def two_at_once(lab_grid, tmp_path_factory):
    """The grid's options, --jobs 2 over GPUs 0 and 1, four runs, BN
    made to fail (its folder is a file)."""
    logdir = tmp_path_factory.mktemp("jobs") / "grid"
    logdir.mkdir()
    (logdir / "BN").write_text("not a run folder")
    options = list(lab_grid.options)
    options[options.index("--logdir") + 1] = str(logdir)
    at = options.index("--verbose")
    del options[at:at + 2]  # Keras's own lines: in the logs
    options += ["--only", ",".join(RUNS), "--jobs", "2", "--gpus", "0,1"]
    result = subprocess.run(grid_command(*options), cwd=REPO,
                            capture_output=True, text=True, timeout=900)
    return result, logdir


def test_runs_at_once_give_the_same_results_as_one_at_a_time(lab_grid,
                                                             two_at_once):
    result, logdir = two_at_once
    for name in ("None", "ELU+BN+WI", "Maxout+BN+WI"):
        mine = json.loads((logdir / name / "results.json").read_text())
        alone = json.loads(
            (lab_grid.logdir / name / "results.json").read_text())
        assert mine["test_accuracy"] == alone["test_accuracy"], name
        assert [entry["loss"] for entry in mine["history"]] == [
            entry["loss"] for entry in alone["history"]], name


def test_each_run_gets_its_gpu_and_share_of_memory(two_at_once):
    _, logdir = two_at_once
    devices = [json.loads((logdir / name / "config.json").read_text())[
        "environment"]["cuda_visible_devices"]
        for name in ("None", "ELU+BN+WI", "Maxout+BN+WI")]
    assert set(devices) == {"0", "1"}
    assert slot_environments(5, ["0", "1"]) == [
        {"CUDA_VISIBLE_DEVICES": gpu, "XLA_PYTHON_CLIENT_MEM_FRACTION":
         share, "TF_FORCE_GPU_ALLOW_GROWTH": "true"}
        for gpu, share in [("0", "0.300"), ("1", "0.450"), ("0", "0.300"),
                           ("1", "0.450"), ("0", "0.300")]]
    assert slot_environments(2, []) == [{}, {}]
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": "2,3"}) == ["2", "3"]
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": "-1"}) == []


def test_the_console_has_one_line_per_event_and_the_logs_the_rest(
        two_at_once):
    result, logdir = two_at_once
    assert result.returncode == 1  # BN failed; the others finished
    lines = result.stdout.splitlines()
    for name in ("None", "ELU+BN+WI", "Maxout+BN+WI"):
        assert any(line.startswith(f"start    {name} on GPU ")
                   for line in lines), name
        assert any(line.startswith(f"done     {name}: test accuracy ")
                   for line in lines), name
        log = (logdir / name / "train.log").read_text()
        assert "Epoch 2/2" in log and f"Run {name}: " in log
    failed = [line for line in lines if line.startswith("failed   BN")]
    assert len(failed) == 1 and "is a file, not a run directory" in \
        failed[0]
    # BN planned no more epochs once it failed: the bar reaches 100%.
    summary_at = next(index for index, line in enumerate(lines)
                      if line.startswith("Grid summary"))
    assert lines[summary_at - 2].startswith(
        f"[{'#' * 24}] 6/6 epochs (100%)")
    summary = result.stdout.split("Grid summary")[1]
    assert "failed (exit 2: bad input)" in summary
    assert "Epoch 1/2" not in result.stdout  # Keras's output is in logs


def test_ctrl_c_stops_every_run_and_the_same_command_resumes_them(
        tmp_path):
    options = ["--dataset", "synthetic", "--epochs", "4", "--width",
               "0.125", "--batch-size", "8", "--precision", "fp32",
               "--logdir", str(tmp_path), "--only", "None,ELU+BN+WI",
               "--jobs", "2"]
    grid = subprocess.Popen(
        grid_command(*options), cwd=REPO, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    states = [tmp_path / name / "checkpoint" / "state.json"
              for name in ("None", "ELU+BN+WI")]
    deadline = time.monotonic() + 300
    while not all(state.exists() for state in states):
        assert grid.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    grid.send_signal(signal.SIGINT)
    output, _ = grid.communicate(timeout=300)
    assert grid.returncode == 130, output
    summary = output.split("Grid summary")[1]
    assert summary.count("interrupted") == 2
    for name, state in zip(("None", "ELU+BN+WI"), states):
        assert not (tmp_path / name / "results.json").exists()
        saved = json.loads(state.read_text())
        model = tmp_path / name / "checkpoint" / saved["model_file"]
        assert model.is_file()
    again = subprocess.run(grid_command(*options), cwd=REPO,
                           capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stdout[-2000:]
    for name in ("None", "ELU+BN+WI"):
        log = (tmp_path / name / "train.log").read_text()
        assert f"Run {name}: resumed at epoch " in log
        results = json.loads((tmp_path / name / "results.json").read_text())
        assert results["epochs"] == 4 and results["resumed_at_epochs"]
