"""`labs/ensemble.py RUN_DIR RUN_DIR ...`: average saved runs' softmax on
the test set (`nin.evaluation.ensemble`).

Prints each member's test accuracy and the ensemble's, and writes them to
a JSON file (`--output`, never overwritten without `--overwrite`). Exit
codes: 0 done, 2 bad input, 4 a file could not be written.
"""

import argparse
import sys
from pathlib import Path

from callbacks import write_json_atomic
from nin.cli.exit_codes import EXIT_BAD_INPUT, EXIT_WRITE_FAILED
from nin.evaluation.ensemble import ensemble
from nin.validation import POSITIVE_INT


def make_parser():
    parser = argparse.ArgumentParser(
        prog="ensemble.py",
        description="Average the softmax of saved runs on the test set.")
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    parser.add_argument("--output", default="ensemble.json",
                        help="JSON file to write (default ensemble.json)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing --output file")
    parser.add_argument("--data-dir", default=None,
                        help="the dataset's folder, if it moved since "
                             "training")
    parser.add_argument("--batch-size", type=POSITIVE_INT.argument,
                        default=256)
    return parser


def print_table(report):
    width = max(len(m["run_dir"]) for m in report["members"]) + 2
    print(f"{'run':<{width}} test accuracy")
    for member in report["members"]:
        print(f"{member['run_dir']:<{width}} "
              f"{100 * member['test_accuracy']:.2f}%")
    print(f"{'ensemble (mean softmax)':<{width}} "
          f"{100 * report['ensemble_test_accuracy']:.2f}%  "
          f"({100 * report['gain_over_best_member']:+.2f} points over the "
          f"best member, {report['test_size']} {report['dataset']} test "
          "images)")


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    output = Path(args.output)
    try:
        if output.exists() and not args.overwrite:
            raise ValueError(
                f"{output} exists; choose another --output or pass "
                "--overwrite")
        report = ensemble(args.run_dirs, args.data_dir, args.batch_size)
    except ValueError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    print_table(report)
    try:
        write_json_atomic(output, report)
    except OSError as error:
        parser.exit(EXIT_WRITE_FAILED, f"{parser.prog}: error: could not "
                    f"write {output} ({error})\n")
    print(f"Written: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
