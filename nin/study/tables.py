"""Tables of the batch-norm study, ours next to seed 003's appendix B.

- accuracy (Tables B.1 MLP, B.2 CNN): final test accuracy in percent,
  vanilla (V) and batch-normalized (B), the better one in bold;
- wall time (Tables B.3, B.4): seconds of training per epoch by batch
  size and the BN overhead. Epoch 0 includes graph compilation, so ours is
  the median over the later epochs (epoch 0 only if it is all there is).

`nin.study.report` writes them as `report.md` plus one CSV per table.
"""

from nin.study.results import read_results, seconds_per_epoch
from nin.study.thesis_numbers import (
    ACCURACY_TABLES,
    DATASET_TITLES,
    DATASETS,
    ROWS,
    TIME_TABLES,
)


def _pair(runs_by_key, model, variant, measure):
    values = []
    for batch_norm in (False, True):
        run = runs_by_key.get((model, variant, batch_norm))
        results = read_results(run) if run else None
        values.append(measure(results) if results else None)
    return values


def _accuracy(results):
    value = results.get("test_accuracy")
    return None if value is None else 100 * value


def _text(value, digits=1, bold=False):
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return f"**{text}**" if bold else text


def _bold_pair(pair, digits=1):
    vanilla, bn = pair
    if vanilla is None or bn is None or vanilla == bn:
        return [_text(vanilla, digits), _text(bn, digits)]
    return [_text(vanilla, digits, vanilla > bn),
            _text(bn, digits, bn > vanilla)]


def accuracy_table(runs, model, dataset):
    """(markdown lines, csv rows) of Table B.1 / B.2 with ours."""
    number, thesis = ACCURACY_TABLES[model]
    by_key = {(r.model, r.variant, r.batch_norm): r for r in runs}
    variants = {(r.parameter, r.value): r.variant for r in runs
                if r.model == model}
    header = ["Parameter", "Value", f"ours {dataset} V", f"ours {dataset} B"]
    header += [f"{DATASET_TITLES[d]} {k}" for d in DATASETS for k in "VB"]
    lines = [f"Table {number}-style ({model.upper()}): final test accuracy "
             f"in percent; ours on {dataset}, then seed 003's.", "",
             "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    rows = [header]
    for parameter, value in ROWS:
        variant = variants.get((parameter, value))
        ours = (_pair(by_key, model, variant, _accuracy) if variant
                else [None, None])
        theirs = [thesis[(parameter, value)][d] for d in DATASETS]
        cells = [parameter, value, *_bold_pair(ours)]
        for pair in theirs:
            cells += _bold_pair(pair)
        lines.append("| " + " | ".join(cells) + " |")
        rows.append([parameter, value, *[_csv(v) for v in ours],
                     *[v for pair in theirs for v in pair]])
    return lines, rows


def time_table(runs, model, dataset):
    """(markdown lines, csv rows) of Table B.3 / B.4 with ours."""
    number, thesis = TIME_TABLES[model]
    by_key = {(r.model, r.variant, r.batch_norm): r for r in runs}
    header = ["Batch size", f"ours {dataset} V", f"ours {dataset} B",
              "ours overhead", "thesis mean overhead"]
    header += [f"{DATASET_TITLES[d]} {k}" for d in DATASETS for k in "VB"]
    lines = [f"Table {number}-style ({model.upper()}): seconds of training "
             "per epoch; ours on this machine, then seed 003's GPU.", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rows = [header]
    for size, (overhead, per_dataset) in thesis.items():
        # Batch 64 is the baseline run: found under either variant name.
        names = [f"batch-{size}"] + (["activation-relu"] if size == 64
                                     else [])
        variant = next((name for name in names
                        if (model, name, False) in by_key), names[0])
        ours = _pair(by_key, model, variant, seconds_per_epoch)
        ours_overhead = (100 * (ours[1] / ours[0] - 1)
                         if None not in ours and ours[0] > 0 else None)
        theirs = [v for d in DATASETS for v in per_dataset[d]]
        cells = [str(size), _text(ours[0], 2), _text(ours[1], 2),
                 _text(ours_overhead, 1) + ("%" if ours_overhead is not None
                                            else ""), f"{overhead}%",
                 *[f"{v:g}" for v in theirs]]
        lines.append("| " + " | ".join(cells) + " |")
        rows.append([size, *[_csv(v) for v in ours], _csv(ours_overhead),
                     overhead, *theirs])
    return lines, rows


def _csv(value):
    return "" if value is None else round(value, 4)
