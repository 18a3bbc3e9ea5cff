"""`labs/release.py OUT`: write the starter kit and the autograder.

    python labs/release.py OUT [--config release.json] [--rubric FILE]
        [--dataset cifar10 --data-dir D] [--memory-mb MB]

OUT must be new or empty. Writes OUT/student/ (publish it) and
OUT/autograder/autograder.zip (Gradescope's autograder), see
grading.assignment.release and docs/teaching.md. Exit code 0, or 2 with
one line naming the problem (nothing is left in OUT).
"""

import argparse
import sys

from grading.assignment.markers import DEFAULT_CONFIG
from grading.assignment.release import release
from grading.platforms.bundle import DEFAULT_MEMORY_MB
from nin.cli.exit_codes import EXIT_BAD_INPUT
from nin.data import list_datasets
from nin.validation import POSITIVE


def make_parser():
    parser = argparse.ArgumentParser(
        prog="release.py", description="Write the lab's starter kit "
                                       "(OUT/student) and autograder.")
    add = parser.add_argument
    add("out", help="a new or empty folder")
    add("--config", default=None,
        help=f"release config: the parts to blank (default {DEFAULT_CONFIG})")
    add("--rubric", default=None,
        help="rubric JSON (default grading/rubric.json): the runs to hand "
             "in, and the autograder's rubric")
    add("--dataset", default="cifar10", choices=list_datasets(),
        help="the autograder's test set (default cifar10)")
    add("--data-dir", default=None,
        help="its files, put in the autograder (CIFAR: the python-format "
             "archive's folder)")
    add("--memory-mb", type=POSITIVE.argument, default=DEFAULT_MEMORY_MB,
        help=f"the autograder worker's memory limit (default "
             f"{DEFAULT_MEMORY_MB})")
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        summary = release(args.out, args.config, args.rubric, args.dataset,
                          args.data_dir, int(args.memory_mb))
    except (ValueError, OSError) as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    print(f"Starter kit: {summary['student']} (blanked: "
          f"{', '.join(summary['blanked']) or 'none'}; required runs: "
          f"{len(summary['runs'])})")
    print(f"Gradescope autograder: {summary['autograder']} "
          f"(test set {summary['dataset']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
