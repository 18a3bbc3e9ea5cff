"""TensorFlow on a GPU: no train-step op may fall back to the CPU.

The train step's ops are looked up in TensorFlow's kernel registry: an
op without a GPU kernel for its dtype (bfloat16 softplus, say) would run
on the CPU without a word, and a run on a GPU refuses to start with it.
The registry holds the GPU kernels on a CPU-only machine too, so this is
checked here. (JAX beside TensorFlow: tests/test_jax_backend.py.)
"""

import keras
import pytest

tf = pytest.importorskip("tensorflow")

from nin.training import RunConfig  # noqa: E402
from nin.training.gpu_kernels import (  # noqa: E402
    cpu_fallback_ops,
    train_step_graph,
)
from nin.training.trainer import (  # noqa: E402
    build_network,
    compile_trainer,
    training_model,
)


@pytest.mark.parametrize("activation,precision", [
    ("elu", "bf16"), ("maxout", "bf16"), ("lrelu", "fp32")])
def test_the_lab_train_step_has_gpu_kernels_for_every_op(activation,
                                                         precision):
    config = RunConfig(activation=activation, batch_norm=True, he_init=True,
                       dataset="synthetic", width=0.125,
                       precision=precision)
    trainer = compile_trainer(training_model(
        build_network(config, (32, 32, 3), 10), config), config)
    graph = train_step_graph(trainer, (32, 32, 3))
    assert len(graph.get_operations()) > 500  # the whole step was traced
    assert cpu_fallback_ops(graph) == []


def test_an_op_without_a_gpu_kernel_for_its_dtype_is_named():
    def softplus_step(dtype):
        with keras.device("cpu"):
            model = keras.Sequential([
                keras.Input((4,)),
                keras.layers.Dense(3, activation="softplus", dtype=dtype)])
        model.compile(loss="sparse_categorical_crossentropy")
        return cpu_fallback_ops(train_step_graph(model, (4,)))

    assert softplus_step("mixed_bfloat16") == ["Softplus (bfloat16)"]
    assert softplus_step("float32") == []


def test_a_run_on_a_gpu_refuses_a_step_with_cpu_ops(monkeypatch):
    from nin.training.gpu_kernels import check_train_step

    with keras.device("cpu"):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
            3, activation="softplus", dtype="mixed_bfloat16")])
    model.compile(loss="sparse_categorical_crossentropy")
    check_train_step(model, (4,), "bf16")  # no GPU here: nothing to check
    monkeypatch.setattr(tf.config, "list_physical_devices",
                        lambda kind=None: ["a GPU"])
    with pytest.raises(ValueError, match=r"Softplus \(bfloat16\)\. Train "
                       "with --precision fp32"):
        check_train_step(model, (4,), "bf16")
