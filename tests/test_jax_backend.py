"""The same model, layer and training code runs with KERAS_BACKEND=jax,
and never loads TensorFlow though it is installed: on Colab both are, and
a TensorFlow loaded beside JAX could take the GPU; the lent GPU machine
has JAX alone. Compiled steps land in JAX's persistent cache."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("jax")
HERE = Path(__file__).resolve().parent


def test_models_layers_and_training_run_on_jax_without_tensorflow(tmp_path):
    cache = tmp_path / "jax-cache"
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "JAX_COMPILATION_CACHE_DIR": str(cache),
           "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}
    result = subprocess.run(
        [sys.executable, str(HERE / "jax_smoke.py"), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["backend"] == "jax"
    assert facts["tensorflow_loaded"] is False
    assert facts["params"]["relu-False"] == 966_986
    assert facts["params"]["elu-True"] == 972_658
    assert facts["params"]["lrelu-True"] == 972_658
    assert all(shape == [2, 10] for shape in facts["outputs"].values())
    assert facts["distinct_augmentations"] >= 6
    assert facts["trained_epochs"] == 1
    assert facts["weights_ready_when_clock_stops"] == [True]
    assert facts["colour_changed"] is True
    assert facts["gradients_finite"] is True
    assert facts["gradient_arrays"] == 17  # MLP+BN+SPReLU trainables
    run_dir = tmp_path / "Maxout+BN+WI"
    assert (run_dir / "results.json").exists()
    assert (run_dir / "model.keras").exists()
    assert list((run_dir / "test").glob("events.out.tfevents.*"))
    assert list((run_dir / "diagnostics").glob("events.out.tfevents.*"))
    assert (tmp_path / "report" / "report.md").is_file()
    assert list(cache.iterdir())  # compiled steps kept for the next run
