"""`labs/grade.py`: grade a class of Lab 4 submissions, or write the
Gradescope autograder that grades them there.

    python labs/grade.py SUBMISSIONS --out OUT [--dataset cifar10]
        [--data-dir D] [--rubric FILE] [--only STUDENT] [--timeout S]
        [--jobs N] [--memory-mb MB] [--precision auto] [--device cpu]
    python labs/grade.py --gradescope-bundle autograder.zip
        [--rubric FILE] [--dataset cifar10 --data-dir D] [--timeout S]
        [--memory-mb MB] [--precision auto]

SUBMISSIONS holds one folder or `.zip` per student, with the run folders
that `labs/lab4.py` wrote. Each student is graded in a sandboxed worker
(resource limits, timeout, no network); their models are rebuilt from our
code and re-evaluated, never loaded as code. Writes
`OUT/STUDENT/results.json` (Gradescope format), `OUT/STUDENT/feedback.md`
and `OUT/gradebook.csv`, with possible copies across the class flagged.
`--gradescope-bundle` writes the zip Gradescope's autograder settings take
instead (`grading.bundle`). Exit codes: 0 done (whatever the grades),
2 bad input (one-line message).
"""

import argparse
import sys
from pathlib import Path

from grading.bundle import DEFAULT_TIMEOUT_S, write_bundle
from grading.context import PRECISIONS
from grading.grader import Settings, grade_class
from grading.rubric import load_rubric
from grading.sandbox import Limits
from nin.cli.exit_codes import EXIT_BAD_INPUT
from nin.data import list_datasets
from nin.validation import POSITIVE, POSITIVE_INT

DEFAULT_TIMEOUT_S_LOCAL = 3600.0


def make_parser():
    parser = argparse.ArgumentParser(
        prog="grade.py", description="Grade Lab 4 submissions safely.")
    add = parser.add_argument
    add("submissions", nargs="?",
        help="folder with one folder or .zip per student")
    add("--out", help="output folder (created if needed)")
    add("--gradescope-bundle", metavar="ZIP", default=None,
        help="write a Gradescope autograder zip instead of grading")
    add("--dataset", default="cifar10", choices=list_datasets(),
        help="test set to re-measure accuracy on (default cifar10)")
    add("--data-dir", default=None,
        help="folder with the CIFAR python-format archive (required for "
             "CIFAR: the grader never downloads)")
    add("--rubric", default=None,
        help="rubric JSON (default grading/rubric.json)")
    add("--only", default=None, help="regrade this one student")
    add("--timeout", type=POSITIVE.argument, default=None,
        help=f"seconds per student for the sandboxed worker (default "
             f"{DEFAULT_TIMEOUT_S_LOCAL:g}; {DEFAULT_TIMEOUT_S} in a "
             "Gradescope bundle)")
    add("--jobs", type=POSITIVE_INT.argument, default=1,
        help="students graded at once, one worker each (default 1)")
    add("--memory-mb", type=POSITIVE.argument, default=8192,
        help="memory limit of the worker in MB (default 8192)")
    add("--precision", default="auto", choices=PRECISIONS,
        help="re-measurement precision: auto (bf16 where the hardware "
             "has it, float32's accuracy kept by a recheck), bf16, fp32")
    add("--device", default="cpu", choices=("cpu", "gpu"),
        help="re-measure on the CPU (default) or the machine's GPU")
    return parser


def check_paths(args):
    if args.gradescope_bundle is not None:
        if args.submissions or args.out or args.only:
            raise ValueError("--gradescope-bundle writes the autograder "
                             "only: give no SUBMISSIONS, --out or --only")
        if args.device != "cpu":
            raise ValueError("--device gpu: Gradescope has no GPUs")
    elif args.submissions is None or args.out is None:
        raise ValueError("give SUBMISSIONS and --out (or "
                         "--gradescope-bundle ZIP)")
    else:
        _check_class_paths(Path(args.submissions), Path(args.out))
    if args.dataset.startswith("cifar") and args.data_dir is None:
        raise ValueError(
            f"--data-dir is required for {args.dataset}: the grader never "
            "downloads. Pass the folder holding the CIFAR python-format "
            "archive (or its extracted folder).")
    if args.data_dir is not None and not Path(args.data_dir).exists():
        raise ValueError(f"--data-dir {args.data_dir} does not exist")


def _check_class_paths(submissions, out):
    if not submissions.is_dir():
        raise ValueError(f"{submissions} is not a folder of submissions")
    inside = out.resolve() == submissions.resolve() or \
        submissions.resolve() in out.resolve().parents
    if inside:
        raise ValueError("--out must not be inside SUBMISSIONS (it would "
                         "be graded as a student)")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")


def run(args):
    rubric = load_rubric(args.rubric)  # validated before anything else
    data_dir = str(Path(args.data_dir).resolve()) if args.data_dir \
        else None
    if args.gradescope_bundle is not None:
        write_bundle(args.gradescope_bundle, args.rubric, args.dataset,
                     data_dir, args.timeout or DEFAULT_TIMEOUT_S,
                     int(args.memory_mb), args.precision)
        return f"Gradescope autograder: {args.gradescope_bundle}"
    settings = Settings(
        out=Path(args.out), rubric=rubric, dataset=args.dataset,
        data_dir=data_dir, precision=args.precision,
        limits=Limits(timeout_s=args.timeout or DEFAULT_TIMEOUT_S_LOCAL,
                      memory_mb=int(args.memory_mb),
                      gpu=args.device == "gpu"))
    grade_class(Path(args.submissions), settings, only=args.only,
                jobs=args.jobs)
    return f"Gradebook: {Path(args.out) / 'gradebook.csv'}"


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        check_paths(args)
        done = run(args)
    except ValueError as error:  # bad input: one line, no traceback
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    print(done)
    return 0


if __name__ == "__main__":
    sys.exit(main())
