"""Thesis-style figures of the batch-norm study (seed 003, chapter 7).

One figure per model and experiment group, one panel per variant: the
vanilla network in blue, the batch-normalized one in green, validation
accuracy solid on an absolute 0-1 axis (left), training loss dashed on a
relative axis from 0 to its largest finite value (right; cut at 4 x the
chance-level loss when a loss exploded). For the batch group, a summary
figure adds final test accuracy and seconds per epoch against the batch
size (seed 003 figure 7.15). matplotlib, Agg backend.
"""

import math

from matplotlib.ticker import MaxNLocator

from nin.study.results import read_results, seconds_per_epoch
from nin.training.run_folder import read_config

COLORS = {False: "tab:blue", True: "tab:green"}
LABELS = {False: "vanilla", True: "BN"}
# The loss axis ends at its largest value, or at LOSS_CAP x ln(classes)
# (ln(classes) is the loss of a uniform guess) when a loss exploded, as in
# seed 003's figures where exploded losses are left out.
LOSS_CAP = 4


def _curves(results):
    history = results["history"]
    epochs = [entry["epoch"] + 1 for entry in history]
    accuracy = [entry.get("val_accuracy", math.nan) for entry in history]
    loss = [entry.get("loss", math.nan) for entry in history]
    loss = [value if value is not None and math.isfinite(value)
            else math.nan for value in loss]
    return epochs, accuracy, loss


def _panel(axis, runs, title):
    loss_axis = axis.twinx()
    largest, notes, cap = 0.0, [], math.inf
    for run in runs:
        results = read_results(run)
        if results is None:
            continue
        epochs, accuracy, loss = _curves(results)
        color, label = COLORS[run.batch_norm], LABELS[run.batch_norm]
        marker = "o" if len(epochs) == 1 else None  # else invisible
        axis.plot(epochs, accuracy, "-", color=color, marker=marker,
                  label=f"{label} validation accuracy")
        loss_axis.plot(epochs, loss, "--", color=color, marker=marker,
                       label=f"{label} training loss")
        if results.get("diverged"):
            notes.append(f"{label} diverged")
        elif results.get("stopped_early"):
            notes.append(f"{label} stopped early")
        finite = [value for value in loss if math.isfinite(value)]
        largest = max([largest, *finite])
        classes = (read_config(run.run_dir) or {}).get("num_classes", 10)
        cap = LOSS_CAP * math.log(classes)
    if largest > cap:  # an exploding loss would flatten every other curve
        largest = cap
        notes.append("loss axis cut")
    axis.set_ylim(0, 1)
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    loss_axis.set_ylim(0, largest * 1.05 if largest > 0 else 1)
    axis.set_title(title + (f" ({', '.join(notes)})" if notes else ""))
    axis.set_xlabel("epoch")
    axis.set_ylabel("validation accuracy")
    loss_axis.set_ylabel("training loss")


def _legend_lines():
    from matplotlib.lines import Line2D

    return [Line2D([], [], color=COLORS[batch_norm], linestyle=style,
                   label=f"{LABELS[batch_norm]} {what}")
            for style, what in (("-", "validation accuracy"),
                                ("--", "training loss"))
            for batch_norm in (False, True)]


def _grouped(runs):
    groups = {}
    for run in runs:
        panels = groups.setdefault((run.model, run.group), {})
        panels.setdefault(run.variant, []).append(run)
    return groups


def _batch_summary(plt, model, panels, path):
    figure, (accuracy_axis, time_axis) = plt.subplots(1, 2, figsize=(10, 4))
    for batch_norm in (False, True):
        points = []
        for variant, runs in panels.items():
            for run in runs:
                results = read_results(run)
                if run.batch_norm == batch_norm and results:
                    points.append((run.config.batch_size,
                                   results.get("test_accuracy"),
                                   seconds_per_epoch(results)))
        points.sort()
        sizes = [p[0] for p in points]
        accuracy_axis.plot(sizes, [p[1] for p in points], "o-",
                           color=COLORS[batch_norm],
                           label=LABELS[batch_norm])
        time_axis.plot(sizes, [p[2] for p in points], "o--",
                       color=COLORS[batch_norm], label=LABELS[batch_norm])
    for axis, label in [(accuracy_axis, "final test accuracy"),
                        (time_axis, "seconds of training per epoch")]:
        axis.set_xscale("log", base=2)
        axis.set_xlabel("batch size")
        axis.set_ylabel(label)
        axis.legend()
    accuracy_axis.set_ylim(0, 1)
    figure.suptitle(f"{model.upper()}: batch size")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def draw_figures(runs, out_dir):
    """Draw every figure into `out_dir`; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for (model, group), panels in _grouped(runs).items():
        columns = min(3, len(panels))
        rows = math.ceil(len(panels) / columns)
        figure, axes = plt.subplots(rows, columns, squeeze=False,
                                    figsize=(5 * columns, 3.6 * rows))
        for axis, (variant, pair) in zip(axes.flat, panels.items()):
            _panel(axis, pair, f"{model.upper()} {variant}")
        for axis in list(axes.flat)[len(panels):]:
            axis.axis("off")
        wide = columns >= 3
        figure.legend(handles=_legend_lines(), loc="lower center",
                      ncol=4 if wide else 2, fontsize="small")
        legend_height = (0.1 if wide else 0.2) / rows
        figure.tight_layout(rect=(0, legend_height, 1, 1))
        path = out_dir / f"{model}-{group}.png"
        figure.savefig(path, dpi=100)
        plt.close(figure)
        paths.append(path)
        if group == "batch":
            path = out_dir / f"{model}-batch-summary.png"
            _batch_summary(plt, model, panels, path)
            paths.append(path)
    return paths
