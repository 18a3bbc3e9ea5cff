"""Lab 4: train one NIN run (activation x BN x He init) on CIFAR-10.

    python labs/lab4.py --act elu --bn --wi

runs seed 001's recipe (164 epochs, Nesterov SGD, LR 0.1/0.01/0.001 at
epochs 81/122, batch 128, pad-crop-flip augmentation) and writes
`LOGDIR/RUN_NAME/` with config.json, TensorBoard event files, model.keras
and results.json, plus a checkpoint after every epoch. Running the same
command again resumes an unfinished run exactly, and only reports a
finished one. Exit codes: 0 done (or already finished), 2 bad input
(one-line message), 3 the run diverged (loss NaN/inf; recorded in
results.json), 4 the run could not be written (disk full, no permission),
130 interrupted (Ctrl-C; the last epoch's checkpoint is kept).
"""

import argparse
import sys

import _path  # noqa: F401  (repository root on sys.path)
from cli_types import (
    epoch_list,
    maxout_pieces,
    non_negative_int,
    positive_float,
    positive_int,
)

EXIT_BAD_INPUT = 2
EXIT_DIVERGED = 3
EXIT_WRITE_FAILED = 4
EXIT_INTERRUPTED = 130


def make_parser():
    from nin.activations import list_activations
    from nin.data import list_datasets
    from nin.registry import list_models

    parser = argparse.ArgumentParser(
        prog="lab4.py",
        description="Train one Lab 4 run and log it for TensorBoard.",
    )
    add = parser.add_argument
    add("--act", default="relu", choices=list_activations(),
        help="activation after every conv (default relu)")
    add("--bn", action=argparse.BooleanOptionalAction, default=False,
        help="batch normalization between conv and activation")
    add("--wi", action=argparse.BooleanOptionalAction, default=False,
        help="He weight init (else N(0,0.01) first conv, N(0,0.05) others)")
    add("--model", default="nin", choices=list_models())
    add("--dataset", default="cifar10", choices=list_datasets())
    add("--data-dir", default=None,
        help="folder with the CIFAR python-format archive or its folder")
    add("--epochs", type=positive_int, default=164)
    add("--batch-size", type=positive_int, default=128)
    add("--lr", type=positive_float, default=0.1,
        help="initial learning rate (default 0.1)")
    add("--lr-drops", type=epoch_list, default=None,
        help="epochs where the LR is divided by 10 (default: 81,122 scaled "
             "to --epochs, i.e. exactly 81,122 at 164 epochs)")
    add("--width", type=positive_float, default=1.0,
        help="multiplier of every hidden channel count (default 1.0)")
    add("--pool2", default=None, choices=["max", "average"],
        help="NIN's second pooling (default max, as the assignment says)")
    add("--pieces", type=maxout_pieces, default=2,
        help="Maxout pieces per unit (default 2)")
    add("--augment", action=argparse.BooleanOptionalAction, default=True,
        help="pad-crop-flip augmentation of training images")
    add("--seed", type=non_negative_int, default=0)
    add("--logdir", default="logs", help="parent of run folders (logs)")
    add("--resume", action=argparse.BooleanOptionalAction, default=True,
        help="continue an unfinished run from its last epoch (default on)")
    add("--overwrite", action="store_true",
        help="start an existing run again; the old one is moved aside")
    add("--deterministic", action="store_true",
        help="deterministic TensorFlow ops: bit-identical reruns (slower)")
    add("--precision", default="auto",
        choices=["auto", "fp32", "bf16", "fp16"],
        help="mixed bf16/fp16 (float32 weights and softmax) or fp32; auto: "
             "bf16 where the GPU/CPU computes it natively, else fp32")
    add("--jit", default="auto", choices=["auto", "on", "off"],
        help="XLA compilation; auto = Keras's choice, off for TensorFlow "
             "on a CPU (measured slower there)")
    add("--steps-per-execution", type=positive_int, default=1,
        help="train steps per compiled call (fewer host round trips)")
    add("--distribute", default="none", choices=["none", "mirrored"],
        help="mirrored: TensorFlow MirroredStrategy over all GPUs; "
             "--batch-size stays the global batch")
    add("--verbose", type=int, default=None, choices=[0, 1, 2],
        help="Keras progress: 1 bar, 2 one line per epoch, 0 quiet")
    from beyond_flags import add_beyond_lab4_flags

    add_beyond_lab4_flags(parser)
    return parser


def config_from_args(args):
    from beyond_flags import beyond_lab4_settings
    from nin.config import RunConfig

    return RunConfig(
        model=args.model, activation=args.act, batch_norm=args.bn,
        he_init=args.wi, dataset=args.dataset, data_dir=args.data_dir,
        epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
        lr_drops=args.lr_drops, width=args.width, pool2=args.pool2,
        maxout_pieces=args.pieces, augment=args.augment, seed=args.seed,
        logdir=args.logdir, deterministic=args.deterministic,
        precision=args.precision, jit=args.jit,
        steps_per_execution=args.steps_per_execution,
        distribute=args.distribute,
        **beyond_lab4_settings(args),
    )


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
        from nin.training import RunFinished, RunInterrupted, train

        results = train(config, overwrite=args.overwrite,
                        resume=args.resume,
                        verbose="auto" if args.verbose is None
                        else args.verbose)
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
    split = "test" if "best_test_accuracy" in results else "validation"
    print(f"{results['run_name']}: test accuracy "
          f"{_percent(results['test_accuracy'])}, best {split} accuracy "
          f"{_percent(results[f'best_{split}_accuracy'])} at epoch "
          f"{results['best_epoch']}")
    if "train_accuracy" in results:
        print(f"Sanity mode: training-subset accuracy "
              f"{_percent(results['train_accuracy'])}")
    if results["diverged"]:
        print(f"Diverged at epoch {results['diverged_epoch']} "
              "(loss NaN/inf); see results.json.")
        return EXIT_DIVERGED
    return 0


def _percent(value):
    return "n/a" if value is None else f"{100 * value:.2f}%"


if __name__ == "__main__":
    sys.exit(main())
