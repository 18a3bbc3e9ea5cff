"""`labs/submit.py`: pack submission.zip for the course's grader.

    python labs/submit.py [--logdir logs] [--output submission.zip]

Checks that every run the lab requires is in LOGDIR (kit.json's `runs`),
runs the public checks (`labs/check.py --no-smoke`; a part not done is
said, not refused: you may hand in what you have), then writes the zip
of `nin.assignment.submission`. Refused, with exit code 2 and nothing
written: a missing or unfinished run, an existing output file (never
overwritten), a zip above --max-mb. Exit code 0 when the zip is written.
"""

import argparse
import sys

from nin.assignment.kit import KIT_FILE, kit_root, load_kit
from nin.assignment.public_checks import (
    DONE, check_parts, format_results, part_names)
from nin.assignment.submission import (
    DEFAULT_MAX_MB, MEGABYTE, check_output, collect, write_submission)
from nin.cli.exit_codes import EXIT_BAD_INPUT
from nin.validation import POSITIVE


def make_parser():
    parser = argparse.ArgumentParser(
        prog="submit.py", description="Pack submission.zip: your code and "
                                      "the lab's runs.")
    parser.add_argument("--logdir", default="logs",
                        help="the folder holding your run folders "
                             "(default logs)")
    parser.add_argument("--output", default="submission.zip",
                        help="the zip to write (default submission.zip; "
                             "never overwritten)")
    parser.add_argument("--max-mb", type=POSITIVE.argument,
                        default=DEFAULT_MAX_MB,
                        help=f"the course's size limit in MB (default "
                             f"{DEFAULT_MAX_MB})")
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        kit = load_kit()
        if kit is None:
            raise ValueError(f"Expected the starter kit's {KIT_FILE} "
                             "(written by labs/release.py). Received: none; "
                             "submit from the kit you were given")
        check_output(args.output)
        entries = collect(kit, args.logdir, kit_root())
        results = check_parts(part_names(kit))
        text = format_results(results)
        print(text, flush=True)
        size = write_submission(args.output, entries, text + "\n",
                                args.max_mb)
    except ValueError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    except OSError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: could not read "
                                    f"or write a file: {error}\n")
    waiting = [name for name, status, _ in results if status != DONE]
    if waiting:
        print(f"Note: part(s) {', '.join(waiting)} are not done; the zip "
              "holds them as they are.")
    print(f"Wrote {args.output} ({size / MEGABYTE:.1f} MB): "
          f"{len(kit['code'])} code file(s), {len(kit['runs'])} run(s). "
          "Upload it as your submission.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
