"""Seed 001's Table 2 for a set of runs: rows, markdown and CSV.

`table_row(record)` turns a `RunRecord` into numbers: final and best test
accuracy (percent) with the best epoch (from 0), final train and test
loss, epochs, wall time, diverged, seed 001's accuracy and the difference
in percentage points (None where a run has nothing to show).
`markdown_table` formats rows for report.md ("-" for nothing, "nan" for a
loss that is not finite); `write_csv` writes the same numbers unformatted.
"""

import csv

from nin.report.lab_runs import LAB_RUNS

COLUMNS = (  # (csv name, markdown header)
    ("run", "run"),
    ("status", "status"),
    ("final_test_accuracy_pct", "final test acc %"),
    ("best_test_accuracy_pct", "best test acc %"),
    ("best_epoch", "best epoch"),
    ("final_train_loss", "final train loss"),
    ("final_test_loss", "final test loss"),
    ("epochs", "epochs"),
    ("wall_time_s", "wall time"),
    ("diverged", "diverged"),
    ("reference_accuracy_pct", "seed 001 acc %"),
    ("difference_pp", "difference (pp)"),
)


def table_row(record):
    """One row of Table 2 as numbers (None where there is nothing)."""
    reference = {run.name: run.reference_accuracy for run in LAB_RUNS}.get(
        record.name)
    final = record.final("test", "epoch_accuracy")
    best = record.best_test_accuracy()
    final_pct = None if final is None else 100 * final
    return {
        "run": record.name,
        "status": record.status,
        "final_test_accuracy_pct": final_pct,
        "best_test_accuracy_pct": None if best is None else 100 * best[0],
        "best_epoch": None if best is None else best[1],
        "final_train_loss": record.final("train", "epoch_loss"),
        "final_test_loss": record.final("test", "epoch_loss"),
        "epochs": record.epochs,
        "wall_time_s": record.wall_time_s,
        "diverged": None if record.status == "missing" else record.diverged,
        "reference_accuracy_pct": reference,
        "difference_pp": (None if reference is None or final_pct is None
                          else final_pct - reference),
    }


def format_duration(seconds):
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {seconds:02d}s" if hours \
        else f"{minutes}m {seconds:02d}s"


def format_cell(column, value):
    if value is None:
        return "-"
    if column == "diverged":
        return "yes" if value else "no"
    if column == "wall_time_s":
        return format_duration(value)
    if column == "difference_pp":
        return f"{value:+.2f}"
    if isinstance(value, float):
        if column.endswith("_pct"):
            return f"{value:.2f}"
        return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.3e}"
    return str(value)


def markdown_table(rows):
    lines = ["| " + " | ".join(header for _, header in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(
            format_cell(column, row[column]) for column, _ in COLUMNS) + " |")
    return "\n".join(lines)


def write_csv(rows, path):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, [column for column, _ in COLUMNS])
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if value is None else value
                             for key, value in row.items()})
