"""`labs/report.py LOGDIR`: write the lab's results section.

Reads every run of LOGDIR and writes `LOGDIR/report/` (report.md,
report.csv and the figures; `nin.report.lab_report`), then prints Table 2.
Exit code 0, or 2 with a one-line message when LOGDIR holds no run.
"""

import argparse
import sys
from pathlib import Path

from nin.cli.exit_codes import EXIT_BAD_INPUT
from nin.report.lab_report import write_report
from nin.report.table import markdown_table


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="report.py",
        description="Write LOGDIR/report/: Table 2 (report.md, report.csv) "
                    "and the accuracy/loss figures of the lab's runs.")
    parser.add_argument("logdir", help="the folder holding the run folders")
    parser.add_argument("--model", default="nin",
                        help="model of the runs (folder prefix for models "
                             "other than nin, e.g. vgg-ELU+BN)")
    args = parser.parse_args(argv)
    if not Path(args.logdir).is_dir():
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {args.logdir} "
                                    "is not a folder\n")
    try:
        out, rows = write_report(args.logdir, args.model)
    except ValueError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    print(markdown_table(rows))
    print(f"\nWrote {out / 'report.md'}, report.csv and the figures.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
