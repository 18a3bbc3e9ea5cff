"""How fast the lab's grid trains with several runs at once
(`labs/bench_grid.py`).

For each N of `jobs` the same runs are trained by `grid.py --jobs N`
into a fresh folder, for a few epochs each, timed as a whole while the
GPUs' memory is sampled (`nvidia-smi`, where there is one). JAX's
persistent compilation cache is shared by the passes, so the first pass
compiles and the others load (first the largest N: its runs compile
their graphs side by side). From each
run's results.json (its history's wall times and training seconds):

- `epoch_s`: the median wall time of a run's epochs after its first
  (training, test evaluation and checkpoint), with N runs at once;
- `aggregate_images_per_second`: N runs x training images per epoch /
  `epoch_s`, the throughput of the machine when N runs overlap;
- `speedup`: that, over the same with N = 1 (one run alone);
- `grid_164_epochs_min`: the whole 10-run lab at 164 epochs, from
  `epoch_s` (waves of N runs), plus this pass's start-up per wave;
- `peak_gpu_memory_mib`: the most the GPUs held at once during the pass.

Speed does not depend on the pixels, so CIFAR-sized random data in the
official format (`nin.data.cifar.write_random_cifar`) serves.
"""

import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from nin.report.lab_runs import RUN_NAMES
from nin.training.run_folder import read_results

LAB_RUNS = len(RUN_NAMES)
LAB_EPOCHS = 164
SAMPLE_SECONDS = 0.5


class GpuMemory:
    """The peak of `nvidia-smi`'s memory.used (MiB, all GPUs summed)
    while the block runs; None without nvidia-smi."""

    def __enter__(self):
        self.peak, self._stop = None, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            try:
                used = subprocess.run(
                    ["nvidia-smi", "--query-gpu=memory.used",
                     "--format=csv,noheader,nounits"], capture_output=True,
                    text=True, timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                return
            if used.returncode != 0:
                return
            total = sum(int(line) for line in used.stdout.split()
                        if line.strip().isdigit())
            self.peak = max(self.peak or 0, total)
            self._stop.wait(SAMPLE_SECONDS)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=15)


def train_pass(at_once, runs, grid_options, logdir, environment):
    """Run `grid.py --jobs at_once`; (wall seconds, exit code, memory)."""
    command = [sys.executable, "-m", "nin.cli.grid", "--only",
               ",".join(runs), *grid_options, "--logdir", str(logdir),
               "--jobs", str(at_once)]
    started = time.monotonic()
    with GpuMemory() as memory:
        done = subprocess.run(command, env={**os.environ, **environment},
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    (Path(logdir) / "grid-output.txt").write_text(done.stdout)
    return time.monotonic() - started, done.returncode, memory.peak


def run_epochs(run_dir):
    """(wall seconds of each epoch after the first, training images per
    epoch) of a finished run."""
    results = read_results(run_dir) or {}
    history = results.get("history") or []
    walls = [later["wall_time"] - earlier["wall_time"]
             for earlier, later in zip(history, history[1:])]
    config = json.loads((Path(run_dir) / "config.json").read_text())
    return walls, config["train_size"]


def summarize(at_once, runs, logdir, seconds, exit_code, memory):
    walls, images = [], None
    for name in runs:
        epochs, images = run_epochs(Path(logdir) / name)
        walls += epochs
    epoch_s = statistics.median(walls) if walls else None
    waves = math.ceil(LAB_RUNS / at_once)
    waves_here = math.ceil(len(runs) / at_once)
    steady = (epoch_s or 0) * (len(walls) / len(runs)) * waves_here
    startup_per_wave = (seconds - steady) / waves_here
    figures = {"jobs": at_once, "runs": len(runs), "exit_code": exit_code,
               "wall_s": round(seconds, 1), "epoch_s": epoch_s and round(
                   epoch_s, 3), "peak_gpu_memory_mib": memory}
    if epoch_s:
        figures["aggregate_images_per_second"] = round(
            min(at_once, len(runs)) * images / epoch_s, 1)
        figures["grid_164_epochs_min"] = round(
            (waves * LAB_EPOCHS * epoch_s + waves * startup_per_wave) / 60,
            1)
    return figures


def measure(runs, jobs, grid_options, work):
    """One summary per N in `jobs`, each pass in `work/jobs-N`, in that
    order (the first pass compiles: put the largest N first to compile
    the graphs side by side); the speed-up over N = 1 added."""
    work = Path(work)
    cache = work / "jax-cache"
    environment = {"JAX_COMPILATION_CACHE_DIR": str(cache),
                   "PYTHONUNBUFFERED": "1"}
    summaries = []
    for at_once in jobs:
        logdir = work / f"jobs-{at_once}"
        seconds, code, memory = train_pass(at_once, runs, grid_options,
                                           logdir, environment)
        summaries.append(summarize(at_once, runs, logdir, seconds, code,
                                   memory))
        print(json.dumps(summaries[-1]), flush=True)
    alone = next((figures for figures in summaries if figures["jobs"] == 1),
                 summaries[0]).get("aggregate_images_per_second")
    for figures in summaries:
        rate = figures.get("aggregate_images_per_second")
        figures["speedup"] = round(rate / alone, 2) if rate and alone \
            else None
    return summaries
