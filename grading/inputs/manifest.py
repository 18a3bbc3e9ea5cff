"""A submission's optional `manifest.json`: which file is which run.

An instructor may ask students to hand in a manifest at the top of the
submission (docs/grading.md). It maps the lab's run names, spelled as
`grading.inputs.run_names` reads them, to the run's files:

    {"runs": {
        "ELU+BN+WI": {"model": "models/elu_bn_wi.h5",
                      "logs": "logs/elu_bn_wi",
                      "preprocessing": "cifar10-constants"},
        "BN": {"folder": "logs/BN"}
    }}

- `model`: the saved model (`.keras`, `.h5`, `.hdf5`), a path relative
  to the manifest;
- `logs`: the folder of its training logs (TensorBoard, `history.json`
  or a CSVLogger file: `grading.inputs.training_logs`), optional;
- `folder`: instead of both, a run folder of our toolkit (or any folder
  holding the model file and its logs);
- `preprocessing`: optional, the input convention the model was trained
  with (`grading.models.preprocessing`'s names); without it the grader
  tries the known ones.

Paths must stay inside the submission. Every mistake is one
`ValueError` "Expected ... Received: ...", which the grader reports for
the runs instead of guessing. Read in the sandbox (a student's file).
"""

import json
from pathlib import Path

from grading.inputs.run_names import parse_run_name

MANIFEST = "manifest.json"
MAX_BYTES = 1 << 16
FIELDS = ("model", "logs", "folder", "preprocessing")
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")


def find_manifest(root):
    """The submission's manifest.json (at its top, or one folder down
    when the archive holds one folder), or None."""
    root = Path(root)
    candidates = [root / MANIFEST] + sorted(root.glob(f"*/{MANIFEST}"))
    return next((path for path in candidates if path.is_file()), None)


def load_manifest(path, root, conventions=None):
    """{run legend name: {"model", "logs", "folder", "preprocessing"}}
    with paths resolved inside `root`; `conventions` the accepted
    preprocessing names (None: any string)."""
    path, root = Path(path), Path(root).resolve()
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"{MANIFEST}: Expected at most {MAX_BYTES} bytes. "
                         f"Received: {size} bytes")
    try:
        data = json.loads(path.read_text(errors="replace"))
    except (json.JSONDecodeError, RecursionError) as error:
        raise ValueError(f"{MANIFEST}: Expected valid JSON. Received: "
                         f"{error}") from None
    runs = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(runs, dict) or not runs:
        raise ValueError(f"{MANIFEST}: Expected an object {{\"runs\": "
                         "{run name: {\"model\": ..., \"logs\": ...}}}. "
                         f"Received: {_short(data)}")
    entries = {}
    for name, entry in runs.items():
        run = parse_run_name(name)
        if run is None:
            raise ValueError(f"{MANIFEST}: Expected lab run names such as "
                             f"'ELU+BN+WI' or 'elu_bn_wi'. Received: "
                             f"{_short(name)}")
        if run in entries:
            raise ValueError(f"{MANIFEST}: Expected each run once. "
                             f"Received: {run} twice")
        entries[run] = _entry(name, entry, path.parent, root, conventions)
    return entries


def _entry(name, entry, base, root, conventions):
    where = f"{MANIFEST}: run {name!r}"
    if not isinstance(entry, dict) or not entry:
        raise ValueError(f"{where}: Expected an object with some of "
                         f"{', '.join(FIELDS)}. Received: {_short(entry)}")
    unknown = [key for key in entry if key not in FIELDS]
    if unknown:
        raise ValueError(f"{where}: Expected fields among "
                         f"{', '.join(FIELDS)}. Received: {unknown}")
    if "model" not in entry and "folder" not in entry:
        raise ValueError(f"{where}: Expected 'model' or 'folder'. "
                         f"Received: {sorted(entry)}")
    resolved = {"preprocessing": None}
    for key in ("model", "logs", "folder"):
        value = entry.get(key)
        resolved[key] = None if value is None else _inside(
            f"{where} {key!r}", value, base, root, file=key == "model")
    model = resolved["model"]
    if model is not None and model.suffix.lower() not in MODEL_SUFFIXES:
        raise ValueError(f"{where} 'model': Expected a "
                         f"{'/'.join(MODEL_SUFFIXES)} file. Received: "
                         f"{entry['model']!r}")
    convention = entry.get("preprocessing")
    if convention is not None:
        if not isinstance(convention, str) or (
                conventions is not None and convention not in conventions):
            raise ValueError(
                f"{where} 'preprocessing': Expected one of "
                f"{', '.join(conventions or ['a name'])}. Received: "
                f"{_short(convention)}")
        resolved["preprocessing"] = convention
    return resolved


def _inside(where, value, base, root, file):
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: Expected a relative path. Received: "
                         f"{_short(value)}")
    path = (base / value).resolve()
    if not path.is_relative_to(root) or Path(value).is_absolute():
        raise ValueError(f"{where}: Expected a path inside the submission. "
                         f"Received: {value!r}")
    if not (path.is_file() if file else path.is_dir()):
        kind = "file" if file else "folder"
        raise ValueError(f"{where}: Expected an existing {kind}. "
                         f"Received: {value!r} (not found)")
    return path


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "..."
