"""`labs/lab4.py` end to end on tiny settings: files, names, exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from nin.cli import lab4

TINY = ["--dataset", "synthetic", "--epochs", "2", "--width", "0.125",
        "--verbose", "0"]
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("logs")
    code = lab4.main(["--act", "elu", "--bn", "--wi", *TINY,
                      "--logdir", str(logdir)])
    return code, logdir / "ELU+BN+WI"


def test_run_directory_holds_everything(finished_run):
    code, run_dir = finished_run
    assert code == 0
    names = sorted(p.name for p in run_dir.iterdir())
    assert names == ["checkpoint", "config.json", "model.keras",
                     "results.json", "test", "train"]
    hparams = list((run_dir / "test").glob("*.hparams"))
    assert len(hparams) == 1  # the HParams row, beside the test curves
    config = json.loads((run_dir / "config.json").read_text())
    assert config["run_name"] == "ELU+BN+WI"
    assert config["activation"] == "elu" and config["batch_norm"] is True
    assert config["epochs"] == 2 and config["batch_size"] == 128
    assert config["lr"] == 0.1 and config["lr_drops_used"] == [1, 1]
    assert config["model_options"] == {"dropout": 0.5, "pieces": 2,
                                       "pool2": "max", "weight_decay": 1e-4}
    results = json.loads((run_dir / "results.json").read_text())
    for key in ("test_accuracy", "test_loss", "best_test_accuracy",
                "best_epoch", "epochs", "wall_time_s", "images_per_second",
                "diverged"):
        assert key in results, key
    assert results["epochs"] == 2 and results["diverged"] is False
    assert 0.0 <= results["test_accuracy"] <= 1.0
    assert results["best_test_accuracy"] >= results["test_accuracy"]
    assert results["images_per_second"] > 0


def test_saved_model_loads_in_safe_mode_and_reproduces_accuracy(
        finished_run):
    _, run_dir = finished_run
    from nin.data import load_dataset, standardize

    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    assert model.count_params() == 17_802  # NIN at width 0.125, with BN
    (x_train, _), (x_test, y_test) = load_dataset("synthetic")
    _, x_test, _ = standardize(x_train, x_test)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    results = json.loads((run_dir / "results.json").read_text())
    assert accuracy == pytest.approx(results["test_accuracy"], abs=1e-6)


def test_a_finished_run_is_never_overwritten(finished_run, capsys):
    _, run_dir = finished_run
    before = {p.name: p.stat().st_mtime_ns for p in run_dir.rglob("*")}
    code = lab4.main(["--act", "elu", "--bn", "--wi", *TINY,
                      "--logdir", str(run_dir.parent)])
    assert code == 0
    out = capsys.readouterr().out
    assert "ELU+BN+WI is already finished" in out and str(run_dir) in out
    assert {p.name: p.stat().st_mtime_ns
            for p in run_dir.rglob("*")} == before


def test_overwrite_moves_the_old_run_aside(tmp_path):
    args = ["--act", "lrelu", *TINY, "--epochs", "1", "--logdir",
            str(tmp_path)]
    assert lab4.main(args) == 0
    assert lab4.main([*args, "--overwrite"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names[0] == "LReLU" and names[1].startswith("LReLU.old-")
    assert (tmp_path / names[1] / "results.json").exists()


def test_divergence_is_recorded_and_exits_3(tmp_path):
    code = lab4.main(["--wi", *TINY, "--lr", "1e12", "--logdir",
                      str(tmp_path)])
    assert code == 3
    results = json.loads((tmp_path / "WI" / "results.json").read_text())
    assert results["diverged"] is True and results["diverged_epoch"] == 0
    assert results["epochs"] == 1


@pytest.mark.parametrize("args,message", [
    (["--act", "swish"], "invalid choice: 'swish'"),
    (["--epochs", "-3"], "expected a positive integer, got '-3'"),
    (["--width", "0"], "expected a positive number, got '0'"),
    (["--lr-drops", "122,81"], "expected increasing epochs"),
    (["--model", "vgg", "--pool2", "max"], "do not apply to model 'vgg'"),
    (["--batch-size", "0"], "expected a positive integer, got '0'"),
    (["--lr", "nan"], "expected a positive number, got 'nan'"),
    (["--seed", "-1"], "expected an integer >= 0, got '-1'"),
    (["--pieces", "1"], "expected an integer >= 2, got '1'"),
    (["--dataset", "imagenet"], "invalid choice: 'imagenet'"),
    (["--dataset", "digits", "--data-dir", "x"],
     "--data-dir applies to cifar10, cifar100, mnist, svhn, folder only"),
    (["--data-dir", "/nonexistent"], "No cifar10 data in /nonexistent"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        lab4.main(args)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_logdir_that_is_a_file_is_a_clear_error(tmp_path, capsys):
    a_file = tmp_path / "logs"
    a_file.write_text("not a folder")
    with pytest.raises(SystemExit) as exit_info:
        lab4.main([*TINY, "--logdir", str(a_file)])
    assert exit_info.value.code == 2
    assert "is a file" in capsys.readouterr().err


def test_script_runs_from_the_repository_root_as_documented():
    result = subprocess.run(
        [sys.executable, "labs/lab4.py", "--help"], cwd=REPO,
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    for flag in ("--act", "--bn", "--no-bn", "--wi", "--model", "--dataset",
                 "--data-dir", "--epochs", "--batch-size", "--lr",
                 "--width", "--seed", "--logdir"):
        assert flag in result.stdout
    assert np.all([c in result.stdout for c in ("maxout", "lrelu")])
