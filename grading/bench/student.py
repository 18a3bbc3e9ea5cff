"""One full-size student graded by the real grader (a benchmark).

`labs/bench_grading.py student` makes a submission of the rubric's 10
runs at full size (width 1.0), each a short real training run (1 epoch
on the synthetic set: a complete run folder, the weights hardly
trained; speed does not depend on them), writes a CIFAR-10-sized test
set of random images in CIFAR's file format unless `--data-dir` names
real files, and grades the student through `grading.cli` exactly as a
TA would: sandboxed worker, memory limit, every check. `--submission
DIR` keeps the submission in DIR (made there if DIR does not exist), so
other settings (`--precision fp32`, `taskset -c 0` for one CPU) grade
the same runs. It prints the
wall time, the seconds the gradebook records, the worker's peak
resident memory and each run's re-measurement time from grader.log.
No test runs this.
"""

import csv
import re
import tempfile
import time
from pathlib import Path

from grading import cli
from grading.rubric import load_rubric
from nin.training import RunConfig, train

TIMING = re.compile(r"^(?P<run>\S+): re-measured in (?P<seconds>[\d.]+) s "
                    r"\((?P<details>[^)]*)\)$", re.MULTILINE)


def full_size_submission(logs):
    """The rubric's runs, full size, trained 1 epoch on synthetic data."""
    for settings in load_rubric()["required"].values():
        train(RunConfig(**settings, dataset="synthetic", epochs=1,
                        width=1.0, logdir=str(logs)), verbose=0)


def measure_student(data_dir=None, memory_mb=8192, precision="auto",
                    submission=None):
    from nin.data.cifar import write_random_cifar

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        if data_dir is None:
            data_dir = base / "data"
            data_dir.mkdir()
            write_random_cifar(data_dir, per_batch=10000)
        submissions = Path(submission) if submission else \
            base / "submissions"
        if not submissions.exists():
            full_size_submission(submissions / "student" / "logs")
        out = base / "out"
        start = time.perf_counter()
        cli.main([str(submissions), "--out", str(out),
                  "--dataset", "cifar10", "--data-dir", str(data_dir),
                  "--memory-mb", str(memory_mb), "--precision", precision])
        wall = time.perf_counter() - start
        with open(out / "gradebook.csv", newline="") as handle:
            (row,) = csv.DictReader(handle)
        log = (out / "student" / "grader.log").read_text(errors="replace")
    runs = {match["run"]: f"{match['seconds']} s ({match['details']})"
            for match in TIMING.finditer(log)}
    return {"wall_s": round(wall, 1), "gradebook_seconds": row["seconds"],
            "status": row["status"], "score": row["score"],
            "worker_peak_rss_mb": row["peak_memory_mb"],
            "memory_limit_mb": memory_mb, **runs}
