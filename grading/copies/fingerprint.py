"""A run's fingerprint for copy detection (made in the sandbox, as data).

The cheap way to cheat in this lab is to hand in a classmate's trained
runs, perhaps with a little noise added to the weights. To find such
pairs across a class (`grading.copies.similarity`, outside the sandbox),
each run gets a fingerprint with two parts:

- what the weights are: per conv or dense kernel, a count sketch of
  `SKETCH_SIZE` numbers (value i, times a fixed random sign, added into
  bucket i mod SKETCH_SIZE; the signs depend only on the kernel's
  shape, so every student's kernel of a shape gets the same ones). The
  cosine similarity of two sketches estimates that of the kernels (it
  is exact for kernels of at most `SKETCH_SIZE` values), and a hash of
  all the arrays says whether they are identical;
- how the run came to be, which a copy cannot change cheaply: each
  event file's hash, size, and the host, process and creation time in
  its name; the wall times of its events; the training's epoch-end
  times and durations from results.json; the seed and platform that
  config.json records.

Two honest students who both keep the default seed on the same kind of
machine can hand in identical weights; their event files, wall times
and hosts still differ, which is what `grading.copies.similarity` reports.
"""

import hashlib
import re
from pathlib import Path

import numpy as np

from nin.report.events import read_wall_times

SKETCH_SIZE = 256
SKETCH_SEED = 20261201
SIGNIFICANT_DIGITS = 7
EVENT_NAME = re.compile(
    r"^events\.out\.tfevents\.(?P<created>\d+)\.(?P<host>.*)\."
    r"(?P<pid>\d+)\.\d+(\.v2|\.hparams)?$")
EVENT_FOLDERS = (".", "train", "test", "validation")
MAX_EVENT_FILES = 50
WEIGHTED = ("Conv2D", "Dense")


def signs(shape):
    """The fixed +-1 signs of the sketch of a kernel of this shape."""
    size = int(np.prod(shape))
    rng = np.random.default_rng([SKETCH_SEED, *map(int, shape)])
    return rng.integers(0, 2, size=size) * 2.0 - 1.0


def sketch(kernel):
    """The count sketch of one kernel: `SKETCH_SIZE` floats."""
    values = np.asarray(kernel, dtype="float64").reshape(-1)
    signed = values * signs(np.shape(kernel))
    padded = np.zeros(-(-len(signed) // SKETCH_SIZE) * SKETCH_SIZE)
    padded[:len(signed)] = signed
    return padded.reshape(-1, SKETCH_SIZE).sum(axis=0)


def _rounded(values):
    return [float(f"{value:.{SIGNIFICANT_DIGITS}g}") for value in values]


def weight_fingerprint(student):
    """{"shapes", "sketches", "sha256"} of a student's arrays (the
    kernels of conv and dense layers, in their saved order)."""
    arrays = student["arrays"]
    digest = hashlib.sha256()
    shapes, sketches = [], []
    for layer in student["layers"]:
        for array in arrays.get(layer["name"], []):
            digest.update(str(array.shape).encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        values = arrays.get(layer["name"])
        if layer["class"] in WEIGHTED and values:
            shapes.append(list(values[0].shape))
            sketches.append(_rounded(sketch(values[0])))
    return {"shapes": shapes, "sketches": sketches,
            "sha256": digest.hexdigest()}


def _file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def event_files(run_dir, max_bytes):
    """[{folder, sha256, bytes, host, pid, created}] of the run's event
    files (name parts None where the name is not TensorBoard's)."""
    found = []
    for folder in EVENT_FOLDERS:
        paths = sorted((Path(run_dir) / folder).glob("events.*"))
        for path in paths[:MAX_EVENT_FILES]:
            if not path.is_file() or path.stat().st_size > max_bytes:
                continue
            match = EVENT_NAME.match(path.name)
            parts = match.groupdict() if match else {}
            found.append({
                "folder": folder, "sha256": _file_sha256(path),
                "bytes": path.stat().st_size,
                "host": parts.get("host", "")[:80] or None,
                "pid": int(parts["pid"]) if parts.get("pid") else None,
                "created": int(parts["created"]) if parts.get("created")
                else None})
    return found


def training_times(results):
    """{"epoch_end_first", "epoch_end_last", "train_seconds"} from a
    results.json history, or {} when it has none."""
    history = results.get("history") if isinstance(results, dict) else None
    if not isinstance(history, list):
        return {}
    ends = [entry.get("wall_time") for entry in history
            if isinstance(entry, dict)]
    ends = [value for value in ends if isinstance(value, (int, float))]
    durations = [entry.get("epoch_train_s") for entry in history
                 if isinstance(entry, dict)]
    durations = [value for value in durations
                 if isinstance(value, (int, float))]
    return {"epoch_end_first": min(ends) if ends else None,
            "epoch_end_last": max(ends) if ends else None,
            "train_seconds": round(sum(durations), 3) if durations
            else None}


def run_fingerprint(run_dir, student, config, results, max_bytes):
    """The fingerprint of one run (see the module's docstring)."""
    wall_times = {}
    for split in ("train", "test"):
        times = read_wall_times(Path(run_dir) / split, max_bytes)
        if times:
            wall_times[split] = times
    environment = (config or {}).get("environment")
    seed = (config or {}).get("seed")
    return {"weights": weight_fingerprint(student),
            "events": event_files(run_dir, max_bytes),
            "event_wall_times": wall_times,
            "training": training_times(results or {}),
            "seed": seed if isinstance(seed, int) else None,
            "platform": str(environment.get("platform"))[:120]
            if isinstance(environment, dict) else None}


def foreign_fingerprint(student, logs_dir, max_bytes):
    """The fingerprint of a run a student's own Keras code made: the same
    weight part from its arrays (whichever reader read the file: a `.h5`
    copied from a classmate's `.keras` has the same sketches and hash),
    and the event files of its log folder where it has one."""
    if logs_dir is None:
        return {"weights": weight_fingerprint(student), "events": [],
                "event_wall_times": {}, "training": {}, "seed": None,
                "platform": None}
    return run_fingerprint(logs_dir, student, None, None, max_bytes)
