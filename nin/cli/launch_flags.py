"""`--jobs` and `--gpus`: how many runs at once, and on which GPUs, for
`labs/grid.py` and `labs/bn_study.py` (`nin.launch`).

Default: one run per GPU asked for (all visible GPUs unless `--gpus`
says otherwise), one at a time on a machine without GPUs. One run per
GPU is what `grid.py --list | parallel` gave before; how many runs share
one GPU best is for the measurements in docs/performance.md to say, and
on the 2-core CPU two runs at once were no faster than one.
"""

import argparse

from nin.launch.devices import visible_gpus
from nin.validation import POSITIVE_INT


def gpu_list(text):
    """argparse `type=`: GPU ids like `0,1,3`, or `none` for the CPU."""
    if text.strip().lower() == "none":
        return []
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() for part in parts):
        raise argparse.ArgumentTypeError(
            f"expected GPU numbers like 0,1 (or none), got {text!r}")
    return parts


def add_launch_flags(parser):
    add = parser.add_argument
    add("--jobs", type=POSITIVE_INT.argument, default=None, metavar="N",
        help="runs at once, each its own process with its output in its "
             "run folder (default: one per GPU, else 1)")
    add("--gpus", type=gpu_list, default=None, metavar="0,1,...",
        help="GPUs to spread the runs over, round-robin (default: all "
             "visible; none: the CPU)")


def launch_settings(args):
    """(runs at once, GPU ids) from the parsed flags."""
    gpus = visible_gpus() if args.gpus is None else args.gpus
    return (args.jobs or max(1, len(gpus))), gpus
