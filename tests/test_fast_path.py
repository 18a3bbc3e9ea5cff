"""The fast-path switches: mixed precision, XLA choice, several devices,
and the benchmark script's report (its numbers are not timed here)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import nin
from nin.bench.training_speed import stock_keras_layers
from nin.cli import bench, lab4
from nin.training import runtime
from nin.training.config import RunConfig
from nin.training.runtime import resolve_jit, resolved
from nin.training.trainer import compile_trainer

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("precision,compute", [("bf16", "bfloat16"),
                                               ("fp16", "float16")])
def test_mixed_precision_keeps_float32_weights_and_output(precision,
                                                          compute):
    model = nin.build_model("nin", activation="elu", batch_norm=True,
                            he_init=True, precision=precision)
    conv = model.get_layer("block1_conv1")
    assert conv.compute_dtype == compute
    assert conv.variable_dtype == "float32"
    assert model.get_layer("block2_pool").compute_dtype == compute
    assert model.output.dtype == "float32"
    assert model.count_params() == 972_658
    assert keras.config.dtype_policy().name == "float32"  # restored


def test_fp16_gets_loss_scaling_and_bf16_does_not():
    for precision, wrapped in [("fp16", True), ("bf16", False)]:
        config = RunConfig(dataset="synthetic", width=0.125,
                           precision=precision)
        model = nin.build_model("mlp", activation="relu", batch_norm=False,
                                he_init=False, precision=precision)
        optimizer = compile_trainer(model, config).optimizer
        assert isinstance(optimizer,
                          keras.optimizers.LossScaleOptimizer) is wrapped


def test_xla_is_off_by_default_for_tensorflow_on_cpu():
    assert resolve_jit("auto") is False
    assert resolve_jit("on") is True and resolve_jit("off") is False


def test_bf16_run_trains_and_saves_its_policy(tmp_path):
    code = lab4.main(["--dataset", "synthetic", "--epochs", "1", "--width",
                      "0.125", "--precision", "bf16", "--steps-per-execution",
                      "2", "--verbose", "0", "--logdir", str(tmp_path)])
    assert code == 0
    model = keras.saving.load_model(tmp_path / "None" / "model.keras",
                                    safe_mode=True)
    assert model.get_layer("block1_conv1").compute_dtype == "bfloat16"
    output = model.predict(np.zeros((2, 32, 32, 3)), verbose=0)
    assert output.dtype == np.float32


def test_bad_fast_path_flags_are_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        lab4.main(["--precision", "fp8"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'fp8'" in capsys.readouterr().err


@pytest.mark.quick
def test_bench_reports_every_figure_as_json(capsys):
    assert bench.main(["--width", "0.125", "--steps", "2", "--repeats", "1",
                       "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("images_per_second", "step_ms", "pipeline_overhead",
                "bn_overhead", "backend", "device", "precision",
                "tensorboard_overhead", "speedup_vs_plain_keras_fp32"):
        assert key in report, key
    assert report["backend"] == "tensorflow"
    assert report["images_per_second"] > 0 and report["step_ms"] > 0
    assert report["images_per_second"] == pytest.approx(
        128 / (report["step_ms"] / 1000), rel=0.01)


def test_mirrored_strategy_trains_on_two_logical_devices(tmp_path):
    result = subprocess.run(
        [sys.executable, "tests/mirrored_smoke.py", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, "KERAS_BACKEND": "tensorflow"})
    assert result.returncode == 0, result.stderr[-3000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {"replicas": 2, "exit_code": 0}
    results = json.loads(
        (tmp_path / "ELU+BN+WI" / "results.json").read_text())
    assert results["epochs"] == 2 and results["diverged"] is False


def test_auto_precision_follows_native_bf16_support(monkeypatch):
    monkeypatch.setattr(runtime, "has_native_bf16", lambda: True)
    assert runtime.resolve_precision("auto") == "bf16"
    assert resolved(RunConfig(dataset="synthetic")).precision == "bf16"
    monkeypatch.setattr(runtime, "has_native_bf16", lambda: False)
    assert runtime.resolve_precision("auto") == "fp32"
    assert resolved(RunConfig(dataset="synthetic")).precision == "fp32"
    assert runtime.resolve_precision("fp16") == "fp16"
    with pytest.raises(ValueError, match="must be one of: fp32, bf16, fp16"):
        runtime.resolve_precision("fp8")


@pytest.mark.parametrize("width, batch_size, multiply_adds, precision", [
    (0.25, 32, 16_693_248, "fp32"),   # the README's quickstart
    (0.5, 64, 59_338_752, "bf16"),
    (1.0, 128, 222_486_528, "bf16"),  # the lab's run
])
def test_auto_precision_on_a_bf16_cpu_follows_the_model_size(
        monkeypatch, width, batch_size, multiply_adds, precision):
    from nin.training.trainer import build_network

    monkeypatch.setattr(runtime, "has_native_bf16", lambda: True)
    monkeypatch.setattr(runtime, "_gpu_compute_capability", lambda: None)
    config = RunConfig(dataset="synthetic", activation="elu",
                       batch_norm=True, he_init=True, width=width,
                       batch_size=batch_size, precision="fp32")
    network = build_network(config, (32, 32, 3), 10)
    assert runtime.multiply_adds(network) == multiply_adds
    chosen, why = runtime.precision_choice("auto", multiply_adds * batch_size)
    assert chosen == precision
    if precision == "fp32":
        assert why == ("auto: 0.53e9 multiply-adds per step, below the 3e9 "
                       "where bf16 pays on a CPU")
    else:
        assert why == "auto: native bfloat16 on this machine"
    # A GPU with native bf16 takes it at any size.
    monkeypatch.setattr(runtime, "_gpu_compute_capability", lambda: (9, 0))
    assert runtime.resolve_precision("auto", 1.0) == "bf16"


def test_a_config_is_built_without_probing_the_hardware(monkeypatch):
    def probe():
        raise AssertionError("RunConfig probed the hardware")

    monkeypatch.setattr(runtime, "has_native_bf16", probe)
    monkeypatch.setattr(runtime, "_gpu_compute_capability", probe)
    config = RunConfig(dataset="synthetic")
    assert config.precision == "auto"
    assert config.to_json()["precision"] == "auto"


def test_bf16_is_native_on_a_cpu_only_under_tensorflow(monkeypatch):
    monkeypatch.setattr(runtime, "_gpu_compute_capability", lambda: None)
    flags = set(open("/proc/cpuinfo").read().split())
    cpu_has_bf16 = bool(flags & {"avx512_bf16", "amx_bf16"})
    assert runtime.has_native_bf16() == cpu_has_bf16
    monkeypatch.setattr(runtime.keras.backend, "backend", lambda: "jax")
    assert runtime.has_native_bf16() is False
    monkeypatch.setattr(runtime, "_gpu_compute_capability",
                        lambda: (9, 0))
    assert runtime.has_native_bf16() is True


def test_interleaved_timing_runs_in_turns_after_one_warm_up_each():
    from nin.bench.timing import interleaved_seconds

    calls = []
    timings = interleaved_seconds({"a": lambda: calls.append("a"),
                                   "b": lambda: calls.append("b")}, 2)
    assert calls == ["a", "b", "a", "b", "a", "b"]
    assert [len(times) for times in timings.values()] == [2, 2]


def test_bench_baseline_is_plain_keras_batch_norm():
    from nin.layers import BatchNormalization

    model = nin.build_model("nin", activation="elu", batch_norm=True,
                            he_init=True, width=0.125)
    plain = stock_keras_layers(model)
    norms = [type(layer) for layer in plain.layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms == [keras.layers.BatchNormalization] * 9
    assert BatchNormalization not in {type(layer) for layer in plain.layers}
    assert plain.count_params() == model.count_params()
