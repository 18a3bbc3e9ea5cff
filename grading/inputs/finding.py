"""Find each lab run in a submission, whatever the student's layout (in
the sandbox).

A run is one candidate record:

    {"kind": "toolkit" | "foreign", "folder": the run's folder,
     "model": its model file or None, "also": other saves of the same
     model in that folder, "logs": the folder of its training logs or
     None, "preprocessing": the manifest's convention or None}

- **toolkit**: a folder holding our `config.json` or `results.json`
  (and `model.keras`), named like the run (today's layout, `logs/ELU+BN+WI/`);
- **foreign**: a model file (`.keras`, `.h5`, `.hdf5`) whose own name
  or folder's name spells the run (`nin_elu_bn_wi.h5`,
  `elu-bn-wi/model.keras`), with the training logs in that folder or a
  log folder named like the run elsewhere (`logs/elu_bn_wi/train/`);
  a log folder alone is a run without a model. `*.weights.h5` files
  (`save_weights`) hold no model and are not candidates.

Names are read by `grading.inputs.run_names` (any spelling, case, order).
A `manifest.json` (`grading.inputs.manifest`) replaces the search for
the runs it names. Two candidates for one run are both listed,
shallowest first, and flagged: the TA decides; the first is graded.
"""

import os
from pathlib import Path

from grading.inputs import manifest as manifests
from grading.inputs.run_names import parse_run_name

MAX_DEPTH = 8
MODEL_SUFFIXES = manifests.MODEL_SUFFIXES
TOOLKIT_FILES = ("config.json", "results.json")
LOG_MARKERS = ("train", "validation")
LOG_FILES = ("history.json", "training_history.json")
SKIPPED = ("__MACOSX",)
WEIGHTS_ONLY = ".weights.h5"  # save_weights: arrays without the model


def _walk(root):
    """(folder, subfolder names, file names) down to MAX_DEPTH, hidden
    and macOS folders left out."""
    for parent, directories, files in os.walk(root):
        depth = len(Path(parent).relative_to(root).parts)
        directories[:] = [] if depth >= MAX_DEPTH else sorted(
            name for name in directories
            if not name.startswith(".") and name not in SKIPPED)
        yield Path(parent), directories, sorted(files)


def holds_logs(folder, files=None):
    folder = Path(folder)
    files = files if files is not None else [
        path.name for path in folder.iterdir() if path.is_file()]
    return any((folder / name).is_dir() for name in LOG_MARKERS) or any(
        name.startswith("events.") or name in LOG_FILES
        or name.endswith(".csv") for name in files)


def _log_folder(folder):
    """The training logs beside a model file: the folder itself, or one
    of its subfolders (`logs/`, `tensorboard/`, ...)."""
    if holds_logs(folder):
        return folder
    for child in sorted(folder.iterdir()):
        if child.is_dir() and not child.name.startswith(".") \
                and holds_logs(child):
            return child
    return None


def _depth(path):
    return (len(Path(path).parts), str(path))


def find_candidates(root, names):
    """{run name: [candidate, ...]} for the runs `names`, shallowest
    first (see the module's docstring); the manifest's runs from it."""
    root = Path(root)
    found = {name: [] for name in names}
    toolkit_folders = set()
    models = {}  # (run, folder) -> [model files]
    log_folders = {name: [] for name in names}
    for folder, _, files in _walk(root):
        run = parse_run_name(folder.name) if folder != root else None
        if run in found and any(name in files for name in TOOLKIT_FILES):
            toolkit_folders.add(folder)
            found[run].append(toolkit_candidate(folder))
            continue
        if any(part in toolkit_folders for part in folder.parents):
            continue
        if run in found and holds_logs(folder, files):
            log_folders[run].append(folder)
        for name in files:
            path = folder / name
            if path.suffix.lower() not in MODEL_SUFFIXES or \
                    name.lower().endswith(WEIGHTS_ONLY):
                continue
            owner = parse_run_name(path.stem)
            if owner is None and folder != root:
                owner = run or parse_run_name(folder.parent.name)
            if owner in found:
                models.setdefault((owner, folder), []).append(path)
    for (run, folder), paths in sorted(models.items(),
                                       key=lambda item: _depth(item[0][1])):
        paths.sort(key=lambda path: (path.suffix.lower() != ".keras",
                                     path.name))
        logs = _log_folder(folder) if parse_run_name(folder.name) == run \
            else None
        if logs is None:
            logs = next((path for path in log_folders[run]
                         if path == folder or folder in path.parents), None)
        candidate = _candidate("foreign", folder, paths[0], logs)
        candidate["also"] = [str(path.relative_to(root))
                             for path in paths[1:]]
        found[run].append(candidate)
    for run, folders in log_folders.items():
        used = {candidate["logs"] for candidate in found[run]}
        unpaired = [folder for folder in folders if folder not in used
                    and not any(folder in (candidate["folder"],
                                           *candidate["folder"].parents)
                                for candidate in found[run])]
        lone = [candidate for candidate in found[run]
                if candidate["kind"] == "foreign"
                and candidate["logs"] is None]
        if len(lone) == 1 and len(unpaired) == 1:
            lone[0]["logs"] = unpaired.pop()
        for folder in unpaired:
            found[run].append(_candidate("foreign", folder, None, folder))
    for candidates in found.values():
        candidates.sort(key=lambda candidate: _depth(candidate["folder"]))
    return found


def toolkit_candidate(folder):
    """The candidate of one of our run folders, as the search finds it."""
    folder = Path(folder)
    return _candidate("toolkit", folder, folder / "model.keras")


def _candidate(kind, folder, model, logs=None, preprocessing=None):
    return {"kind": kind, "folder": folder, "model": model, "also": [],
            "logs": logs if logs is not None else (
                folder if kind == "toolkit" else None),
            "preprocessing": preprocessing}


def find_runs(root, names, conventions=None):
    """({run name: [candidate, ...]}, the manifest's problem or None):
    the manifest's entries where there is one, the search for the rest."""
    root = Path(root)
    found = find_candidates(root, names)
    path = manifests.find_manifest(root)
    if path is None:
        return found, None
    try:
        entries = manifests.load_manifest(path, root, conventions)
    except (OSError, ValueError) as error:
        return found, str(error)
    for run, entry in entries.items():
        if run not in found:
            continue
        folder = entry["folder"] or (entry["model"].parent if entry["model"]
                                     else entry["logs"])
        model = entry["model"]
        kind = "foreign"
        if entry["folder"] is not None and model is None:
            if (folder / "model.keras").is_file() and any(
                    (folder / name).is_file() for name in TOOLKIT_FILES):
                kind, model = "toolkit", folder / "model.keras"
            else:
                model = next((path for path in sorted(folder.iterdir())
                              if path.suffix.lower() in MODEL_SUFFIXES),
                             None)
        logs = entry["logs"] or (_log_folder(folder) if kind == "foreign"
                                 else folder)
        found[run] = [_candidate(kind, folder, model, logs,
                                 entry["preprocessing"])]
    return found, None
