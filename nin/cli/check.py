"""`labs/check.py`: the public checks of the lab's parts, then a smoke.

Prints a line per part, `done`, `not yet` (it still raises the kit's
NotImplementedError), `waits` (it needs another part first) or `wrong`
(what was expected, what was received), then, once every part is done,
trains a short run on digits (`nin.assignment.smoke`; `--no-smoke` to
skip it). Exit code 0 when every part is done and the smoke passed (or
was skipped), 1 otherwise, 2 for bad options.
"""

import argparse
import sys

from nin.assignment import smoke
from nin.assignment.kit import load_kit
from nin.assignment.public_checks import (
    CHECKS, DONE, check_parts, format_results, part_names)
from nin.cli.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED
from nin.validation import POSITIVE_INT


def make_parser():
    parser = argparse.ArgumentParser(
        prog="check.py", description="Check the lab's parts you wrote.")
    parser.add_argument("--part", action="append", choices=sorted(CHECKS),
                        help="check only this part (repeatable)")
    parser.add_argument("--no-smoke", dest="smoke", action="store_false",
                        help="skip the short training run on digits")
    parser.add_argument("--smoke-epochs", type=POSITIVE_INT.argument,
                        default=smoke.DEFAULT_EPOCHS,
                        help=f"epochs of the smoke (default "
                             f"{smoke.DEFAULT_EPOCHS})")
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        names = args.part or part_names(load_kit())
    except ValueError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    results = check_parts(names)
    print(format_results(results), flush=True)
    all_done = all(status == DONE for _, status, _ in results)
    if not all_done:
        return EXIT_FAILED
    if not args.smoke:
        return 0
    print("smoke: training on digits...", flush=True)
    passed, line = smoke.run_smoke(args.smoke_epochs)
    print(f"smoke  {'done' if passed else 'wrong'}  {line}")
    return 0 if passed else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
