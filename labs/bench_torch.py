"""The same NIN (ELU+BN+WI) hand-written in PyTorch, timed like bench.py.

    pip install torch          # not a requirement of the toolkit
    python labs/bench_torch.py --precision bf16 --compare

Measures PyTorch training steps (fp32, or bf16 autocast) at batch 128 on
synthetic CIFAR-shaped data: median of `--repeats` timed runs of `--steps`
steps after warm-up. With `--compare`, the toolkit's fast path (bench.py's
bare step: cached tensors, as PyTorch's) at the same precision is timed in
turns with PyTorch in the same process, so a busy spell of a shared
machine hits both alike; the ratio is the median of the per-round ratios,
and best time against best time as `keras_over_torch_best`.
"""

import argparse
import json
import statistics
import sys

import _path  # noqa: F401  (repository root on sys.path)
import cli_types

# (kernel, filters) per conv, as seed 001 Table 1; None: pool + dropout.
LAYERS = [(5, 192), (1, 160), (1, 96), None, (5, 192), (1, 192), (1, 192),
          None, (3, 192), (1, 192), (1, 10)]


def torch_nin():
    import torch
    from torch import nn

    layers, channels = [], 3
    for spec in LAYERS:
        if spec is None:
            layers += [nn.MaxPool2d(3, 2, padding=1), nn.Dropout(0.5)]
            continue
        kernel, filters = spec
        conv = nn.Conv2d(channels, filters, kernel, padding=kernel // 2)
        nn.init.kaiming_normal_(conv.weight, mode="fan_out")
        nn.init.zeros_(conv.bias)
        layers += [conv, nn.BatchNorm2d(filters, momentum=0.1, eps=1e-5),
                   nn.ELU()]
        channels = filters
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    model = nn.Sequential(*layers).to(memory_format=torch.channels_last)
    return model


def torch_steps(precision, batch_size, steps):
    """A callable running `steps` PyTorch training steps on one cached
    batch (SGD with Nesterov momentum and weight decay, as the recipe)."""
    import torch

    torch.manual_seed(0)
    model = torch_nin()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9,
                                nesterov=True, weight_decay=1e-4)
    x = torch.randn(batch_size, 3, 32, 32).to(
        memory_format=torch.channels_last)
    y = torch.arange(batch_size) % 10
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16,
                            enabled=precision == "bf16"):
            loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    def run():
        for _ in range(steps):
            step()

    step()  # warm-up beyond interleaved_seconds' untimed call
    return run


def our_steps(precision, batch_size, steps):
    """A callable training the toolkit's fast path (bench.py's defaults at
    `precision`) one epoch of `steps` steps on cached tensors."""
    import bench

    from nin import benchmark

    args = bench.make_parser().parse_args(
        ["--precision", precision, "--batch-size", str(batch_size)])
    x, y = benchmark.synthetic_batches(batch_size, steps)
    return bench.bare_epoch(args, x, y)


def measure(args):
    from nin import benchmark

    runners = {"torch": torch_steps(args.precision, args.batch_size,
                                    args.steps)}
    if args.compare:
        runners["keras"] = our_steps(args.precision, args.batch_size,
                                     args.steps)
    timings = benchmark.interleaved_seconds(runners, args.repeats)
    images = args.batch_size * args.steps
    result = {"precision": args.precision, "batch_size": args.batch_size}
    for name, times in timings.items():
        result[f"{name}_images_per_second"] = round(
            images / statistics.median(times), 2)
    if args.compare:
        result["keras_over_torch"] = round(benchmark.median_ratio(
            timings["torch"], timings["keras"]), 3)
        # Best against best: the rounds least disturbed by other work.
        result["keras_over_torch_best"] = round(
            min(timings["torch"]) / min(timings["keras"]), 3)
        result["keras_over_torch_each_round"] = [
            round(torch_time / keras_time, 3) for torch_time, keras_time
            in zip(timings["torch"], timings["keras"])]
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench_torch.py")
    parser.add_argument("--precision", default="fp32",
                        choices=["fp32", "bf16"])
    parser.add_argument("--batch-size", type=cli_types.positive_int,
                        default=128)
    parser.add_argument("--steps", type=cli_types.positive_int, default=4)
    parser.add_argument("--repeats", type=cli_types.positive_int, default=3)
    parser.add_argument("--compare", action="store_true",
                        help="also time the toolkit's fast path, in turns")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        parser.exit(2, "bench_torch.py: error: PyTorch is not installed "
                       "(pip install torch); it is not a toolkit "
                       "requirement\n")
    result = {"torch": torch.__version__,
              "torch_threads": torch.get_num_threads(), **measure(args)}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
