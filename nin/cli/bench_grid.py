"""`labs/bench_grid.py`: the lab's grid trained with N runs at once, for
each N asked, timed (`nin.bench.grid_speed`).

    python labs/bench_grid.py --work /tmp/bench-grid --jobs 5,1,2,3 \\
        --epochs 2 --data-dir DIR        # DIR: CIFAR-sized files

Options it does not know go to every grid.py pass (`--data-dir`,
`--dataset`, `--width`, `--precision`, ...). Prints one JSON line per
pass, then a table; `--json FILE` writes them all. Exit codes: 0 done,
2 bad input, 1 a pass failed.
"""

import argparse
import json
import sys
from pathlib import Path

from nin.bench.grid_speed import measure
from nin.cli.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED
from nin.report.lab_runs import RUN_NAMES, select_runs
from nin.validation import POSITIVE_INT


def jobs_list(text):
    parts = text.split(",")
    if not all(part.strip().isdigit() and int(part) > 0 for part in parts):
        raise argparse.ArgumentTypeError(
            f"expected run counts like 1,2,3,5, got {text!r}")
    return [int(part) for part in parts]


def make_parser():
    parser = argparse.ArgumentParser(
        prog="bench_grid.py", allow_abbrev=False,
        description="Train the grid with N runs at once, for each N.")
    add = parser.add_argument
    add("--work", required=True, help="folder for the passes' runs")
    add("--jobs", type=jobs_list, default=[5, 1, 2, 3],
        help="the N to measure, in this order; the first pass compiles "
             "(default 5,1,2,3; speed-ups are over 1)")
    add("--only", default=",".join(RUN_NAMES),
        help="runs of each pass (default: the 10 lab runs)")
    add("--epochs", type=POSITIVE_INT.argument, default=2,
        help="epochs of each run: the first compiles (default 2)")
    add("--json", default=None, help="also write the figures here")
    return parser


def main(argv=None):
    parser = make_parser()
    args, grid_options = parser.parse_known_args(argv)
    try:
        runs = [run.name for run in select_runs(args.only)]
        if Path(args.work).exists():
            raise ValueError(f"--work {args.work} exists; give a new folder "
                             "(the runs of a pass must start from nothing)")
    except ValueError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    summaries = measure(runs, args.jobs,
                        [*grid_options, "--epochs", str(args.epochs),
                         "--verbose", "0"], args.work)
    columns = ("jobs", "wall_s", "epoch_s", "aggregate_images_per_second",
               "speedup", "grid_164_epochs_min", "peak_gpu_memory_mib")
    print(" ".join(f"{column:>14}" for column in columns))
    for figures in summaries:
        print(" ".join(f"{str(figures.get(column)):>14}"
                       for column in columns))
    if args.json:
        Path(args.json).write_text(json.dumps(summaries, indent=2) + "\n")
    return EXIT_FAILED if any(figures["exit_code"] not in (0, 3)
                              for figures in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
