"""Check numerically that a Maxout run's activations are a max over k pieces.

For every layer that follows a convolution (after its BN, if any) in the
student's saved architecture, we instantiate that one layer, only if its
class is on a fixed allow-list (Keras activations and our own layers) and
its config holds no code, through
`deserialize_keras_object(..., safe_mode=True)`; then compare its output on
random inputs with a NumPy max over each group of k consecutive channels.
A ReLU (or anything else) posing as Maxout fails with the reason.
"""

import numpy as np
from grading.models import inspect_model

SAFE_ACTIVATION_LAYERS = {
    ("keras.layers", "Activation"), ("keras.layers", "ReLU"),
    ("keras.layers", "LeakyReLU"), ("keras.layers", "ELU"),
    ("keras.layers", "PReLU"), ("nin.layers.maxout", "Maxout"),
    ("nin.layers.rrelu", "RReLU"),
}
SAFE_ACTIVATION_NAMES = {"relu", "elu", "linear", "sigmoid", "tanh",
                         "softmax", "selu", "gelu", "swish", "silu"}
MAX_CHANNELS = 1 << 14


def _activation_positions(layers):
    """Indexes of the layers right after each conv (after its BN, if any)."""
    positions = []
    for index, layer in enumerate(layers):
        if layer["class"] != "Conv2D":
            continue
        after = index + 1
        if after < len(layers) and layers[after]["class"] == \
                "BatchNormalization":
            after += 1
        if after < len(layers):
            positions.append((index, after))
    return positions


def _instantiate(layer):
    import keras

    key = (layer.get("module"), layer["class"])
    if key not in SAFE_ACTIVATION_LAYERS:
        raise ValueError(f"{layer['class']} is not an allowed activation "
                         "layer; it was not executed")
    if inspect_model.code_findings({"config": layer["config"]}):
        raise ValueError("its config holds code; it was not executed")
    activation = layer["config"].get("activation")
    if layer["class"] == "Activation" and activation not in \
            SAFE_ACTIVATION_NAMES:
        raise ValueError(f"activation {str(activation)[:40]!r} is not a "
                         "built-in name; it was not executed")
    # Checked in float32: a run trained in mixed precision (bf16) would
    # otherwise differ from the float32 reference by bf16 rounding.
    config = {**layer["config"], "dtype": "float32"}
    return keras.saving.deserialize_keras_object(
        {"module": layer.get("module"), "class_name": layer["class"],
         "config": config,
         "registered_name": layer.get("registered_name")},
        safe_mode=True)


def maxout_check(layers, claimed, context):
    """{"checked", "failures"}: each activation vs a max over k pieces."""
    from keras import ops

    pieces = claimed["model_options"].get("pieces", 2)
    if not isinstance(pieces, int) or pieces < 2:
        raise ValueError(f"config.json claims pieces={pieces!r}")
    failures, checked = [], 0
    for conv_index, index in _activation_positions(layers):
        layer = layers[index]
        label = f"{layer['name'][:60]} ({layer['class']})"
        channels = layers[conv_index]["config"].get("filters")
        if not isinstance(channels, int) or not 0 < channels <= MAX_CHANNELS:
            failures.append(f"{label}: unknown conv channel count")
            continue
        checked += 1
        inputs = context.rng.normal(size=(2, 3, 3, channels)).astype(
            np.float32)
        try:
            outputs = ops.convert_to_numpy(_instantiate(layer)(inputs))
        except Exception as error:  # a refused or broken layer fails only
            failures.append(f"{label}: {error}"[:300])
            continue
        if channels % pieces:
            failures.append(f"{label}: {channels} channels are not groups "
                            f"of {pieces} pieces")
            continue
        expected = inputs.reshape(2, 3, 3, channels // pieces, pieces).max(
            axis=-1)
        if outputs.shape != expected.shape:
            failures.append(
                f"{label}: output shape {outputs.shape}, a max over "
                f"{pieces} pieces gives {expected.shape}")
        elif not np.allclose(outputs, expected, atol=context.tolerance):
            error = float(np.max(np.abs(outputs - expected)))
            failures.append(f"{label}: differs from a max over {pieces} "
                            f"pieces by up to {error:.3g}")
    if not checked:
        failures.append("no activation layer follows a convolution")
    return {"checked": checked, "failures": failures}
