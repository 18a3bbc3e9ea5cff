"""`labs/lab4.py`: train one Lab 4 run (activation x BN x He init).

    python labs/lab4.py --act elu --bn --wi

runs seed 001's recipe (164 epochs, Nesterov SGD, LR 0.1/0.01/0.001 at
epochs 81/122, batch 128, pad-crop-flip augmentation) and writes
`LOGDIR/RUN_NAME/` with config.json, TensorBoard event files, model.keras
and results.json, plus a checkpoint after every epoch. Running the same
command again resumes an unfinished run exactly, and only reports a
finished one. The training flags are RunConfig's (`run_flags`). Exit
codes (`exit_codes`): 0 done (or already finished), 2 bad input
(one-line message), 3 the run diverged (loss NaN/inf; recorded in
results.json), 4 the run could not be written (disk full, no permission),
130 interrupted (Ctrl-C; the last epoch's checkpoint is kept).
"""

import argparse
import sys
import time
from pathlib import Path

from nin.cli.exit_codes import (
    EXIT_BAD_INPUT,
    EXIT_DIVERGED,
    EXIT_INTERRUPTED,
    EXIT_WRITE_FAILED,
)
from nin.cli.run_flags import add_run_flags, run_config
from nin.quiet_start import SHOW_FLAG, list_gpus_quietly
from nin.training import RunFinished, RunInterrupted, train
from nin.training.run_folder import send_output_to_log


def make_parser():
    parser = argparse.ArgumentParser(
        prog="lab4.py", fromfile_prefix_chars="@",
        description="Train one Lab 4 run and log it for TensorBoard. "
                    "@FILE reads more flags from FILE, one per line.",
    )
    add_run_flags(parser)
    add = parser.add_argument
    add("--resume", action=argparse.BooleanOptionalAction, default=True,
        help="continue an unfinished run from its last epoch (default on)")
    add("--overwrite", action="store_true",
        help="start an existing run again; the old one is moved aside")
    add("--verbose", type=int, default=None, choices=[0, 1, 2],
        help="Keras progress: 1 bar, 2 one line per epoch, 0 quiet")
    add(SHOW_FLAG, action="store_true",
        help="show TensorFlow's, CUDA's and oneDNN's own start-up logs "
             "(kept off the console by default: nin.quiet_start)")
    add("--log-to-run-folder", action="store_true",
        help="append the run's output to RUN_DIR/train.log instead of the "
             "console (grid.py --jobs and clusters use it)")
    return parser


def config_from_args(args):
    return run_config(args)


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        started = time.monotonic()
        config = config_from_args(args)
        _warn_about_hardware(config, list_gpus_quietly())
        results = train(config, overwrite=args.overwrite,
                        resume=args.resume, verbose=_verbosity(args),
                        on_run_dir=send_output_to_log
                        if args.log_to_run_folder else None)
    except KeyboardInterrupt:  # outside the epochs: set-up or final save
        print("\nInterrupted. Completed epochs, if any, are checkpointed; "
              "run the same command again to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ValueError as error:  # bad input: one line, no traceback
        parser.exit(EXIT_BAD_INPUT, f"{parser.prog}: error: {error}\n")
    except RunFinished as finished:
        print(f"{config.run_name} is already finished: {finished.run_dir} "
              f"(test accuracy "
              f"{_percent(finished.results.get('test_accuracy'))}). "
              "Use --overwrite to train it again; the old run is kept.")
        return 0
    except RunInterrupted as interrupted:
        print(f"\nInterrupted. {interrupted.epochs_completed} epoch(s) are "
              f"checkpointed in {interrupted.run_dir}; run the same command "
              "again to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as error:  # disk full, permissions, vanished folder
        parser.exit(EXIT_WRITE_FAILED,
                    f"{parser.prog}: error: could not read or write a file "
                    f"({error}). Completed epochs stay checkpointed; fix "
                    "the problem and run the same command to resume.\n")
    print(summary_line(results, config, time.monotonic() - started))
    if "train_accuracy" in results:
        print(f"Sanity mode: training-subset accuracy "
              f"{_percent(results['train_accuracy'])}")
    if results["diverged"]:
        print(f"Diverged at epoch {results['diverged_epoch']} "
              "(loss NaN/inf); see results.json.")
        return EXIT_DIVERGED
    return 0


def summary_line(results, config, seconds):
    """The run's last line: final and best accuracy, wall time, where the
    run folder is and how to look at it."""
    split = "test" if "best_test_accuracy" in results else "validation"
    minutes, rest = divmod(round(seconds), 60)
    return (f"{results['run_name']}: test accuracy "
            f"{_percent(results['test_accuracy'])}, best {split} accuracy "
            f"{_percent(results[f'best_{split}_accuracy'])} at epoch "
            f"{results['best_epoch'] + 1}/{config.epochs}, done in {minutes} min "
            f"{rest} s. Run folder: {Path(config.logdir) / results['run_name']}"
            f"; view it: tensorboard --logdir {config.logdir}")


def _warn_about_hardware(config, gpus):
    """One line on stderr where the hardware is not what was asked for."""
    from nin.training.runtime import has_native_bf16

    if config.distribute == "mirrored" and not gpus:
        print("Warning: --distribute mirrored asked for GPUs, but TensorFlow "
              "found none; training on the CPU.", file=sys.stderr)
    if config.precision == "bf16" and not has_native_bf16():
        print("Warning: --precision bf16 is emulated on this machine (no "
              "native bfloat16: GPU below compute capability 8.0, or a CPU "
              "without AVX512-BF16/AMX); expect it slower than fp32.",
              file=sys.stderr)


def _verbosity(args):
    """Keras's progress bar on a console; one line per epoch in a log."""
    if args.verbose is not None:
        return args.verbose
    return 2 if args.log_to_run_folder else "auto"


def _percent(value):
    return "n/a" if value is None else f"{100 * value:.2f}%"


if __name__ == "__main__":
    sys.exit(main())
