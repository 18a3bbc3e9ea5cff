"""`labs/report.py`: Table 2, report.csv and the figures from a grid."""

import csv
import json
import shutil

import pytest
from matplotlib.image import imread

from nin.cli import report
from nin.report import figures as report_figures
from nin.report import lab_report
from nin.report.events import read_scalars
from nin.report.lab_runs import LAB_RUNS, RUN_NAMES

pytestmark = pytest.mark.quick  # the quick tier: README, "Tests"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def written_report(lab_grid):
    assert report.main([str(lab_grid.logdir)]) == 0
    out = lab_grid.logdir / "report"
    with open(out / "report.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return out, rows


def test_table_has_the_ten_runs_with_their_results(lab_grid, written_report):
    _, rows = written_report
    assert [row["run"] for row in rows] == list(RUN_NAMES)
    for row, run in zip(rows, LAB_RUNS):
        results = json.loads(
            (lab_grid.logdir / run.name / "results.json").read_text())
        diverged = results["diverged"]
        assert row["status"] == ("diverged" if diverged else "finished")
        assert row["diverged"] == str(diverged)
        assert int(row["epochs"]) == results["epochs"]
        assert float(row["final_test_accuracy_pct"]) == pytest.approx(
            100 * results["test_accuracy"], abs=1e-4)
        assert float(row["best_test_accuracy_pct"]) == pytest.approx(
            100 * results["best_test_accuracy"], abs=1e-4)
        assert int(row["best_epoch"]) == results["best_epoch"]
        assert float(row["wall_time_s"]) == results["wall_time_s"]
        train = read_scalars(lab_grid.logdir / run.name / "train")
        assert row["final_train_loss"] == str(train["epoch_loss"][-1][1])
        if run.reference_accuracy is None:
            assert row["reference_accuracy_pct"] == row["difference_pp"] == ""
        else:
            assert float(row["reference_accuracy_pct"]) == \
                run.reference_accuracy
            assert float(row["difference_pp"]) == pytest.approx(
                float(row["final_test_accuracy_pct"])
                - run.reference_accuracy)


def test_forced_divergence_shows_as_diverged_in_the_table(lab_grid):
    out, rows = lab_report.write_report(lab_grid.diverged_logdir)
    assert [row["status"] for row in rows] == [
        "diverged", "diverged", *["missing"] * 8]
    for row in rows[:2]:
        assert row["diverged"] is True and row["epochs"] == 1
        assert row["final_train_loss"] != row["final_train_loss"]  # NaN
        assert row["final_test_accuracy_pct"] is not None
    table = (out / "report.md").read_text()
    assert "| WI | diverged |" in table
    assert "| 1 | " in table and "| nan | nan |" in table


def test_markdown_report_shows_table_notes_and_figures(written_report):
    out, rows = written_report
    text = (out / "report.md").read_text()
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 11  # header + 10 runs
    accuracy = float(rows[1]["final_test_accuracy_pct"])
    diverged = "yes" if rows[1]["diverged"] == "True" else "no"
    assert table[2].startswith(f"| WI | {rows[1]['status']} | "
                               f"{accuracy:.2f} |")
    assert table[2].endswith(
        f"| {diverged} | 90.49 | {accuracy - 90.49:+.2f} |")
    assert "dataset synthetic, epochs 2, width 0.125" in text
    assert "Seed 001's numbers are for NIN on CIFAR-10" in text
    for name in ("test_accuracy.png", "train_loss.png", "test_loss.png",
                 *(f"runs/{name}.png" for name in RUN_NAMES)):
        assert f"]({name})" in text
        assert (out / name).read_bytes().startswith(PNG_SIGNATURE)
    assert imread(out / "test_accuracy.png").shape == (550, 900, 4)
    assert imread(out / "runs" / "BN.png").shape == (400, 1000, 4)


def test_comparison_figure_plots_each_runs_event_values(lab_grid):
    records = lab_report.read_records(lab_grid.logdir)
    figure = report_figures.comparison_figure(records, "test",
                                              "epoch_accuracy")
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    assert sorted(lines) == sorted(
        record.name + (" (diverged)" if record.diverged else "")
        for record in records)
    accuracy = read_scalars(lab_grid.logdir / "BN+WI" / "test")[
        "epoch_accuracy"]
    assert list(lines["BN+WI"].get_xdata()) == [0, 1]
    assert list(lines["BN+WI"].get_ydata()) == pytest.approx(
        [100 * value for _, value in accuracy])
    assert lines["BN+WI"].get_linestyle() == "-"  # BN: solid
    assert lines["ELU"].get_linestyle() == "--"  # no BN: dashed


def test_run_figure_puts_train_and_test_side_by_side(lab_grid):
    records = {record.name: record
               for record in lab_report.read_records(lab_grid.logdir)}
    figure = report_figures.run_figure(records["ELU+BN+WI"])
    accuracy_axes, loss_axes = figure.axes
    assert [line.get_label() for line in accuracy_axes.get_lines()] == [
        "train", "test"]
    loss = read_scalars(lab_grid.logdir / "ELU+BN+WI" / "train")["epoch_loss"]
    assert list(loss_axes.get_lines()[0].get_ydata()) == pytest.approx(
        [value for _, value in loss])
    diverged_wi = lab_report.read_records(lab_grid.diverged_logdir)[1]
    assert (diverged_wi.name, diverged_wi.status) == ("WI", "diverged")
    diverged = report_figures.run_figure(diverged_wi)
    assert diverged.axes[0].get_title() == "WI (diverged): accuracy (%)"
    assert [line.get_label() for line in diverged.axes[1].get_lines()] == [
        "train (no finite value)", "test (no finite value)"]
    assert [text.get_text() for text in diverged.axes[1].texts] == [
        "no finite value to plot"]


def test_missing_unfinished_and_extra_runs_are_listed(lab_grid, tmp_path):
    shutil.copytree(lab_grid.logdir / "BN", tmp_path / "BN")
    shutil.copytree(lab_grid.logdir / "ELU+BN", tmp_path / "ELU+BN")
    (tmp_path / "ELU+BN" / "results.json").unlink()  # stopped mid-run
    shutil.copytree(lab_grid.logdir / "BN+WI", tmp_path / "PReLU+BN+WI")
    shutil.copytree(lab_grid.logdir / "BN", tmp_path / "BN.old-20240101")
    out, rows = lab_report.write_report(tmp_path)
    statuses = {row["run"]: row["status"] for row in rows}
    assert list(statuses) == [*RUN_NAMES, "PReLU+BN+WI"]
    assert statuses["BN"] == "finished"
    assert statuses["ELU+BN"] == "unfinished"
    assert statuses["PReLU+BN+WI"] == "finished"
    assert [name for name, status in statuses.items()
            if status == "missing"] == [
        "None", "WI", "BN+WI", "ELU", "ELU+WI", "ELU+BN+WI", "LReLU+BN+WI",
        "Maxout+BN+WI"]
    unfinished = rows[RUN_NAMES.index("ELU+BN")]
    assert unfinished["epochs"] == 2 and unfinished["wall_time_s"] is None
    assert unfinished["final_test_accuracy_pct"] is not None
    text = (out / "report.md").read_text()
    assert "- Missing: None, WI, BN+WI, ELU, ELU+WI, ELU+BN+WI," in text
    assert "- Unfinished: ELU+BN: no results.json yet" in text
    assert "| None | missing | - | - |" in text
    assert sorted(path.name for path in (out / "runs").iterdir()) == [
        "BN.png", "ELU+BN.png", "PReLU+BN+WI.png"]


@pytest.mark.parametrize("make,message", [
    (lambda path: path, "holds no runs"),
    (lambda path: path / "nowhere", "is not a folder"),
])
def test_a_logdir_without_runs_is_one_line_and_exit_2(make, message,
                                                      tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        report.main([str(make(tmp_path))])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
