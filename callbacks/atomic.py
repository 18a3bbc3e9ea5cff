"""Atomic writes: a file is complete or absent, never half-written.

Every JSON file and saved model of a run goes to a temp file in the same
folder, is fsynced and renamed over the target, and the folder is
fsynced, so a kill or a full disk at any instant leaves the previous
complete file (or none), never a truncated one that looks complete.
"""

import json
import os
import tempfile
from pathlib import Path


def _fsync_path(path, directory=False):
    flags = os.O_RDONLY | (os.O_DIRECTORY if directory else 0)
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_text_atomic(path, text):
    """Write `text` to `path` via temp file + fsync + rename (0644)."""
    path = Path(path)
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        os.fchmod(descriptor, 0o644)  # mkstemp makes it private (0600)
        with os.fdopen(descriptor, "w", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
        _fsync_path(path.parent, directory=True)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_json_atomic(path, data, default=None):
    """Write `data` as JSON to `path`, atomically (`default` as in
    `json.dump`, for values JSON does not know)."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True,
                                       default=default) + "\n")


def save_model_atomic(model, path):
    """`model.save(path)` through a temp file, fsync and rename."""
    path = Path(path)
    temp = path.with_name(f".partial-{path.name}")
    try:
        model.save(temp)
        _fsync_path(temp)
        os.replace(temp, path)
        _fsync_path(path.parent, directory=True)
    finally:
        temp.unlink(missing_ok=True)
