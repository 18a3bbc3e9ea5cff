"""The lab's results section for a folder of runs: `LOGDIR/report/`.

Reads every run of LOGDIR (the 10 lab runs, then any other run folder)
from its TensorBoard event files and results.json (`records`), and
writes `LOGDIR/report/` (regenerated on every call):

- `report.md`: seed 001's Table 2 for these runs (`table`: final and best
  test accuracy with its epoch, final train and test loss, epochs, wall
  time, diverged) next to the report's accuracy and the difference, then
  the figures;
- `report.csv`: the same table, as numbers;
- `test_accuracy.png`, `train_loss.png`, `test_loss.png`: all runs on one
  chart (seed 001 Figures 3, 4 and 6), `runs/RUN.png`: train vs test
  (`figures`).

Runs that are missing or unfinished stay in the table, marked so.
"""

import time
from pathlib import Path

from nin.report import figures
from nin.report.lab_runs import LAB_RUNS
from nin.report.records import other_run_folders, read_run
from nin.report.table import markdown_table, table_row, write_csv

FIGURES = (  # (file, split, tag, title)
    ("test_accuracy.png", "test", "epoch_accuracy",
     "Test accuracy, all runs (seed 001 Figure 3)"),
    ("train_loss.png", "train", "epoch_loss",
     "Train loss, all runs (seed 001 Figure 4)"),
    ("test_loss.png", "test", "epoch_loss",
     "Test loss, all runs (seed 001 Figure 6)"),
)
REFERENCE_RECIPE = {"dataset": "cifar10", "epochs": 164, "width": 1.0,
                    "model": "nin"}


def read_records(logdir, model="nin"):
    """The 10 lab runs in grid order, then other run folders of `logdir`."""
    folders = {run.name: run.folder(model) for run in LAB_RUNS}
    records = [read_run(logdir, name, folder)
               for name, folder in folders.items()]
    extras = other_run_folders(logdir, set(folders.values()))
    return records + [read_run(logdir, folder) for folder in extras]


def settings_note(records):
    """What the runs were trained with, and how that compares to seed 001."""
    configs = [record.config for record in records if record.config]
    shown = []
    for key in ("model", "dataset", "epochs", "width", "lr", "seed"):
        values = sorted({f"{config.get(key):g}" if isinstance(
            config.get(key), float) else str(config.get(key))
            for config in configs})
        shown.append(f"{key} {'/'.join(values) if values else '?'}")
    note = "Settings of these runs: " + ", ".join(shown) + "."
    if any(config.get(key) != value for config in configs
           for key, value in REFERENCE_RECIPE.items()):
        note += (" Seed 001's numbers are for NIN on CIFAR-10 at full "
                 "width, 164 epochs: with other settings the difference "
                 "only says how far these runs are from the lab's result.")
    return note


def status_notes(records):
    notes = []
    for status, what in (("missing", "not trained yet (no folder)"),
                         ("unfinished", "no results.json yet (running, "
                                        "stopped or crashed); shown as far "
                                        "as they got")):
        names = [record.name for record in records if record.status == status]
        if names:
            notes.append(f"- {status.capitalize()}: {', '.join(names)}: "
                         f"{what}.")
    return notes


def markdown_report(logdir, records, rows):
    lines = [f"# Lab 4 results: {logdir}", "",
             f"Written {time.strftime('%Y-%m-%d %H:%M')} by "
             "`labs/report.py` from the runs' event files and "
             "results.json. " + settings_note(records), "",
             "## Table 2: the lab's runs", "", markdown_table(rows), "",
             "Accuracies in percent; epochs counted from 0 as TensorBoard "
             "steps; difference = final test accuracy minus seed 001's, in "
             "percentage points.", *status_notes(records), "",
             "## Figures", ""]
    for file_name, _, _, title in FIGURES:
        lines += [f"### {title}", "", f"![{title}]({file_name})", ""]
    lines += ["### Train vs test, per run", ""]
    for record in records:
        if record.status != "missing":
            lines += [f"![{record.name}](runs/{record.name}.png)", ""]
    return "\n".join(lines)


def write_report(logdir, model="nin"):
    """Write LOGDIR/report/; returns (report folder, rows)."""
    logdir = Path(logdir)
    records = read_records(logdir, model)
    if all(record.status == "missing" for record in records):
        raise ValueError(
            f"{logdir} holds no runs (no RUN/config.json); expected the "
            "--logdir given to labs/grid.py or labs/lab4.py")
    out = logdir / "report"
    (out / "runs").mkdir(parents=True, exist_ok=True)
    rows = [table_row(record) for record in records]
    write_csv(rows, out / "report.csv")
    for file_name, split, tag, title in FIGURES:
        figures.save(figures.comparison_figure(records, split, tag, title),
                     out / file_name)
    for record in records:
        if record.status != "missing":
            figures.save(figures.run_figure(record),
                         out / "runs" / f"{record.name}.png")
    (out / "report.md").write_text(markdown_report(logdir, records, rows))
    return out, rows
