"""The report's PNG figures, drawn with matplotlib (no display needed).

- `comparison_figure(records, split, tag)`: one curve per run, as seed
  001's Figures 3-5 (test accuracy, train loss, test loss for all runs).
  BN runs are solid lines, runs without BN dashed; a loss axis turns
  logarithmic when the values span over two decades, so a diverging run's
  huge losses do not flatten the others.
- `run_figure(record)`: one run's train vs test accuracy and loss.

Figures are `matplotlib.figure.Figure` objects rendered by the Agg canvas
(no pyplot, no global state); `save` writes them as PNG.
"""

import math

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

LABELS = {"epoch_accuracy": "accuracy (%)", "epoch_loss": "loss"}
SPLIT_NAMES = {"train": "train", "test": "test"}
MARKERS_UP_TO = 20  # epochs; short runs get a marker on every point
LOG_SCALE_ABOVE = 100.0  # largest / smallest loss on a chart


def _values(record, split, tag):
    points = record.curve(split, tag)
    scale = 100.0 if tag == "epoch_accuracy" else 1.0
    steps = [step for step, _ in points]
    values = [scale * value if math.isfinite(value) else math.nan
              for _, value in points]
    return steps, values


def _label(record, values=None):
    notes = {"unfinished": ["unfinished"], "diverged": ["diverged"]}.get(
        record.status, [])
    if values and all(math.isnan(value) for value in values):
        notes.append("no finite value")
    return record.name + (f" ({', '.join(notes)})" if notes else "")


def _style_axes(axes, tag, title):
    axes.set_title(title)
    axes.set_xlabel("epoch")
    axes.set_ylabel(LABELS[tag])
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    steps = {step for line in axes.get_lines() for step in line.get_xdata()}
    if len(steps) == 1:  # one epoch: a readable axis around it
        axes.set_xlim(min(steps) - 0.5, min(steps) + 0.5)
        axes.set_xticks(sorted(steps))
    axes.grid(True, alpha=0.3)
    finite = [value for line in axes.get_lines() for value in line.get_ydata()
              if math.isfinite(value)]
    if axes.get_lines() and not finite:
        axes.text(0.5, 0.5, "no finite value to plot", ha="center",
                  transform=axes.transAxes)
    positive = [value for value in finite if value > 0]
    if tag == "epoch_loss" and positive and \
            max(positive) / min(positive) > LOG_SCALE_ABOVE:
        axes.set_yscale("log")


def _markers(steps):
    return "o" if len(steps) <= MARKERS_UP_TO else None


def comparison_figure(records, split, tag, title=None):
    """All runs' `split`/`tag` curves on one chart (missing runs skipped)."""
    figure = Figure(figsize=(9, 5.5), layout="constrained")
    axes = figure.subplots()
    colors = _palette(len(records))
    for record, color in zip(records, colors):
        steps, values = _values(record, split, tag)
        if not steps:
            continue
        batch_norm = bool((record.config or {}).get("batch_norm"))
        axes.plot(steps, values, label=_label(record, values), color=color,
                  linestyle="-" if batch_norm else "--",
                  marker=_markers(steps))
    name = f"{SPLIT_NAMES[split]} {LABELS[tag].split(' ')[0]}"
    _style_axes(axes, tag, title or f"{name.capitalize()}, all runs")
    if axes.get_lines():
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return figure


def run_figure(record):
    """One run: train vs test accuracy (left) and loss (right)."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    for axes, tag in zip(figure.subplots(1, 2), LABELS):
        for split, color in (("train", "tab:blue"), ("test", "tab:orange")):
            steps, values = _values(record, split, tag)
            if steps:
                axes.plot(steps, values, label=_label_split(split, values),
                          color=color,
                          marker=_markers(steps))
        _style_axes(axes, tag, f"{_label(record)}: {LABELS[tag]}")
        if axes.get_lines():
            axes.legend()
    return figure


def _label_split(split, values):
    if all(math.isnan(value) for value in values):
        return f"{split} (no finite value)"
    return split


def _palette(count):
    """`count` distinct colours: tab10, then tab20 for longer lists."""
    from matplotlib import colormaps

    name = "tab10" if count <= 10 else "tab20"
    colors = colormaps[name].colors
    return [colors[index % len(colors)] for index in range(count)]


def save(figure, path):
    figure.savefig(path, dpi=100)
    return path
