"""`labs/bench_grading.py`: the grader's benchmarks (they print figures;
no test times anything).

    python labs/bench_grading.py speed [--act elu] [--no-bn] [--no-wi]
        [--images 10000] [--repeats 1] [--data-dir D] [--json]
    python labs/bench_grading.py student [--data-dir D] [--memory-mb 8192]
        [--precision auto] [--submission DIR] [--json]
    python labs/bench_grading.py precision [--epochs 6] [--json]
    python labs/bench_grading.py copies [--seeds 6] [--json]
    python labs/bench_grading.py foreign [--run-dir DIR] [--repeats 3]
        [--test-copies 1] [--precision auto] [--json]

`speed`: one full-size run re-measured the old way and the new way, in
turns (`grading.bench.speed`). `student`: one full-size student's 10
runs graded through the real sandboxed grader, with the worker's peak
memory (`grading.bench.student`). `precision`: bf16 against float32 on
trained full-size models (`grading.bench.precision`). `copies`: the
distribution of the copy-detection similarity on real tiny runs
(`grading.bench.copies`). `foreign`: a student's own Keras model
re-measured against our run folder of the same network and weights
(`grading.bench.foreign`).
Exit codes: 0 done, 2 bad input.
"""

import argparse
import sys

from nin.cli.exit_codes import EXIT_BAD_INPUT
from nin.cli.output import print_result
from nin.layers.activations import list_activations
from nin.validation import POSITIVE, POSITIVE_INT


def make_parser():
    parser = argparse.ArgumentParser(
        prog="bench_grading.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    speed = commands.add_parser("speed", help="one full-size run")
    speed.add_argument("--act", default="elu", choices=list_activations())
    speed.add_argument("--no-bn", action="store_true")
    speed.add_argument("--no-wi", action="store_true")
    speed.add_argument("--images", type=POSITIVE_INT.argument,
                       default=10000)
    speed.add_argument("--repeats", type=POSITIVE_INT.argument, default=1)
    speed.add_argument("--data-dir", default=None,
                       help="real CIFAR-10 files (default: random images)")
    student = commands.add_parser("student",
                                  help="one full-size student, graded")
    student.add_argument("--data-dir", default=None)
    student.add_argument("--memory-mb", type=POSITIVE.argument,
                         default=8192)
    student.add_argument("--precision", default="auto",
                         choices=("auto", "bf16", "fp32"))
    student.add_argument("--submission", default=None,
                         help="keep (or reuse) the submission in this "
                              "folder")
    precision = commands.add_parser("precision",
                                    help="bf16 against float32")
    precision.add_argument("--epochs", type=POSITIVE_INT.argument,
                           default=6)
    copies = commands.add_parser("copies", help="copy-detection study")
    copies.add_argument("--seeds", type=POSITIVE_INT.argument, default=6)
    foreign = commands.add_parser(
        "foreign", help="a student's own model against a toolkit run")
    foreign.add_argument("--run-dir", default=None,
                         help="one of our run folders (default: train a "
                              "small one on the digits)")
    foreign.add_argument("--repeats", type=POSITIVE_INT.argument,
                         default=3)
    foreign.add_argument("--test-copies", type=POSITIVE_INT.argument,
                         default=1, help="time on the test set repeated "
                                         "K times")
    foreign.add_argument("--precision", default="auto",
                         choices=("auto", "bf16", "fp32"))
    for command in (speed, student, precision, copies, foreign):
        command.add_argument("--json", action="store_true",
                             help="print one JSON object")
    return parser


def run(args):
    if args.command == "speed":
        from grading.bench.speed import measure_speed

        return measure_speed(args.act, not args.no_bn, not args.no_wi,
                             args.images, args.repeats, args.data_dir)
    if args.command == "student":
        from grading.bench.student import measure_student

        return measure_student(args.data_dir, int(args.memory_mb),
                               args.precision, args.submission)
    if args.command == "precision":
        from grading.bench.precision import measure_precision

        return measure_precision(args.epochs)
    if args.command == "foreign":
        from grading.bench.foreign import measure_foreign_speed

        return measure_foreign_speed(args.run_dir, args.repeats,
                                     args.precision, args.test_copies)
    from grading.bench.copies import measure_copies

    return measure_copies(args.seeds)


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        result = run(args)
    except ValueError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    print_result(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
