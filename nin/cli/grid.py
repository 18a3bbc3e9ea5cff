"""`labs/grid.py`: train the lab's 10 runs one after another.

Runs seed 001's 2x2x2 grid (ReLU/ELU x BN x WI) plus LReLU+BN+WI and
Maxout+BN+WI, each as its own `lab4.py` process (`nin.launch.local`), so
no memory is carried from one run to the next. Every other option goes to
`lab4.py` unchanged (`--dataset digits --epochs 2 --width 0.25 --logdir
logs/d`), checked here first as lab4.py would.

- A run whose folder holds `results.json` is finished and skipped without
  starting a process, so running the same command again continues the
  grid where it stopped. A finished run trained with other settings (2
  epochs where 164 are asked, say) is left alone and reported as failed;
  `--overwrite` only reaches the runs that are not finished.
- `--only ELU+BN+WI,BN` picks runs; `--list` prints one `lab4.py` command
  per line instead of running anything (for a cluster queue or GNU
  `parallel`).
- `--jobs N` trains N runs at once, each its own process with its output
  in its run folder, and shows one line per run event, a progress bar
  with an ETA and the summary; `--gpus 0,1` spreads them round-robin
  over those GPUs (`nin.cli.launch_flags` for the defaults).
- `--slurm` submits the unfinished runs to Slurm as one job array
  (`--slurm-args` for sbatch's options); `--status` prints where each
  run stands, with its Slurm task.
- A run that diverges (lab4 exit code 3) or fails (2: bad input, other:
  crash) does not stop the grid. The closing summary gives each run's
  status, test accuracy and time.

Exit code: 0 all runs finished, 3 none failed but some diverged, 1 some
failed, 2 bad options (before anything runs), 130 interrupted.
"""

import argparse
import sys
import time

from nin.cli import lab4
from nin.cli.exit_codes import EXIT_BAD_INPUT
from nin.cli.launch_flags import (
    add_cluster_flags,
    add_launch_flags,
    check_launch_flags,
    launch_settings,
    print_status,
    submit_to_slurm,
)
from nin.launch.here import run_here
from nin.launch.jobs import Job
from nin.launch.records import exit_code, summary
from nin.report.lab_runs import LAB_RUNS, RUN_NAMES, select_runs


def make_parser():
    parser = argparse.ArgumentParser(
        prog="grid.py", allow_abbrev=False,
        description="Train the lab's 10 runs one after another. Options "
                    "not listed here go to every labs/lab4.py run "
                    "(see python labs/lab4.py --help).",
        epilog="Runs: " + ", ".join(RUN_NAMES),
    )
    parser.add_argument("--only", default=None, metavar="NAME[,NAME]",
                        help="run only these runs (names as listed below)")
    parser.add_argument("--list", action="store_true",
                        help="print one lab4.py command per run and exit")
    add_launch_flags(parser)
    add_cluster_flags(parser)
    return parser


def _raise_value_error(message):
    raise ValueError(message)


def plan(runs, lab4_options):
    """One `Job` per lab run, its options checked as lab4.py would.

    Raises `ValueError` for options lab4.py rejects and for options that
    would change the run itself (`--act`, `--bn`, `--wi`: use `--only`).
    """
    parser = lab4.make_parser()
    parser.error = _raise_value_error  # one line from main, no usage
    jobs = []
    for run in runs:
        argv = [*run.lab4_args(), *lab4_options]
        config = lab4.config_from_args(parser.parse_args(argv))
        if (config.activation, config.batch_norm, config.he_init) != (
                run.activation, run.batch_norm, run.he_init):
            raise ValueError(
                "the grid sets --act, --bn and --wi for each run; pick runs "
                "with --only NAME[,NAME] instead")
        jobs.append(Job.for_config(config, argv, name=run.name))
    return jobs


def main(argv=None):
    parser = make_parser()
    args, lab4_options = parser.parse_known_args(argv)
    try:
        check_launch_flags(args)
        runs = select_runs(args.only) if args.only else LAB_RUNS
        jobs = plan(runs, lab4_options)
        logdir = jobs[0].run_dir.parent
        if args.status:
            return print_status(jobs, logdir)
        if args.slurm:
            return submit_to_slurm(jobs, logdir, "grid", args.slurm_args)
    except ValueError as error:  # bad input: one line, no traceback
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    if args.list:
        for job in jobs:
            print(job.shown_command())
        return 0
    at_once, gpus = launch_settings(args)
    started = time.monotonic()
    records = run_here(jobs, at_once, gpus)
    print(f"\nGrid summary ({time.monotonic() - started:.1f}s):")
    print(summary(records), flush=True)
    return exit_code(records)


if __name__ == "__main__":
    sys.exit(main())
