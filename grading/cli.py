"""`labs/grade.py`: grade a class of Lab 4 submissions, or write the
Gradescope autograder that grades them there.

    python labs/grade.py SUBMISSIONS --out OUT [--dataset cifar10]
        [--data-dir D] [--rubric FILE] [--only STUDENT] [--timeout S]
        [--jobs N] [--memory-mb MB] [--precision auto] [--device cpu]
    python labs/grade.py SUBMISSIONS --out OUT --slurm
        [--slurm-args 'OPTIONS'] [the options above]
    python labs/grade.py SUBMISSIONS --out OUT --status
    python labs/grade.py SUBMISSIONS --out OUT --gradebook-only
    python labs/grade.py --gradescope-bundle autograder.zip
        [--rubric FILE] [--dataset cifar10 --data-dir D] [--timeout S]
        [--memory-mb MB] [--precision auto]

SUBMISSIONS holds one folder or `.zip` per student, with the run folders
that `labs/lab4.py` wrote. Each student is graded in a sandboxed worker
(resource limits, timeout, no network); their models are rebuilt from our
code and re-evaluated, never loaded as code. Writes
`OUT/STUDENT/results.json` (Gradescope format), `OUT/STUDENT/feedback.md`
and `OUT/gradebook.csv`, with possible copies across the class flagged.
`--slurm` grades the class on a Slurm cluster instead, one array task per
student and a job after them that writes the gradebook
(`grading.platforms.slurm`); `--status` says where each student stands.
`--gradescope-bundle` writes the zip Gradescope's autograder settings take
instead (`grading.platforms.bundle`). Exit codes: 0 done (whatever the
grades), 2 bad input (one-line message).
"""

import argparse
import sys
from pathlib import Path

from grading.grader import Settings, finish_class, grade_class
from grading.platforms.bundle import (
    DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, write_bundle)
from grading.platforms.slurm import status_lines, submit_class
from grading.rubric import load_rubric
from grading.sandbox.context import PRECISIONS
from grading.sandbox.process import Limits
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
    add("--memory-mb", type=POSITIVE.argument, default=DEFAULT_MEMORY_MB,
        help=f"memory limit of the worker in MB (default "
             f"{DEFAULT_MEMORY_MB})")
    add("--precision", default="auto", choices=PRECISIONS,
        help="re-measurement precision: auto (bf16 where the hardware "
             "has it, float32's accuracy kept by a recheck), bf16, fp32")
    add("--device", default="cpu", choices=("cpu", "gpu"),
        help="re-measure on the CPU (default) or the machine's GPU")
    add("--slurm", action="store_true",
        help="grade on Slurm: one array task per student (requeued if "
             "preempted), then a job that writes the gradebook; exits "
             "once submitted")
    add("--slurm-args", default="", metavar="'OPTIONS'",
        help="sbatch options for every task, quoted: '--time=1:00:00 "
             "--mem=10G -p cpu' (one option alone: --slurm-args=--mem=10G)")
    add("--status", action="store_true",
        help="print where each student stands (graded, score, Slurm "
             "task) and exit")
    add("--no-gradebook", action="store_true",
        help="with --only: write that student's files only, not the "
             "gradebook or copy flags (what each Slurm task runs)")
    add("--gradebook-only", action="store_true",
        help="grade nobody: flag copies and write the gradebook from the "
             "students already graded in OUT (the job after the tasks)")
    return parser


MODES = ("slurm", "status", "gradebook_only", "gradescope_bundle")


def check_modes(args):
    """A ValueError for modes and flags that do not go together."""
    chosen = [f"--{mode.replace('_', '-')}" for mode in MODES
              if getattr(args, mode) not in (None, False)]
    if len(chosen) > 1:
        raise ValueError(f"give one of {', '.join(chosen)}, not several")
    if args.slurm_args and not args.slurm:
        raise ValueError("--slurm-args goes with --slurm")
    if args.slurm and args.jobs != 1:
        raise ValueError("--jobs is for this machine; on Slurm every "
                         "student is a task of its own")
    if args.no_gradebook and (args.only is None or chosen):
        raise ValueError("--no-gradebook goes with --only STUDENT (one "
                         "student graded, the gradebook left alone)")
    if (args.gradebook_only or args.status) and args.only is not None:
        raise ValueError("--gradebook-only and --status cover the whole "
                         "class: give no --only")


def check_paths(args):
    check_modes(args)
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
    grades = not (args.status or args.gradebook_only)
    if grades and args.dataset.startswith("cifar") and args.data_dir is None:
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
    if args.status:
        return "\n".join(status_lines(args))
    if args.slurm:
        array, gradebook, count = submit_class(args)
        return (f"Submitted Slurm job {array}: {count} task(s), one per "
                f"student, each requeued if preempted; job {gradebook} "
                "writes the gradebook once they have all ended.\n"
                f"Follow it: squeue -j {array},{gradebook}, or this command "
                "with --status instead of --slurm. Each student's output: "
                "OUT/STUDENT/slurm.log; the gradebook: "
                f"{Path(args.out) / 'gradebook.csv'}")
    settings = Settings(
        out=Path(args.out), rubric=rubric, dataset=args.dataset,
        data_dir=data_dir, precision=args.precision,
        limits=Limits(timeout_s=args.timeout or DEFAULT_TIMEOUT_S_LOCAL,
                      memory_mb=int(args.memory_mb),
                      gpu=args.device == "gpu"))
    if args.gradebook_only:
        finish_class(Path(args.submissions), settings)
    else:
        grade_class(Path(args.submissions), settings, only=args.only,
                    jobs=args.jobs, gradebook=not args.no_gradebook)
    if args.no_gradebook:
        return f"Graded {args.only}: {Path(args.out) / args.only}"
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
