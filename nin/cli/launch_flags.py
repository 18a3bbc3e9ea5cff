"""How `labs/grid.py` and `labs/bn_study.py` launch their runs
(`nin.launch`): `--jobs` and `--gpus` on this machine, `--slurm` (with
`--slurm-args`) on a cluster, and `--status` to see where each run
stands.

Default: one run per GPU asked for (all visible GPUs unless `--gpus`
says otherwise), one at a time on a machine without GPUs. One run per
GPU is what `grid.py --list | parallel` gave before; how many runs share
one GPU best is for the measurements in docs/performance.md to say, and
on a machine without GPUs one at a time stays the default: TensorFlow
already spreads a full-width run over the cores (docs/gpus.md has the
tiny digits grid, where two at once are faster).
"""

import argparse

from nin.launch.devices import visible_gpus
from nin.launch.slurm import submit
from nin.launch.status import status_lines
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


def add_cluster_flags(parser):
    add = parser.add_argument
    add("--slurm", action="store_true",
        help="submit the unfinished runs to Slurm as one job array (one "
             "task per run, requeued if preempted) and exit")
    add("--slurm-args", default="", metavar="'OPTIONS'",
        help="sbatch options for every task, quoted: '--gres=gpu:1 "
             "--time=1:00:00 -p gpu' (one option alone: "
             "--slurm-args=--time=60)")
    add("--status", action="store_true",
        help="print where each run stands (and its Slurm task) and exit")


def check_launch_flags(args):
    """A ValueError for flags that do not go together."""
    if args.slurm_args and not args.slurm:
        raise ValueError("--slurm-args goes with --slurm")
    if args.slurm and (args.jobs or args.gpus is not None):
        raise ValueError("--jobs and --gpus are for this machine; on Slurm "
                         "ask for GPUs with --slurm-args '--gres=gpu:1'")
    if args.slurm and args.status:
        raise ValueError("give --slurm or --status, not both")


def print_status(jobs, logdir):
    for line in status_lines(jobs, logdir):
        print(line)
    return 0


def submit_to_slurm(jobs, logdir, name, slurm_args):
    """Submit; print the job id and how to follow it. SlurmError (a
    ValueError) when Slurm is absent or refuses."""
    job_id, submitted, folder = submit(jobs, logdir, name, slurm_args)
    if job_id is None:
        print("Every run is finished; nothing to submit.")
        return 0
    print(f"Submitted Slurm job {job_id}: {len(submitted)} task(s), one per "
          f"unfinished run ({', '.join(job.name for job in submitted)}); "
          "each task is requeued if preempted and resumes its run.")
    print(f"Follow it: squeue -j {job_id}, or this command with --status "
          "instead of --slurm. Each run's output: RUN_DIR/train.log; "
          f"Slurm's own: {folder}/")
    return 0


def launch_settings(args):
    """(runs at once, GPU ids) from the parsed flags."""
    gpus = visible_gpus() if args.gpus is None else args.gpus
    return (args.jobs or max(1, len(gpus))), gpus
