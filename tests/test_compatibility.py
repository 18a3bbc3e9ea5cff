"""Run folders written by an older main still work with today's code.

`tests/fixtures/runs-29fd1da/` (see its README) holds a finished
ELU+BN+WI run and a BN run stopped by Ctrl-C after epoch 0, both written
by `labs/lab4.py` before the package layout changed. Today's code must
load the finished run's model.keras in safe mode (the registered class
names are unchanged), resume the interrupted run from its checkpoint,
report both and grade the finished one.
"""

import json
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

from grading import cli as grade
from grading.rubric import DEFAULT_RUBRIC
from nin.cli import lab4
from nin.report.lab_report import write_report

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "runs-29fd1da"
# The runs' own flags. They were trained where "auto" meant bf16, which
# a CPU without bf16 instructions emulates (slowly), so it is given.
FLAGS = ["--dataset", "digits", "--epochs", "2", "--width", "0.125",
         "--precision", "bf16", "--verbose", "0"]


@pytest.fixture
def logdir(tmp_path):
    return Path(shutil.copytree(FIXTURE, tmp_path / "logs"))


def test_old_model_file_loads_in_safe_mode_and_reproduces_its_accuracy():
    import nin  # noqa: F401  (registers the toolkit's layers)
    from nin.data import load_dataset, standardize

    run_dir = FIXTURE / "ELU+BN+WI"
    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    assert model.count_params() == 17_802
    (x_train, _), (x_test, y_test) = load_dataset("digits")
    _, x_test, _ = standardize(x_train, x_test)
    predictions = model.predict(x_test, batch_size=128, verbose=0)
    accuracy = float(np.mean(predictions.argmax(axis=1) == y_test))
    results = json.loads((run_dir / "results.json").read_text())
    assert accuracy == pytest.approx(results["test_accuracy"], abs=1e-6)


def test_an_old_interrupted_run_resumes_from_its_checkpoint(logdir, capsys):
    assert lab4.main(["--bn", *FLAGS, "--logdir", str(logdir)]) == 0
    assert f"Run BN: resumed at epoch 2/2 from {logdir / 'BN'}" in \
        capsys.readouterr().out
    results = json.loads((logdir / "BN" / "results.json").read_text())
    assert results["epochs"] == 2 and results["resumed_at_epochs"] == [1]
    saved = json.loads((FIXTURE / "BN" / "checkpoint" /
                        "state.json").read_text())
    assert results["history"][0] == saved["tracker"]["history"][0]


def test_a_finished_old_run_is_not_trained_again(logdir, capsys):
    before = (logdir / "ELU+BN+WI" / "results.json").read_text()
    assert lab4.main(["--act", "elu", "--bn", "--wi", *FLAGS,
                      "--logdir", str(logdir)]) == 0
    assert "ELU+BN+WI is already finished" in capsys.readouterr().out
    assert (logdir / "ELU+BN+WI" / "results.json").read_text() == before


def test_old_runs_are_reported(logdir):
    out, rows = write_report(logdir)
    by_run = {row["run"]: row for row in rows}
    finished = json.loads((FIXTURE / "ELU+BN+WI" /
                           "results.json").read_text())
    assert by_run["ELU+BN+WI"]["status"] == "finished"
    assert by_run["ELU+BN+WI"]["final_test_accuracy_pct"] == pytest.approx(
        100 * finished["test_accuracy"], abs=1e-4)
    assert by_run["BN"]["status"] == "unfinished"
    assert by_run["BN"]["epochs"] == 1
    assert (out / "runs" / "ELU+BN+WI.png").is_file()


def test_an_old_finished_run_is_graded(tmp_path):
    student = tmp_path / "submissions" / "old"
    shutil.copytree(FIXTURE / "ELU+BN+WI", student / "logs" / "ELU+BN+WI")
    rubric = json.loads(DEFAULT_RUBRIC.read_text())
    rubric["runs"] = ["ELU+BN+WI"]
    (tmp_path / "rubric.json").write_text(json.dumps(rubric))
    out = tmp_path / "out"
    assert grade.main([str(tmp_path / "submissions"), "--out", str(out),
                       "--dataset", "digits", "--rubric",
                       str(tmp_path / "rubric.json")]) == 0
    result = json.loads((out / "old" / "results.json").read_text())
    statuses = {entry["name"]: entry["status"] for entry in result["tests"]}
    for item in ("run present", "architecture matches the config",
                 "weight initialization as claimed",
                 "step learning-rate schedule",
                 "train and test curves for every epoch",
                 "logged accuracy reproduced"):
        assert statuses[f"ELU+BN+WI: {item}"] == "passed", item
    assert result["extra_data"]["status"] == "graded"


def test_the_imports_the_readme_lists_still_work():
    import callbacks
    import nin
    import nin.layers
    from nin.augment import PadCropFlip
    from nin.data import load_dataset, standardize

    assert nin.list_models() == ["mlp", "nin", "vgg"]
    assert "pool2" in nin.model_options("nin")
    assert nin.build_model("mlp", activation="relu", batch_norm=False,
                           he_init=False).count_params() == 328_510
    assert nin.layers.Maxout(pieces=3).pieces == 3
    assert PadCropFlip is nin.layers.PadCropFlip
    assert callable(load_dataset) and callable(standardize)
    assert callbacks.step_decay(81) == pytest.approx(0.01)
    assert isinstance(callbacks.StepSchedule(),
                      keras.callbacks.LearningRateScheduler)
    assert issubclass(callbacks.EpochTensorBoard, keras.callbacks.Callback)
