"""`labs/bench.py`: training speed of one lab run on synthetic
CIFAR-shaped data (`nin.bench.training_speed`).

    python labs/bench.py                      # ELU+BN+WI, NIN, batch 128
    python labs/bench.py --precision fp32 --json

Prints a table of every figure, or one JSON object with `--json`. The
run's flags are lab4.py's (defaults: ELU+BN+WI). Exit codes: 0 done,
2 bad input.
"""

import argparse
import sys

from nin.bench.training_speed import (
    BENCH_RUN,
    CPU_STEPS,
    STEPS_PER_EPOCH,
    bench_config,
    measure,
)
from nin.cli.exit_codes import EXIT_BAD_INPUT
from nin.cli.output import print_result
from nin.cli.run_flags import add_run_flags
from nin.validation import POSITIVE_INT

RUN_FLAGS = ("model", "activation", "batch_norm", "he_init", "width",
             "batch_size", "precision", "jit", "steps_per_execution")


def make_parser():
    parser = argparse.ArgumentParser(
        prog="bench.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_flags(parser, only=RUN_FLAGS, defaults=BENCH_RUN)
    add = parser.add_argument
    add("--steps", type=POSITIVE_INT.argument, default=None,
        help=f"steps of a timed epoch (default: a whole CIFAR-10 epoch, "
        f"{STEPS_PER_EPOCH}, on a GPU; {CPU_STEPS} on a CPU)")
    add("--repeats", type=POSITIVE_INT.argument, default=5)
    add("--no-baseline", action="store_true",
        help="skip the plain Keras fp32 baseline")
    add("--no-bn-overhead", action="store_true",
        help="skip the no-BN measurement")
    add("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        config = bench_config(**{name: getattr(args, name)
                                 for name in RUN_FLAGS})
        result = measure(config, args.steps, args.repeats,
                         baseline=not args.no_baseline,
                         bn_overhead=not args.no_bn_overhead)
    except ValueError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    print_result(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
