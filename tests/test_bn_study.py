"""labs/bn_study.py end to end on digits at tiny settings: runs, the
Table B.1-B.4-style report next to seed 003's numbers, the figures."""

import csv
import json

import pytest
from PIL import Image

from nin.cli import bn_study
from nin.study.runs import study_runs

TINY = ["--only", "activation-relu,batch-64", "--epochs", "2",
        "--width", "0.125"]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("study")
    code = bn_study.main([*TINY, "--logdir", str(logdir)])
    return code, logdir / "digits"


def results_of(run_dir):
    return json.loads((run_dir / "results.json").read_text())


def test_study_trains_each_run_once_with_the_thesis_recipe(study):
    code, root = study
    assert code == 0
    runs = sorted(p.relative_to(root).as_posix()
                  for p in root.glob("*/*/*") if p.is_dir())
    assert runs == ["cnn/activation-relu/vgg-BN",
                    "cnn/activation-relu/vgg-None",
                    "mlp/activation-relu/mlp-BN",
                    "mlp/activation-relu/mlp-None"]
    config = json.loads(
        (root / "cnn/activation-relu/vgg-BN/config.json").read_text())
    assert (config["model"], config["batch_norm"], config["lr"],
            config["batch_size"], config["schedule"],
            config["plateau_factor"], config["plateau_patience"],
            config["early_stop_patience"], config["validation_split"],
            config["standardization"], config["init"], config["augment"],
            config["momentum"], config["nesterov"]) == (
        "vgg", True, 0.01, 64, "plateau", 0.5, 5, 20, 0.1, "global",
        "kaiming", False, 0.9, True)
    assert config["validation_size"] == 144
    results = results_of(root / "mlp/activation-relu/mlp-BN")
    assert len(results["history"]) == 2


def test_report_tables_put_ours_next_to_the_thesis(study):
    _, root = study
    report = (root / "report" / "report.md").read_text()
    assert "Table B.2-style (CNN)" in report
    assert "Table B.4-style (CNN)" in report
    with open(root / "report" / "table_B2_cnn_accuracy.csv") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["Parameter", "Value", "ours digits V",
                           "ours digits B"]
    relu = next(row for row in rows if row[1] == "ReLU")
    for column, name in [(2, "vgg-None"), (3, "vgg-BN")]:
        accuracy = results_of(root / "cnn/activation-relu" / name)[
            "test_accuracy"]
        assert float(relu[column]) == pytest.approx(100 * accuracy,
                                                    abs=1e-3)
    cifar10 = rows[0].index("CIFAR10 V")
    assert relu[cifar10:cifar10 + 2] == ["83.5", "85.1"]
    sigmoid = next(row for row in rows if row[1] == "sigmoid")
    assert sigmoid[2:4] == ["", ""]  # not run here
    assert sigmoid[cifar10:cifar10 + 2] == ["10.0", "77.3"]
    with open(root / "report" / "table_B3_mlp_time.csv") as handle:
        times = {row[0]: row for row in csv.reader(handle)}
    assert float(times["64"][1]) > 0 and float(times["64"][2]) > 0
    assert times["64"][4] == "27" and times["32"][1] == ""


def test_figures_are_written_and_linked(study):
    _, root = study
    figures = sorted(p.name for p in (root / "report/figures").iterdir())
    assert figures == ["cnn-activation.png", "cnn-batch-summary.png",
                       "cnn-batch.png", "mlp-activation.png",
                       "mlp-batch-summary.png", "mlp-batch.png"]
    with Image.open(root / "report/figures/cnn-activation.png") as image:
        assert image.size == (500, 360)
    report = (root / "report" / "report.md").read_text()
    assert "![cnn-batch-summary](figures/cnn-batch-summary.png)" in report


@pytest.mark.quick
def test_report_only_trains_nothing(study, capsys):
    _, root = study
    results = root / "mlp/activation-relu/mlp-None/results.json"
    before = results.stat().st_mtime_ns
    code = bn_study.main([*TINY, "--logdir", str(root.parent),
                          "--report-only"])
    assert code == 0 and results.stat().st_mtime_ns == before
    assert "Report:" in capsys.readouterr().out


@pytest.mark.quick
def test_list_prints_the_whole_study(capsys):
    assert bn_study.main(["--list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 61
    assert lines[-1] == "60 runs, 56 to train (batch-64 is the ReLU baseline)"
    assert "cnn  init-low" in lines[43] and "init=normal(0.0001)" in lines[43]
    runs = study_runs("logs", models=("cnn",), variants=["init-low"])
    assert [(run.model, run.variant, run.batch_norm) for run in runs] == [
        ("cnn", "init-low", False), ("cnn", "init-low", True)]


def test_bad_selection_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        bn_study.main(["--models", "rnn", "--list"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "Unknown model(s) ['rnn']" in error and "Traceback" not in error
