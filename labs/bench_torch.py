"""The same NIN (ELU+BN+WI) hand-written in PyTorch, timed like bench.py.

    pip install torch          # not a requirement of the toolkit
    python labs/bench_torch.py --precision bf16 --compare

Measures PyTorch training steps (fp32, or bf16 autocast) at batch 128 on
synthetic CIFAR-shaped data: median of `--repeats` timed runs of `--steps`
steps after warm-up. With `--compare`, the toolkit's fast path is measured
in the same run at the same precision (labs/bench.py) and the ratio is
printed.
"""

import argparse
import json
import statistics
import sys
import time

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


def time_torch(precision, batch_size, steps, repeats):
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

    step()
    step()  # warm-up
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        timings.append((time.perf_counter() - start) / steps)
    return statistics.median(timings)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench_torch.py")
    parser.add_argument("--precision", default="fp32",
                        choices=["fp32", "bf16"])
    parser.add_argument("--batch-size", type=cli_types.positive_int,
                        default=128)
    parser.add_argument("--steps", type=cli_types.positive_int, default=4)
    parser.add_argument("--repeats", type=cli_types.positive_int, default=2)
    parser.add_argument("--compare", action="store_true",
                        help="also time the toolkit's fast path")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        parser.exit(2, "bench_torch.py: error: PyTorch is not installed "
                       "(pip install torch); it is not a toolkit "
                       "requirement\n")
    seconds = time_torch(args.precision, args.batch_size, args.steps,
                         args.repeats)
    result = {"torch": torch.__version__, "precision": args.precision,
              "torch_images_per_second": round(args.batch_size / seconds,
                                               2),
              "torch_threads": torch.get_num_threads()}
    if args.compare:
        import bench

        keras_result = bench.measure(bench.make_parser().parse_args([
            "--precision", args.precision, "--batch-size",
            str(args.batch_size), "--no-baseline", "--no-bn-overhead"]))
        result["keras_images_per_second"] = keras_result[
            "images_per_second"]
        result["keras_over_torch"] = round(
            keras_result["images_per_second"]
            / result["torch_images_per_second"], 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
