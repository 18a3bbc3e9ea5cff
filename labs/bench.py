"""Benchmark training speed of one lab run on synthetic CIFAR-shaped data.

    python labs/bench.py                      # ELU+BN+WI, NIN, batch 128
    python labs/bench.py --precision fp32 --json

Measures, each as the median of `--repeats` timed epochs of `--steps` steps
(a whole CIFAR-10 epoch on a GPU, 8 on a CPU) after an untimed warm-up
epoch, all timed in turns (A, B, C, A, B, C, ...)
so that a busy spell of a shared machine hits them alike:
- the fast path (this toolkit's precision, XLA and steps-per-execution
  settings), bare: train steps on cached tensors;
- the same in the full pipeline (shuffle, augmentation, schedule,
  TensorBoard), for `pipeline_overhead`;
- a plain Keras fp32 `compile`/`fit` of the same model with Keras's own
  layers (the baseline);
- the fast path without batch norm, for `bn_overhead`;
then matmul peak GFLOP/s at the chosen precision, for utilization.
Ratios are medians of the per-round ratios. `--json` prints one JSON
object instead of a table.
"""

import argparse
import json
import statistics
import sys

import _path  # noqa: F401  (repository root on sys.path)
import cli_types

STEPS_PER_EPOCH = 391  # CIFAR-10 at batch 128


def make_parser():
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__,
                                     formatter_class=argparse.
                                     RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--act", default="elu")
    add("--bn", action=argparse.BooleanOptionalAction, default=True)
    add("--wi", action=argparse.BooleanOptionalAction, default=True)
    add("--model", default="nin")
    add("--width", type=cli_types.positive_float, default=1.0)
    add("--batch-size", type=cli_types.positive_int, default=128)
    add("--steps", type=cli_types.positive_int, default=None,
        help=f"steps of a timed epoch (default: a whole CIFAR-10 epoch, "
        f"{STEPS_PER_EPOCH}, on a GPU; 8 on a CPU)")
    add("--repeats", type=cli_types.positive_int, default=5)
    add("--precision", default="auto",
        choices=["auto", "fp32", "bf16", "fp16"],
        help="as lab4.py's --precision (default auto)")
    add("--jit", default="auto", choices=["auto", "on", "off"])
    add("--steps-per-execution", type=cli_types.positive_int, default=1)
    add("--no-baseline", action="store_true",
        help="skip the plain Keras fp32 baseline")
    add("--no-bn-overhead", action="store_true",
        help="skip the no-BN measurement")
    add("--json", action="store_true", help="print one JSON object")
    return parser


def run_config(args, **changes):
    from nin.config import RunConfig

    settings = dict(
        model=args.model, activation=args.act, batch_norm=args.bn,
        he_init=args.wi, dataset="synthetic", width=args.width,
        batch_size=args.batch_size, jit=args.jit,
        steps_per_execution=args.steps_per_execution,
        precision=args.precision,
    )
    settings.update(changes)
    return RunConfig(**settings)


def stock_keras_layers(model):
    """The same model with Keras's own BatchNormalization in place of this
    toolkit's fused one, so the baseline is plain Keras throughout."""
    import keras

    from nin.layers import BatchNormalization

    def clone(layer):
        kind = (keras.layers.BatchNormalization
                if isinstance(layer, BatchNormalization) else type(layer))
        return kind.from_config(layer.get_config())

    return keras.models.clone_model(model, clone_function=clone)


def plain_keras_fp32(args, shape):
    """The baseline: the same model, Keras's default compile, fp32."""
    import keras

    from nin.network import build_for

    model = stock_keras_layers(
        build_for(run_config(args, precision="fp32"), shape, 10))
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9,
                                                 nesterov=True),
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def bare_epoch(args, x, y, **changes):
    """A callable training the toolkit's trainer for `run_config(args,
    **changes)` one epoch on cached `x`, `y` (the bare step)."""
    from nin import benchmark
    from nin.network import build_for, compile_trainer

    config = run_config(args, **changes)
    model = compile_trainer(build_for(config, x.shape[1:], 10), config)
    return benchmark.fit_epoch(model, x, y, args.batch_size)


def measure(args):
    import keras

    from nin import benchmark as bench
    from nin.network import build_for, compile_trainer, training_model

    if args.steps is None:  # a GPU step takes milliseconds, a CPU's 0.6 s
        on_gpu = bench.device_description().startswith("gpu")
        args.steps = STEPS_PER_EPOCH if on_gpu else 8
    x, y = bench.synthetic_batches(args.batch_size, args.steps)
    config = run_config(args)
    shape = x.shape[1:]

    # Timed in turns: the fast path bare and in the full pipeline, the
    # plain Keras fp32 baseline, the fast path without BN.
    runners = {"fast": bare_epoch(args, x, y)}
    callbacks, tensorboard = bench.full_pipeline_callbacks(len(x))
    trainer = compile_trainer(
        training_model(build_for(config, shape, 10), config), config)
    runners["full"] = bench.pipeline_epoch(trainer, x, y, args.batch_size,
                                           callbacks, config.seed)
    if not args.no_baseline:
        runners["plain"] = bench.fit_epoch(plain_keras_fp32(args, shape),
                                           x, y, args.batch_size)
    if not args.no_bn_overhead and config.batch_norm:
        runners["no_bn"] = bare_epoch(args, x, y, batch_norm=False)
    rounds = bench.interleaved_seconds(runners, args.repeats)
    step = {name: statistics.median(times) / args.steps
            for name, times in rounds.items()}
    tb_epoch = bench.tensorboard_seconds_per_epoch(tensorboard)
    result = {
        "run": config.run_name, "model": config.model,
        "batch_size": args.batch_size, "backend": keras.backend.backend(),
        "device": bench.device_description(),
        "precision": config.precision, "jit": config.jit,
        "steps_per_execution": config.steps_per_execution,
        "timed_steps": args.steps, "step_ms": round(1000 * step["full"], 2),
        "images_per_second": round(args.batch_size / step["full"], 2),
        "bare_step_ms": round(1000 * step["fast"], 2),
        "bare_images_per_second": round(args.batch_size / step["fast"], 2),
        "pipeline_overhead": round(
            bench.median_ratio(rounds["full"], rounds["fast"]) - 1, 4),
        "tensorboard_overhead": round(
            tb_epoch / (STEPS_PER_EPOCH * step["full"]), 6),
    }
    if "plain" in step:
        result["plain_keras_fp32_images_per_second"] = round(
            args.batch_size / step["plain"], 2)
        result["speedup_vs_plain_keras_fp32"] = round(
            bench.median_ratio(rounds["plain"], rounds["fast"]), 3)
    if "no_bn" in step:
        result["bn_overhead"] = round(
            bench.median_ratio(rounds["fast"], rounds["no_bn"]) - 1, 4)
    if config.model == "nin" and config.width == 1.0:
        peak = bench.matmul_peak_gflops(config.precision)
        result["matmul_peak_gflops"] = round(peak, 1)
        result["utilization_of_matmul_peak"] = round(
            args.batch_size / step["fast"]
            * bench.NIN_TRAIN_GFLOP_PER_IMAGE / peak, 4)
    return result


def main(argv=None):
    args = make_parser().parse_args(argv)
    try:
        result = measure(args)
    except ValueError as error:
        print(f"bench.py: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result))
    else:
        width = max(len(key) for key in result)
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
