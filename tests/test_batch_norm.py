"""The fused BatchNormalization: same numbers as Keras's, fused kernel used,
same config and class name, and Keras's own path where fusing can't apply.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import nin
from nin.layers import BatchNormalization

SHAPES = [(16, 6, 6, 5), (32, 7)]


def run_layer(layer, x, gamma):
    """Training step outputs and gradients, then inference on the same x."""
    layer.build(x.shape)
    layer.gamma.assign(gamma)
    layer.beta.assign(0.3 * gamma)
    x = tf.constant(x)
    # A fixed random direction: a loss that depends on x through BN.
    direction = np.random.default_rng(7).normal(size=x.shape)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(tf.cast(y, "float32") * direction)
    grads = tape.gradient(loss, [x, layer.gamma.value, layer.beta.value])
    after = [layer.moving_mean.numpy(), layer.moving_variance.numpy()]
    inference = layer(x, training=False)
    return [np.asarray(tf.cast(t, "float32"))
            for t in [y, *grads, *after, inference]]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype,rtol", [("float32", 1e-4),
                                        ("mixed_bfloat16", 3e-2)])
def test_fused_matches_keras_forward_backward_and_moving_stats(shape, dtype,
                                                               rtol):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=shape) * 3 + 1).astype("float32")
    gamma = rng.normal(size=shape[-1]).astype("float32")
    settings = dict(momentum=0.9, epsilon=1e-5, dtype=dtype)
    expected = run_layer(keras.layers.BatchNormalization(**settings), x,
                         gamma)
    fused = run_layer(BatchNormalization(**settings), x, gamma)
    names = ["output", "d input", "d gamma", "d beta", "moving mean",
             "moving variance", "inference output"]
    for name, want, got in zip(names, expected, fused):
        scale = np.abs(want).max()
        np.testing.assert_allclose(got, want, rtol=rtol,
                                   atol=rtol * scale, err_msg=name)
    # One step from (0, 1) with momentum 0.9: 0.1 of the statistics of the
    # batch as the layer saw it (rounded to bfloat16 under mixed precision).
    seen = np.asarray(tf.cast(tf.cast(x, dtype.replace("mixed_", "")),
                              "float64")).reshape(-1, shape[-1])
    np.testing.assert_allclose(fused[4], 0.1 * seen.mean(0), rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(fused[5], 0.9 + 0.1 * seen.var(0), rtol=1e-4)


def graph_op_types(layer, shape, training):
    function = tf.function(lambda x: layer(x, training=training))
    graph = function.get_concrete_function(
        tf.TensorSpec(shape, "float32")).graph
    return {op.type for op in graph.get_operations()}


@pytest.mark.parametrize("training", [True, False])
def test_tensorflow_uses_the_fused_kernel(training):
    ops = graph_op_types(BatchNormalization(), (8, 4, 4, 3), training)
    assert "FusedBatchNormV3" in ops
    assert "Mean" not in ops


def test_where_fusing_cannot_apply_it_is_keras_unchanged():
    layer = BatchNormalization(renorm=True)
    assert "FusedBatchNormV3" not in graph_op_types(layer, (8, 4, 4, 3),
                                                    True)
    sequence = np.random.default_rng(1).normal(size=(4, 5, 3))
    fused, plain = BatchNormalization(), keras.layers.BatchNormalization()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(fused(sequence, training=True)),
        keras.ops.convert_to_numpy(plain(sequence, training=True)),
        rtol=1e-5, atol=1e-6)


def test_config_round_trip_and_class_name_as_keras():
    layer = BatchNormalization(momentum=0.9, epsilon=1e-5)
    config = layer.get_config()
    assert BatchNormalization.from_config(config).get_config() == config
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["class_name"] == "BatchNormalization"
    assert serialized["registered_name"] == "nin>BatchNormalization"


def test_models_use_it_and_reload_in_safe_mode(tmp_path):
    model = nin.build_model("nin", activation="elu", batch_norm=True,
                            he_init=True, width=0.125)
    norms = [layer for layer in model.layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(norms) == 9
    assert all(type(layer) is BatchNormalization for layer in norms)
    x = np.random.default_rng(2).normal(size=(2, 32, 32, 3))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded.get_layer(norms[0].name)) is BatchNormalization
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded(x, training=False)),
        keras.ops.convert_to_numpy(model(x, training=False)), rtol=1e-5)
