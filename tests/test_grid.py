"""`labs/grid.py`: the 10 runs, skipping, --only, --list, divergence."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from nin.cli import grid, lab4
from nin.launch import local
from nin.launch.jobs import status_of
from nin.launch.records import exit_code
from nin.report.lab_runs import LAB_RUNS, RUN_NAMES, lab_run, select_runs
from nin.training.config import RunConfig

REPO = Path(__file__).resolve().parents[1]


def summary_statuses(output):
    """{run: status} from the grid's closing summary table."""
    table = output.split("Grid summary")[1].splitlines()[2:]
    return dict(re.split(r"\s{2,}", line)[:2] for line in table if line)


@pytest.mark.quick
def test_the_ten_runs_are_seed_001s_legend():
    assert RUN_NAMES == ("None", "WI", "BN", "BN+WI", "ELU", "ELU+WI",
                         "ELU+BN", "ELU+BN+WI", "LReLU+BN+WI",
                         "Maxout+BN+WI")
    for run in LAB_RUNS:
        config = RunConfig(activation=run.activation,
                           batch_norm=run.batch_norm, he_init=run.he_init)
        assert config.run_name == run.folder() == run.name
        vgg = RunConfig(model="vgg", activation=run.activation,
                        batch_norm=run.batch_norm, he_init=run.he_init)
        assert vgg.run_name == run.folder("vgg") == f"vgg-{run.name}"
    # Seed 001's Table 2 and "Other experiments".
    assert {run.name: run.reference_accuracy for run in LAB_RUNS} == {
        "ELU+BN+WI": 91.67, "ELU+BN": 91.34, "BN": 91.13, "BN+WI": 90.98,
        "ELU+WI": 90.94, "ELU": 90.76, "None": 90.50, "WI": 90.49,
        "LReLU+BN+WI": 90.91, "Maxout+BN+WI": None}


@pytest.mark.quick
def test_select_runs_keeps_grid_order_and_rejects_unknown_names():
    assert [run.name for run in select_runs("ELU+BN+WI, None")] == [
        "None", "ELU+BN+WI"]
    with pytest.raises(ValueError, match=re.escape("run 'ELU+BN+W'.")):
        select_runs("ELU+BN+W")
    with pytest.raises(ValueError, match="separated by commas"):
        select_runs("None,")


