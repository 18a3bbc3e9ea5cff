"""The same NIN (ELU+BN+WI) hand-written in PyTorch, timed like the bench
(`labs/bench_torch.py`; PyTorch is not a toolkit requirement).

PyTorch training steps (fp32, or bf16 autocast) at batch 128 on
synthetic CIFAR-shaped data: median of `repeats` timed runs of `steps`
steps after warm-up. With `compare`, the toolkit's fast path (the bench's
bare step: cached tensors, as PyTorch's) at the same precision is timed
in turns with PyTorch in the same process, so a busy spell of a shared
machine hits both alike; the ratio is the median of the per-round
ratios, and best time against best time as `keras_over_torch_best`.
"""

import statistics

from nin.bench import timing
from nin.bench.training_speed import bare_epoch, bench_config

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
    """A callable training the toolkit's fast path (the bench's run at
    `precision`) one epoch of `steps` steps on cached tensors."""
    x, y = timing.synthetic_batches(batch_size, steps)
    return bare_epoch(bench_config(precision=precision,
                                   batch_size=batch_size), x, y)


def measure(precision, batch_size, steps, repeats, compare=False):
    """PyTorch's images per second (and ours, in turns, with `compare`)."""
    import torch

    runners = {"torch": torch_steps(precision, batch_size, steps)}
    if compare:
        runners["keras"] = our_steps(precision, batch_size, steps)
    timings = timing.interleaved_seconds(runners, repeats)
    images = batch_size * steps
    result = {"torch": torch.__version__,
              "torch_threads": torch.get_num_threads(),
              "precision": precision, "batch_size": batch_size}
    for name, times in timings.items():
        result[f"{name}_images_per_second"] = round(
            images / statistics.median(times), 2)
    if compare:
        result["keras_over_torch"] = round(timing.median_ratio(
            timings["torch"], timings["keras"]), 3)
        # Best against best: the rounds least disturbed by other work.
        result["keras_over_torch_best"] = round(
            min(timings["torch"]) / min(timings["keras"]), 3)
        result["keras_over_torch_each_round"] = [
            round(torch_time / keras_time, 3) for torch_time, keras_time
            in zip(timings["torch"], timings["keras"])]
    return result
