"""labs/ensemble.py on three tiny digits runs: members, the mean-softmax
ensemble, the JSON file, and clear errors."""

import json
import shutil

import keras
import numpy as np
import pytest

from nin.cli import ensemble, lab4
from nin.evaluation.ensemble import ensemble as ensemble_of, run_config
from nin.data import load_dataset, standardize


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("members")
    run_dirs = []
    for seed in (0, 1, 2):
        logdir = root / f"seed{seed}"
        assert lab4.main([
            "--model", "mlp", "--init", "kaiming", "--dataset", "digits",
            "--epochs", "2", "--batch-size", "64", "--lr", "0.01",
            "--seed", str(seed), "--verbose", "0",
            "--logdir", str(logdir)]) == 0
        run_dirs.append(logdir / "mlp-None")
    return run_dirs


def test_ensemble_averages_the_members_softmax(runs, tmp_path, capsys):
    output = tmp_path / "ensemble.json"
    assert ensemble.main([*map(str, runs), "--output", str(output)]) == 0
    report = json.loads(output.read_text())
    (x_train, _), (x_test, y_test) = load_dataset("digits")
    _, x_test, _ = standardize(x_train, x_test)
    outputs = [keras.saving.load_model(run / "model.keras",
                                       safe_mode=True).predict(x_test,
                                                               verbose=0)
               for run in runs]
    for member, probabilities in zip(report["members"], outputs):
        assert member["test_accuracy"] == pytest.approx(
            member["recorded_test_accuracy"], abs=1e-6)
        assert member["test_accuracy"] == pytest.approx(
            np.mean(probabilities.argmax(1) == y_test))
    expected = np.mean(np.mean(outputs, axis=0).argmax(1) == y_test)
    assert report["ensemble_test_accuracy"] == pytest.approx(expected)
    assert report["test_size"] == 360 and report["dataset"] == "digits"
    assert report["gain_over_best_member"] == pytest.approx(
        expected - max(m["test_accuracy"] for m in report["members"]))
    out = capsys.readouterr().out
    assert "ensemble (mean softmax)" in out and str(runs[0]) in out


@pytest.mark.parametrize("case,message", [
    ("one", "needs at least 2 runs"),
    ("not_a_run", "no config.json"),
    ("other_dataset", "must share one dataset"),
    ("existing_output", "exists; choose another --output"),
])
def test_errors_are_one_line_and_exit_2(runs, tmp_path, capsys, case,
                                        message):
    output = tmp_path / "out.json"
    arguments = [str(runs[0]), str(runs[1])]
    if case == "one":
        arguments = arguments[:1]
    elif case == "not_a_run":
        arguments[1] = str(tmp_path)
    elif case == "other_dataset":
        other = tmp_path / "other"
        shutil.copytree(runs[1], other)
        config = json.loads((other / "config.json").read_text())
        config["dataset"] = "synthetic"
        (other / "config.json").write_text(json.dumps(config))
        arguments[1] = str(other)
    elif case == "existing_output":
        output.write_text("{}")
    with pytest.raises(SystemExit) as exit_info:
        ensemble.main([*arguments, "--output", str(output)])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert len(error.strip().splitlines()) == 1


@pytest.mark.quick
def test_an_ensemble_needs_two_finished_runs(tmp_path):
    with pytest.raises(ValueError, match="at least 2 runs. Received 1"):
        ensemble_of([tmp_path])
    with pytest.raises(ValueError, match="is not a run directory"):
        run_config(tmp_path)
