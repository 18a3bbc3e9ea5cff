"""The study's report: `LOGDIR/DATASET/report/` with report.md, one CSV
per table (Tables B.1-B.4-style, ours next to seed 003's) and the
thesis-style figures."""

import csv

from nin.study.figures import draw_figures
from nin.study.tables import accuracy_table, time_table
from nin.study.thesis_numbers import ACCURACY_TABLES, TIME_TABLES


def write_report(runs, out_dir, dataset):
    """Write report.md, the CSV tables and the figures; returns the
    report's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    models = sorted({run.model for run in runs}, key=["mlp", "cnn"].index)
    lines = [f"# Batch-norm study on {dataset} (seed 003)", ""]
    for model in models:
        for kind, make in (("accuracy", accuracy_table),
                           ("time", time_table)):
            table_lines, rows = make(runs, model, dataset)
            number = (ACCURACY_TABLES if kind == "accuracy"
                      else TIME_TABLES)[model][0]
            name = f"table_{number.replace('.', '')}_{model}_{kind}.csv"
            with open(out_dir / name, "w", newline="") as handle:
                csv.writer(handle).writerows(rows)
            lines += table_lines + ["", f"CSV: `{name}`", ""]
    figures = draw_figures(runs, out_dir / "figures")
    lines += ["## Figures", "",
              "Vanilla blue, BN green; validation accuracy solid (left "
              "axis, absolute), training loss dashed (right axis, from 0 "
              "to its largest value), as in seed 003's chapter 7.", ""]
    lines += [f"![{path.stem}](figures/{path.name})" for path in figures]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
