"""`labs/bench_torch.py`: the same NIN hand-written in PyTorch, timed like
the bench (`nin.bench.torch_nin`).

    pip install torch          # not a requirement of the toolkit
    python labs/bench_torch.py --precision bf16 --compare

Prints one JSON object. Exit codes: 0 done, 2 bad input or no PyTorch.
"""

import argparse
import json
import sys

from nin.cli.exit_codes import EXIT_BAD_INPUT
from nin.validation import POSITIVE_INT


def make_parser():
    parser = argparse.ArgumentParser(prog="bench_torch.py")
    add = parser.add_argument
    add("--precision", default="fp32", choices=["fp32", "bf16"])
    add("--batch-size", type=POSITIVE_INT.argument, default=128)
    add("--steps", type=POSITIVE_INT.argument, default=4)
    add("--repeats", type=POSITIVE_INT.argument, default=3)
    add("--compare", action="store_true",
        help="also time the toolkit's fast path, in turns")
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        parser.exit(EXIT_BAD_INPUT, "bench_torch.py: error: PyTorch is not "
                    "installed (pip install torch); it is not a toolkit "
                    "requirement\n")
    from nin.bench.torch_nin import measure

    print(json.dumps(measure(args.precision, args.batch_size, args.steps,
                             args.repeats, compare=args.compare)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
