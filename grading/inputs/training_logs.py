"""The training curves a student logged, whatever wrote them (in the
sandbox): one shape for the checks.

What a student's Keras code leaves behind, tried in this order in a log
folder:

- **Keras 3 / tf.keras 2 TensorBoard** (`keras.callbacks.TensorBoard`):
  `train/` and `validation/` event folders, tags `epoch_accuracy`,
  `epoch_loss` and, where a schedule put the rate into the epoch logs,
  `epoch_learning_rate` (Keras 3) or `epoch_lr` (tf.keras 2);
- **Keras 2.0 TensorBoard**: events in the folder itself, tags `acc`,
  `loss`, `val_acc`, `val_loss`, `lr` (`simple_value` scalars);
- where there are no event files, **`history.json`** (`History.history`
  dumped as JSON: {metric: [one value per epoch]}) or a **`CSVLogger`**
  file (`*.csv`, columns `epoch`, `accuracy`/`acc`, `loss`,
  `val_accuracy`/`val_acc`, `val_loss`, `learning_rate`/`lr`).

Events are read by tensorboard's own reader (`nin.report.events`, the
toolkit's one reader), size-capped. Whatever the source, the result is
`{"format", "files", "scalars"}` with scalars keyed as our run folders'
are: `train/epoch_accuracy`, `train/epoch_loss`, `train/learning_rate`,
`test/epoch_accuracy`, `test/epoch_loss` (the student's validation
curves, the only held-out curves Keras logs) - so `grading.checks.items`
reads one shape.
"""

import csv
import json
import math
from pathlib import Path

from nin.report.events import read_scalars

TEXT_MAX_BYTES = 1 << 20
MAX_CSV_ROWS = 100_000
HISTORY_NAMES = ("history.json", "training_history.json")
# (our key, the names Keras writes for it, prefixed or not by the split)
ACCURACY = ("accuracy", "acc", "categorical_accuracy",
            "sparse_categorical_accuracy")
LOSS = ("loss",)
LEARNING_RATE = ("learning_rate", "lr")
EVENT_TAGS = {
    "train/epoch_accuracy": tuple("epoch_" + name for name in ACCURACY),
    "train/epoch_loss": ("epoch_loss",),
    "train/learning_rate": ("epoch_learning_rate", "epoch_lr",
                            "learning_rate"),
}
FORMATS = ("tensorboard (train/, validation/)", "tensorboard (one folder)",
           "history.json", "CSVLogger csv")


def _first(scalars, names):
    for name in names:
        if scalars.get(name):
            return scalars[name]
    return None


def _keyed(pairs):
    """Our keys -> points, leaving out curves that are absent."""
    return {key: points for key, points in pairs if points}


def _has_events(folder):
    return folder.is_dir() and any(folder.glob("events.*"))


def _split_folders(folder, max_bytes):
    train = read_scalars(folder / "train", max_bytes)
    held_out = {}
    for name in ("validation", "test"):
        if _has_events(folder / name):
            held_out = read_scalars(folder / name, max_bytes)
            break
    scalars = _keyed([
        ("train/epoch_accuracy", _first(train, list(
            EVENT_TAGS["train/epoch_accuracy"]))),
        ("train/epoch_loss", _first(train, ["epoch_loss"])),
        ("train/learning_rate", _first(train, list(
            EVENT_TAGS["train/learning_rate"]))),
        ("test/epoch_accuracy", _first(held_out, [
            "epoch_" + name for name in ACCURACY])),
        ("test/epoch_loss", _first(held_out, ["epoch_loss"]))])
    return scalars


def _one_folder(folder, max_bytes):
    """Keras 2.0: every curve in one folder, `val_` for validation."""
    found = read_scalars(folder, max_bytes)
    return _keyed([
        ("train/epoch_accuracy", _first(found, ACCURACY)),
        ("train/epoch_loss", _first(found, LOSS)),
        ("train/learning_rate", _first(found, LEARNING_RATE)),
        ("test/epoch_accuracy", _first(found, [
            "val_" + name for name in ACCURACY])),
        ("test/epoch_loss", _first(found, ["val_loss"]))])


def _from_columns(columns):
    """Scalars from {metric: [value per epoch]} (history.json, a CSV)."""
    def points(names):
        values = _first(columns, names)
        return [(epoch, value) for epoch, value in enumerate(values or [])
                if value is not None and math.isfinite(value)] or None
    return _keyed([
        ("train/epoch_accuracy", points(ACCURACY)),
        ("train/epoch_loss", points(LOSS)),
        ("train/learning_rate", points(LEARNING_RATE)),
        ("test/epoch_accuracy", points(["val_" + n for n in ACCURACY])),
        ("test/epoch_loss", points(["val_loss"]))])


def _read_text(path):
    size = path.stat().st_size
    if size > TEXT_MAX_BYTES:
        raise ValueError(f"{path.name} is too big ({size} bytes)")
    return path.read_text(errors="replace")


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_history(path):
    """{metric: [value per epoch]} of a `History.history` JSON dump."""
    try:
        data = json.loads(_read_text(path))
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"{path.name} is not valid JSON") from None
    if isinstance(data, dict) and isinstance(data.get("history"), dict):
        data = data["history"]
    if not isinstance(data, dict) or not all(
            isinstance(values, list) for values in data.values()):
        raise ValueError(f"{path.name}: Expected {{metric: [one value per "
                         f"epoch]}}. Received: {type(data).__name__}")
    return {str(key): [_number(value) for value in values]
            for key, values in data.items()}


def read_csv_log(path):
    """{metric: [value per epoch]} of a `CSVLogger` file, rows in epoch
    order."""
    rows = list(csv.DictReader(_read_text(path).splitlines()))[:MAX_CSV_ROWS]
    if not rows or "epoch" not in rows[0]:
        raise ValueError(f"{path.name}: Expected a CSVLogger file with an "
                         f"'epoch' column. Received: columns "
                         f"{list(rows[0]) if rows else []}")
    rows.sort(key=lambda row: _number(row.get("epoch")) or 0)
    return {key: [_number(row.get(key)) for row in rows]
            for key in rows[0] if key != "epoch"}


def read_training_logs(folder, max_bytes=None):
    """{"format", "files", "scalars"} of the logs in `folder` (see the
    module's docstring), or None when it holds none."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    if any(_has_events(folder / name)
           for name in ("train", "validation")):
        return {"format": FORMATS[0], "files": _event_files(folder),
                "scalars": _split_folders(folder, max_bytes)}
    if _has_events(folder):
        return {"format": FORMATS[1], "files": _event_files(folder),
                "scalars": _one_folder(folder, max_bytes)}
    for name in HISTORY_NAMES:
        if (folder / name).is_file():
            return {"format": FORMATS[2], "files": [name],
                    "scalars": _from_columns(read_history(folder / name))}
    for path in sorted(folder.glob("*.csv")):
        return {"format": FORMATS[3], "files": [path.name],
                "scalars": _from_columns(read_csv_log(path))}
    return None


def _event_files(folder):
    return sorted(str(path.relative_to(folder))
                  for pattern in ("events.*", "*/events.*")
                  for path in folder.glob(pattern))
