"""The measurement behind copy detection's threshold (a benchmark).

`labs/bench_grading.py copies` trains real tiny runs of ELU+BN+WI on the
bundled digits (width 0.25, batch 32, 5 epochs, float32) and measures
the similarity `grading.copies.similarity` uses between:

- runs from different seeds (every pair of `--seeds` seeds);
- the same seed trained again: on this machine, later; in bf16 (a
  machine with native bf16); and with oneDNN held to AVX2 (a machine
  without AVX-512: other kernels, other rounding) in its own process;
- copies of seed 0 with Gaussian noise of a fraction of each kernel's
  standard deviation added, with the accuracy the grader re-measures for
  each (a copy has to keep its accuracy to be worth handing in).

Each run goes through the worker's own code (`grading.inputs.measure`), so the
figures are those the grader computes. It prints min / median / max per
group and one line per noise level. No test runs this.
"""

import itertools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from grading.copies import similarity as copies
from grading.inputs import measure
from grading.inputs.finding import toolkit_candidate
from grading.rubric import lab_runs
from grading.sandbox.context import Context
from nin.training import RunConfig, train

RUN = "ELU+BN+WI"
SETTINGS = {"activation": "elu", "batch_norm": True, "he_init": True,
            "dataset": "digits", "width": 0.25, "batch_size": 32,
            "epochs": 5}
NOISE_LEVELS = (0.01, 0.03, 0.1, 0.3, 0.5, 1.0)


def _train(logdir, seed, precision="fp32"):
    train(RunConfig(**SETTINGS, seed=seed, precision=precision,
                    logdir=str(logdir)), verbose=0)
    return Path(logdir) / RUN


def _train_avx2(logdir, seed):
    """Seed `seed` trained in a process whose oneDNN stops at AVX2."""
    command = [sys.executable, "-m", "nin.cli.lab4", "--act", "elu",
               "--bn", "--wi", "--dataset", "digits", "--width", "0.25",
               "--batch-size", "32", "--epochs", "5", "--precision",
               "fp32", "--seed", str(seed), "--verbose", "0", "--logdir",
               str(logdir)]
    subprocess.run(command, check=True, env={
        **os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2"})
    return Path(logdir) / RUN


def add_kernel_noise(run_dir, model, fraction, seed):
    """Rewrite `run_dir`'s model.keras with N(0, fraction x std) added to
    every conv kernel; `model` is the run's architecture, built by our
    code, that carries the weights (a copy a student could make)."""
    from grading.models import inspect_model

    path = Path(run_dir) / "model.keras"
    _, weights = inspect_model.read_keras_file(path)
    arrays = inspect_model.weight_arrays(weights)
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if layer.weights:
            values = arrays[layer.name]
            if type(layer).__name__ == "Conv2D":
                values[0] = values[0] + rng.normal(
                    0, fraction * values[0].std(), values[0].shape)
            layer.set_weights(values)
    path.unlink()
    model.save(path)


def _noisy_copy(source, target, fraction):
    """`source`'s run with noise of `fraction` x std on every kernel."""
    import shutil

    import nin

    shutil.copytree(source, target)
    model = nin.build_model("nin", activation="elu", batch_norm=True,
                            he_init=True, width=SETTINGS["width"])
    add_kernel_noise(target, model, fraction, int(fraction * 1000))
    return target


def _measured(folder, context):
    facts = measure.measure_run(
        RUN, [toolkit_candidate(folder)], lab_runs()[RUN],
        folder.parent, context)
    return facts["fingerprint"], facts["remeasured"]["accuracy"]


def _summary(values):
    values = np.asarray(values)
    return {"pairs": len(values), "min": round(float(values.min()), 4),
            "median": round(float(np.median(values)), 4),
            "max": round(float(values.max()), 4)}


def measure_copies(seeds=6):
    """{group: min/median/max similarity, noise level: similarity and
    accuracy}, from real tiny runs."""
    context = Context("digits", None, tolerance=1e-5, precision="fp32")
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        runs = {f"seed{seed}": _train(base / f"seed{seed}", seed)
                for seed in range(seeds)}
        runs["again"] = _train(base / "again", 0)
        runs["bf16"] = _train(base / "bf16", 0, precision="bf16")
        runs["avx2"] = _train_avx2(base / "avx2", 0)
        for level in NOISE_LEVELS:
            runs[f"noise{level}"] = _noisy_copy(
                runs["seed0"], base / f"noise{level}" / RUN, level)
        measured = {name: _measured(path, context)
                    for name, path in runs.items()}
    prints = {(name, RUN): fingerprint
              for name, (fingerprint, _) in measured.items()}
    similarity = copies.similarities(prints)

    def between(first, second):
        return similarity[tuple(sorted([(first, RUN), (second, RUN)]))]

    different = [between(f"seed{a}", f"seed{b}") for a, b in
                 itertools.combinations(range(seeds), 2)]
    result = {"different_seeds": _summary(different)}
    for name in ("again", "bf16", "avx2"):
        result[f"seed0_{name}"] = round(between("seed0", name), 6)
    result["seed0_accuracy"] = measured["seed0"][1]
    for level in NOISE_LEVELS:
        result[f"noise_{level}"] = {
            "similarity": round(between("seed0", f"noise{level}"), 6),
            "accuracy": measured[f"noise{level}"][1]}
    result["threshold"] = copies.THRESHOLD
    return result
