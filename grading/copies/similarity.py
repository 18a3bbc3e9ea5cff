"""Copied runs across a class: flag pairs, say what was found, no penalty.

Each graded student has `OUT/STUDENT/fingerprints.json` (made in the
sandbox by `grading.copies.fingerprint`). Two runs are flagged when

- their weights are nearly identical: the similarity, the mean over
  their conv/dense kernels of the cosine similarity of the kernels'
  sketches, is at least `THRESHOLD` (runs whose kernels have the same
  shapes are compared, of different students, or of one student's
  different runs); or
- they share an event file (byte-identical curves).

Runs trained from different seeds have similarities near 0 and a copy
with noise added keeps one near 1 until the noise ruins its accuracy
(measured in docs/grading.md, `labs/bench_grading.py copies`), hence
`THRESHOLD`. What tells a copy from two students who both trained with
the default seed on the same kind of machine (identical weights, honestly)
is what a copy cannot change cheaply: identical event files and training
times say "copied"; different event files, epoch-end times or hosts say
"trained separately". Both students' rows and feedback name the other
student, the run and what was found; the grade is left to the TA.
"""

import datetime
import json
from pathlib import Path

import numpy as np

FINGERPRINTS = "fingerprints.json"
THRESHOLD = 0.9
SHOWN_RUNS = 4


def load_fingerprints(out, students):
    """{(student, run): fingerprint} of every well-formed fingerprint."""
    found = {}
    for student in students:
        path = Path(out) / student / FINGERPRINTS
        try:
            runs = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        for run, entry in (runs.items() if isinstance(runs, dict) else ()):
            if _well_formed(entry):
                found[(student, run)] = entry
    return found


def _well_formed(entry):
    try:
        weights = entry["weights"]
        return (len(weights["shapes"]) == len(weights["sketches"]) > 0
                and all(len(values) > 0 for values in weights["sketches"])
                and isinstance(weights["sha256"], str)
                and isinstance(entry["events"], list))
    except (KeyError, TypeError):
        return False


def similarities(fingerprints):
    """{(key_a, key_b): similarity} for every pair with the same kernel
    shapes (key_a < key_b)."""
    groups = {}
    for key, entry in fingerprints.items():
        shapes = json.dumps(entry["weights"]["shapes"])
        groups.setdefault(shapes, []).append(key)
    pairs = {}
    for keys in groups.values():
        if len(keys) < 2:
            continue
        keys = sorted(keys)
        stacked = np.array([fingerprints[key]["weights"]["sketches"]
                            for key in keys], dtype="float64")
        norms = np.linalg.norm(stacked, axis=2, keepdims=True)
        unit = stacked / np.where(norms > 0, norms, 1.0)
        matrix = np.einsum("alk,blk->ab", unit, unit) / unit.shape[1]
        for a in range(len(keys)):
            for b in range(a + 1, len(keys)):
                pairs[(keys[a], keys[b])] = float(matrix[a, b])
    return pairs


def suspicious_pairs(fingerprints, threshold=THRESHOLD):
    """[(key_a, key_b, similarity or None, shared event hashes)], sorted:
    nearly identical weights, or an event file in common."""
    close = {pair: value for pair, value in similarities(
        fingerprints).items() if value >= threshold}
    holders = {}
    for key, entry in fingerprints.items():
        for event in entry["events"]:
            holders.setdefault(event["sha256"], set()).add(key)
    shared = {}
    for digest, keys in holders.items():
        keys = sorted(keys)
        for index, first in enumerate(keys):
            for second in keys[index + 1:]:
                shared.setdefault((first, second), set()).add(digest)
    return [(first, second, close.get((first, second)),
             shared.get((first, second), set()))
            for first, second in sorted(set(close) | set(shared))]


def _when(seconds):
    return datetime.datetime.fromtimestamp(
        seconds, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _trained(entry):
    """(last epoch's end time, hosts) of a run, as far as recorded."""
    training = entry.get("training") or {}
    end = training.get("epoch_end_last")
    if not isinstance(end, (int, float)):
        times = (entry.get("event_wall_times") or {}).get("train")
        end = times[1] if isinstance(times, list) and len(times) == 2 \
            else None
    hosts = sorted({str(event.get("host")) for event in entry["events"]
                    if event.get("host")})
    return end, hosts


def evidence(first, second, shared):
    """One sentence: copied, or trained separately, and why."""
    if shared:
        return (f"{len(shared)} event file(s) are byte-identical (same "
                "curves and wall times): copied, not trained again")
    (end_a, hosts_a), (end_b, hosts_b) = _trained(first), _trained(second)
    if end_a is None or end_b is None:
        return "no training times recorded to tell a copy from a rerun"
    if abs(end_a - end_b) < 1e-3:
        return ("identical training times in results.json: copied, not "
                "trained again")
    where = [f"{_when(end)}" + (f" on host {', '.join(hosts)[:60]!r}"
                                if hosts else "")
             for end, hosts in ((end_a, hosts_a), (end_b, hosts_b))]
    text = f"trained separately (finished {where[0]} and {where[1]})"
    seeds = {first.get("seed"), second.get("seed")}
    if len(seeds) == 1 and None not in seeds:
        seed = seeds.pop()
        text += f"; both used seed {seed}"
        if seed == default_seed():
            text += (", the default: two honest runs can be identical; "
                     "students should use their own --seed")
    return text


def default_seed():
    from nin.training.config import RunConfig

    return RunConfig().seed


def _kind(first, second, similarity):
    if first["weights"]["sha256"] == second["weights"]["sha256"]:
        return "identical weights"
    if similarity is not None and similarity >= THRESHOLD:
        return "nearly identical weights"
    return "different weights"


def student_flags(fingerprints, threshold=THRESHOLD):
    """{student: [flag text]} naming the other student, the runs and what
    was found; students with nothing found are absent."""
    grouped = {}
    for first, second, similarity, shared in suspicious_pairs(
            fingerprints, threshold):
        a, b = fingerprints[first], fingerprints[second]
        kind, found = _kind(a, b, similarity), evidence(a, b, shared)
        for mine, theirs in ((first, second), (second, first)):
            key = (mine[0], theirs[0], kind, found)
            entry = grouped.setdefault(key, {"runs": [], "lowest": 1.0})
            if mine[0] == theirs[0]:
                entry["runs"].append(f"{mine[1]} = {theirs[1]}")
            else:
                entry["runs"].append(mine[1] if mine[1] == theirs[1]
                                     else f"{mine[1]} (their {theirs[1]})")
            if similarity is not None:
                entry["lowest"] = min(entry["lowest"], similarity)
            if mine[0] == theirs[0]:
                break  # one flag for a student's own pair of runs
    flags = {}
    for (student, other, kind, found), entry in sorted(grouped.items()):
        runs = sorted(set(entry["runs"]))
        shown = ", ".join(runs[:SHOWN_RUNS]) + (
            f" and {len(runs) - SHOWN_RUNS} more" if len(runs) > SHOWN_RUNS
            else "")
        if kind == "nearly identical weights":
            kind += f" (similarity >= {entry['lowest']:.4f})"
        where = (f"in your own runs {shown}" if student == other else
                 f"to {other}'s in {len(runs)} run(s) ({shown})")
        flags.setdefault(student, []).append(
            f"possible copy: {kind} {where}; {found}")
    return flags