def test_list_prints_exactly_the_ten_runs_from_the_repository_root():
    result = subprocess.run(
        [sys.executable, "labs/grid.py", "--list", "--dataset", "digits"],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 10
    parser = lab4.make_parser()
    for line, run in zip(lines, LAB_RUNS):
        words = shlex.split(line)
        assert words[:2] == ["python", "labs/lab4.py"]
        config = lab4.config_from_args(parser.parse_args(words[2:]))
        assert (config.run_name, config.dataset) == (run.name, "digits")


def test_only_and_list_pass_options_through_quoted(capsys):
    assert grid.main(["--list", "--only", "Maxout+BN+WI,BN", "--epochs",
                      "3", "--logdir", "my logs"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "python labs/lab4.py --act relu --bn --no-wi --epochs 3 "
        "--logdir 'my logs'",
        "python labs/lab4.py --act maxout --bn --wi --epochs 3 "
        "--logdir 'my logs'",
    ]


@pytest.mark.parametrize("argv,message", [
    (["--only", "Swish"], "Unknown lab run 'Swish'"),
    (["--act", "elu"], "the grid sets --act, --bn and --wi"),
    (["--only", "BN", "--no-bn"], "the grid sets --act, --bn and --wi"),
    (["--epochs", "0"], "expected a positive integer, got '0'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--model", "vgg", "--pool2", "max"], "do not apply to model 'vgg'"),
])
def test_bad_options_stop_before_any_run_with_one_line(argv, message,
                                                       capsys):
    with pytest.raises(SystemExit) as exit_info:
        grid.main(["--list", *argv])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("grid.py: error: ") and message in error
    assert error.count("\n") == 1


@pytest.mark.parametrize("code,results,status", [
    (0, {"test_accuracy": 0.5}, "done"),
    (0, None, "failed (exit 0, no results.json)"),
    (3, {"diverged": True}, "diverged"),
    (2, None, "failed (exit 2: bad input)"),
    (1, None, "failed (exit 1)"),
    (-9, None, "failed (signal 9)"),
])
def test_status_of_each_lab4_exit_code(code, results, status):
    assert status_of(code, results) == status


@pytest.mark.quick
def test_exit_code_says_failed_then_diverged_then_done():
    def records(*statuses):
        return [{"status": status} for status in statuses]

    assert exit_code(records("done", "skipped (finished)")) == 0
    assert exit_code(records("done", "diverged")) == 3
    assert exit_code(records("skipped (finished, diverged)")) == 3
    assert exit_code(records("diverged", "failed (exit 1)")) == 1
    assert exit_code(records("interrupted", "not run")) == 130


def test_forced_divergence_is_recorded_and_the_grid_goes_on(lab_grid):
    code, output = lab_grid.diverged
    assert code == 3
    assert summary_statuses(output) == {"None": "diverged",
                                        "WI": "diverged"}
    assert output.index("[1/2] None") < output.index("[2/2] WI")
    for name in ("None", "WI"):
        results = json.loads(
            (lab_grid.diverged_logdir / name / "results.json").read_text())
        assert results["diverged"] is True and results["epochs"] == 1


def test_the_grid_trains_the_ten_runs(lab_grid):
    code, output = lab_grid.first
    statuses = summary_statuses(output)
    assert list(statuses) == list(RUN_NAMES)
    diverged = []
    for name in RUN_NAMES:
        run = lab_run(name)
        run_dir = lab_grid.logdir / name
        config = json.loads((run_dir / "config.json").read_text())
        results = json.loads((run_dir / "results.json").read_text())
        assert (config["activation"], config["batch_norm"],
                config["he_init"]) == (run.activation, run.batch_norm,
                                       run.he_init)
        assert (config["dataset"], config["width"]) == ("synthetic", 0.125)
        assert statuses[name] == (
            "diverged" if results["diverged"] else "done")
        if results["diverged"]:  # lr 0.1 without BN may: a result
            diverged.append(name)
        else:
            assert results["epochs"] == 2
        assert f"{100 * results['test_accuracy']:.2f}%" in output
    assert all(not lab_run(name).batch_norm for name in diverged)
    assert code == (3 if diverged else 0)


def test_run_folders_are_the_legend_names(lab_grid):
    assert sorted(path.name for path in lab_grid.logdir.iterdir()
                  if path.is_dir()) == sorted(RUN_NAMES)


def test_a_second_call_skips_every_run_without_a_process(lab_grid):
    code, output = lab_grid.second  # subprocess.run raised if called
    assert code == lab_grid.first[0]
    statuses = summary_statuses(output)
    assert list(statuses) == list(RUN_NAMES)
    assert all(status.startswith("skipped (finished")
               for status in statuses.values())
    assert "=== [10/10] Maxout+BN+WI: finished in " in output


def test_a_finished_run_with_other_settings_is_left_alone(lab_grid,
                                                          capsys):
    before = (lab_grid.logdir / "BN" / "results.json").read_text()
    with mock.patch.object(local.subprocess, "run",
                           side_effect=AssertionError("started a run")):
        code = grid.main(["--only", "BN", *lab_grid.options,
                          "--epochs", "3", "--seed", "1"])
    assert code == 1
    output = capsys.readouterr().out
    assert "holds a finished run with other settings: epochs 2 (asked " \
           "3), seed 0 (asked 1). Not trained" in output
    assert summary_statuses(output) == {"BN": "failed (other settings)"}
    assert (lab_grid.logdir / "BN" / "results.json").read_text() == before


def test_a_failed_run_does_not_stop_the_grid(tmp_path, capsys):
    finished = subprocess.CompletedProcess([], returncode=1), \
        subprocess.CompletedProcess([], returncode=2)
    with mock.patch.object(local.subprocess, "run",
                           side_effect=finished) as run:
        code = grid.main(["--only", "None,WI", "--gpus", "none",
                          "--logdir", str(tmp_path)])
    assert code == 1 and run.call_count == 2
    assert run.call_args.args[0][1:] == [
        "-m", "nin.cli.lab4", "--act", "relu", "--no-bn", "--wi",
        "--logdir", str(tmp_path)]
    assert summary_statuses(capsys.readouterr().out) == {
        "None": "failed (exit 1)", "WI": "failed (exit 2: bad input)"}


def test_ctrl_c_stops_the_grid_and_says_what_ran(tmp_path, capsys):
    with mock.patch.object(local.subprocess, "run",
                           side_effect=KeyboardInterrupt):
        code = grid.main(["--only", "None,WI", "--gpus", "none",
                          "--logdir", str(tmp_path)])
    assert code == 130
    assert summary_statuses(capsys.readouterr().out) == {
        "None": "interrupted", "WI": "not run"}
