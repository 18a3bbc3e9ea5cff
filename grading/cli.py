"""`labs/grade.py`: grade a class of Lab 4 submissions.

    python labs/grade.py SUBMISSIONS --out OUT [--dataset cifar10]
        [--data-dir D] [--rubric FILE] [--only STUDENT] [--timeout S]
        [--jobs N] [--memory-mb MB]

SUBMISSIONS holds one folder or `.zip` per student, with the run folders
that `labs/lab4.py` wrote. Each student is graded in a sandboxed worker
(resource limits, timeout, no network); their models are rebuilt from our
code and re-evaluated, never loaded as code. Writes
`OUT/STUDENT/results.json` (Gradescope format), `OUT/STUDENT/feedback.md`
and `OUT/gradebook.csv`. Exit codes: 0 done (whatever the grades),
2 bad input (one-line message).
"""

import argparse
import sys
from pathlib import Path

from grading.grader import Settings, grade_class
from grading.rubric import load_rubric
from grading.sandbox import Limits
from nin.cli.exit_codes import EXIT_BAD_INPUT
from nin.data import list_datasets
from nin.validation import POSITIVE, POSITIVE_INT


def make_parser():
    parser = argparse.ArgumentParser(
        prog="grade.py", description="Grade Lab 4 submissions safely.")
    add = parser.add_argument
    add("submissions", help="folder with one folder or .zip per student")
    add("--out", required=True, help="output folder (created if needed)")
    add("--dataset", default="cifar10", choices=list_datasets(),
        help="test set to re-measure accuracy on (default cifar10)")
    add("--data-dir", default=None,
        help="folder with the CIFAR python-format archive (required for "
             "CIFAR: the grader never downloads)")
    add("--rubric", default=None,
        help="rubric JSON (default grading/rubric.json)")
    add("--only", default=None, help="regrade this one student")
    add("--timeout", type=POSITIVE.argument, default=3600.0,
        help="seconds per student for the sandboxed worker (default 3600)")
    add("--jobs", type=POSITIVE_INT.argument, default=1,
        help="students graded at once, one worker each (default 1)")
    add("--memory-mb", type=POSITIVE.argument, default=8192,
        help="address-space limit of the worker in MB (default 8192)")
    return parser


def check_paths(args):
    submissions, out = Path(args.submissions), Path(args.out)
    if not submissions.is_dir():
        raise ValueError(f"{submissions} is not a folder of submissions")
    inside = out.resolve() == submissions.resolve() or \
        submissions.resolve() in out.resolve().parents
    if inside:
        raise ValueError("--out must not be inside SUBMISSIONS (it would "
                         "be graded as a student)")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    if args.dataset.startswith("cifar") and args.data_dir is None:
        raise ValueError(
            f"--data-dir is required for {args.dataset}: the grader never "
            "downloads. Pass the folder holding the CIFAR python-format "
            "archive (or its extracted folder).")
    if args.data_dir is not None and not Path(args.data_dir).exists():
        raise ValueError(f"--data-dir {args.data_dir} does not exist")


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        check_paths(args)
        data_dir = str(Path(args.data_dir).resolve()) if args.data_dir \
            else None
        settings = Settings(
            out=Path(args.out), rubric=load_rubric(args.rubric),
            dataset=args.dataset, data_dir=data_dir,
            limits=Limits(timeout_s=args.timeout,
                          memory_mb=int(args.memory_mb)))
        grade_class(Path(args.submissions), settings, only=args.only,
                    jobs=args.jobs)
    except ValueError as error:  # bad input: one line, no traceback
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    print(f"Gradebook: {Path(args.out) / 'gradebook.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
