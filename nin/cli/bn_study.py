"""`labs/bn_study.py`: seed 003's batch-norm study, vanilla vs BN, MLP and
VGG-style CNN.

    python labs/bn_study.py --list                  # every run, no training
    python labs/bn_study.py --dataset cifar10       # the whole study
    python labs/bn_study.py --dataset digits --models cnn --groups lr \\
        --epochs 5 --width 0.25                     # a small part, fast
    python labs/bn_study.py --report-only           # tables + figures

Each run trains with the thesis's recipe (`nin.study.runs`) into
`LOGDIR/DATASET/MODEL/VARIANT/RUN_NAME/`, the run-folder format of
lab4.py: an interrupted study resumes where it stopped and finished runs
are never trained again. Then `LOGDIR/DATASET/report/` receives
report.md, the Table B.1-B.4-style CSVs (ours next to seed 003's) and the
figures (`nin.study.report`). One run at a time trains in this process;
`--jobs N` trains N at once as lab4.py processes, placed on `--gpus`
(`nin.launch`); `--slurm` submits them to Slurm as one job array and
`--status` says where each stands. Exit codes: 0 done, 1 some run
failed (`--jobs`; the others went on), 2 bad input, 4 a file could not
be written, 130 interrupted.
"""

import argparse
import sys
from pathlib import Path

from nin.cli.exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_WRITE_FAILED,
)
from nin.cli.launch_flags import (
    add_cluster_flags,
    add_launch_flags,
    check_launch_flags,
    launch_settings,
    print_status,
    submit_to_slurm,
)
from nin.cli.run_flags import run_argv
from nin.launch.here import run_here
from nin.launch.jobs import Job
from nin.launch.records import exit_code, summary
from nin.study.report import write_report
from nin.study.runs import GROUPS, MODELS, describe, study_runs
from nin.training import RunFinished, RunInterrupted, train
from nin.validation import (
    NON_NEGATIVE_INT,
    POSITIVE,
    POSITIVE_INT,
    names,
)


def make_parser():
    parser = argparse.ArgumentParser(
        prog="bn_study.py",
        description="Seed 003's batch-norm study (vanilla vs BN).")
    add = parser.add_argument
    add("--dataset", default="digits",
        help="any lab4 dataset (default digits; the thesis used mnist, "
             "svhn, cifar10, cifar100)")
    add("--data-dir", default=None, help="folder of the dataset's files")
    add("--models", type=names, default=list(MODELS),
        help=f"comma-separated, of {','.join(MODELS)} (default both)")
    add("--groups", type=names, default=list(GROUPS),
        help=f"comma-separated, of {','.join(GROUPS)} (default all)")
    add("--only", type=names, default=None,
        help="comma-separated variants (see --list), e.g. lr-high,dropout")
    add("--epochs", type=POSITIVE_INT.argument, default=100,
        help="most epochs per run (thesis: 100, early stop after 20)")
    add("--width", type=POSITIVE.argument, default=1.0,
        help="multiplier of hidden widths (tiny for demos and tests)")
    add("--seed", type=NON_NEGATIVE_INT.argument, default=0)
    add("--logdir", default="logs/bn_study")
    add("--diagnostics", action="store_true",
        help="per-epoch activation, dead-ReLU and gradient summaries")
    add("--list", action="store_true", help="print the runs and exit")
    add("--report-only", action="store_true",
        help="write the report from finished runs, train nothing")
    add("--verbose", type=int, default=0, choices=[0, 1, 2])
    add_launch_flags(parser)
    add_cluster_flags(parser)
    return parser


def unique_runs(runs):
    seen, unique = set(), []
    for run in runs:
        if run.run_dir not in seen:
            seen.add(run.run_dir)
            unique.append(run)
    return unique


def study_jobs(runs):
    """One lab4.py job per distinct run (`--jobs N`)."""
    return [Job.for_config(run.config, run_argv(run.config),
                           name=f"{run.model}/{run.variant}/{run.network}")
            for run in unique_runs(runs)]


def train_at_once(runs, at_once, gpus):
    """The study's runs as lab4.py processes, `at_once` at a time;
    whether every run ended (finished or diverged)."""
    records = run_here(study_jobs(runs), at_once, gpus)
    print(summary(records), flush=True)
    if any(entry["status"] == "interrupted" for entry in records):
        raise KeyboardInterrupt
    return exit_code(records) != EXIT_FAILED


def train_all(runs, verbose):
    """The study's runs one after another, in this process."""
    runs = unique_runs(runs)
    for index, run in enumerate(runs, start=1):
        print(f"[{index}/{len(runs)}] {run.model} "
              f"{run.variant} {run.network}", flush=True)
        try:
            results = train(run.config, verbose=verbose)
        except RunFinished as finished:
            results = finished.results
            print(f"  already finished: {finished.run_dir}")
        accuracy = results.get("test_accuracy")
        print(f"  test accuracy "
              f"{'n/a' if accuracy is None else f'{100 * accuracy:.2f}%'}"
              f"{' (diverged)' if results.get('diverged') else ''}")


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        runs = study_runs(
            args.logdir, dataset=args.dataset, data_dir=args.data_dir,
            models=args.models, groups=args.groups, variants=args.only,
            epochs=args.epochs, width=args.width, seed=args.seed,
            diagnostics=args.diagnostics)
        if not runs:
            raise ValueError("the selection holds no run; see --list")
        if args.list:
            for index, run in enumerate(runs, start=1):
                print(f"{index:3d} {describe(run)}")
            print(f"{len(runs)} runs, {len(unique_runs(runs))} to train "
                  "(batch-64 is the ReLU baseline)")
            return 0
        check_launch_flags(args)
        if args.status:
            return print_status(study_jobs(runs), args.logdir)
        if args.slurm:
            return submit_to_slurm(study_jobs(runs), args.logdir, "bn-study",
                                   args.slurm_args)
        at_once, gpus = launch_settings(args)
        all_ended = True
        if not args.report_only and at_once > 1:
            all_ended = train_at_once(runs, at_once, gpus)
        elif not args.report_only:
            train_all(runs, args.verbose)
        report = write_report(runs, Path(args.logdir) / args.dataset
                              / "report", args.dataset)
    except ValueError as error:
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    except (KeyboardInterrupt, RunInterrupted):
        print("\nInterrupted; run the same command again to resume.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:
        parser.exit(EXIT_WRITE_FAILED, f"{parser.prog}: error: could not "
                    f"read or write a file ({error})\n")
    print(f"Report: {report}")
    return 0 if all_ended else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
