"""Grade one Gradescope submission: what the bundle's `run_autograder` runs.

    python -m grading.platforms.gradescope --root /autograder

Gradescope puts the student's files in `ROOT/submission` and shows
`ROOT/results/results.json` (gradescope/autograder_samples, docs/specs.md).
The submission is graded exactly as `labs/grade.py` grades a student
(`grading.grader.grade_student`: the same checks, sandbox and rubric),
with the settings `labs/grade.py --gradescope-bundle` wrote into
`ROOT/source/bundle.json`. A results.json is always written:

- first a provisional one (score 0, "did not finish"), so a grader killed
  from outside still leaves valid JSON;
- the worker's own time limit is below Gradescope's, so a slow or stuck
  submission gets its finished runs' points and the reason, not
  Gradescope's bare timeout;
- any error of the grader itself becomes a result that says so;
- and `run_autograder` writes one if this module cannot even start.

`ROOT` is a parameter so that a test can lay out a fake autograder root.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from callbacks.atomic import write_json_atomic

BUNDLE_SETTINGS = "bundle.json"
STUDENT = "submission"
WORK = "grading"  # ROOT/grading: the grader's OUT, scratch included
STDOUT_VISIBILITY = "hidden"  # the worker's log names files and paths


def results_path(root):
    return Path(root) / "results" / "results.json"


def bare_result(output, status):
    """A result that needs no rubric (the rubric may be what failed)."""
    return {"score": 0.0, "output": output, "tests": [],
            "stdout_visibility": STDOUT_VISIBILITY,
            "extra_data": {"status": status, "flags": [], "copies": []}}


def the_submission(folder):
    """The folder to grade: ROOT/submission, or the one .zip alone in it
    (a student who uploaded an archive Gradescope did not unpack)."""
    folder = Path(folder)
    entries = [path for path in folder.iterdir()
               if not path.name.startswith(".")] if folder.is_dir() else []
    if len(entries) == 1 and entries[0].suffix.lower() == ".zip" \
            and entries[0].is_file() and not entries[0].is_symlink():
        return entries[0]
    return folder


def load_settings(root):
    """grading.grader.Settings from ROOT/source/bundle.json."""
    from grading.grader import Settings
    from grading.rubric import load_rubric
    from grading.sandbox.process import Limits

    source = Path(root) / "source"
    bundle = json.loads((source / BUNDLE_SETTINGS).read_text())
    data_dir = source / bundle["data_dir"] if bundle.get("data_dir") \
        else None
    return Settings(
        out=Path(root) / WORK, rubric=load_rubric(source / bundle["rubric"]),
        dataset=bundle["dataset"],
        data_dir=str(data_dir) if data_dir else None,
        limits=Limits(timeout_s=float(bundle["timeout_s"]),
                      memory_mb=int(bundle["memory_mb"])),
        precision=bundle.get("precision", "auto"))


def grade(root):
    """The results.json dict for ROOT/submission; never raises."""
    from grading.grader import grade_student

    try:
        settings = load_settings(root)
    except Exception as error:  # a broken bundle: say so, score nothing
        return bare_result(f"The autograder is misconfigured "
                           f"({type(error).__name__}: {error}); please "
                           "tell the course staff.", "error")
    settings.out.mkdir(parents=True, exist_ok=True)
    try:
        return grade_student(STUDENT, the_submission(Path(root) / STUDENT),
                             settings)
    except Exception as error:
        from grading.report import results as report

        return report.failed(settings.rubric, f"autograder error: "
                             f"{type(error).__name__}: {error}")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m grading.platforms.gradescope",
        description="Grade /autograder/submission for Gradescope.")
    parser.add_argument("--root", default="/autograder",
                        help="the autograder root (default /autograder)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    path = results_path(args.root)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, bare_result(
        "Grading did not finish: the autograder was stopped (time or "
        "memory limit) before it could write a result.", "incomplete"))
    result = grade(args.root)
    result["execution_time"] = int(round(time.monotonic() - start))
    result["stdout_visibility"] = STDOUT_VISIBILITY
    write_json_atomic(path, result)
    extra = result["extra_data"]
    print(f"{result['score']:g} points ({extra['status']}) in "
          f"{result['execution_time']} s; results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
