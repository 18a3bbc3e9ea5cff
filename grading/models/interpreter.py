"""A student's own network rebuilt from its saved config: standard layers only.

    build_predictor(student) -> Rebuilt (`student` as
        `grading.models.saved_model.read_saved_model` returns it)

The config is data. Each layer's class must be one this interpreter
knows (`LAYERS`: the standard Keras layers a NIN, a small CNN or a
Maxout made of standard layers - Reshape + MaxPooling, or Maximum over
convs - needs) and each key of its config is either read by that class's
reader, which checks its value (ints in bounds, names from a fixed list:
"Expected ... Received: ..."), or is on `IGNORED` (initializers,
regularizers, constraints, dtype, names: nothing inference computes).
Anything else is refused with the reason: "not re-measured: layer X
(class Y) is not a standard layer", or which key or value is not
understood. The layers are then constructed by us, e.g.
`keras.layers.Conv2D(filters=192, kernel_size=(5, 5), ...)` from the
checked values; nothing from the file is deserialized or run.

Keras 2 and Keras 3 spellings are both read (`batch_input_shape` /
`batch_shape`, LeakyReLU `alpha` / `negative_slope`, Keras 2.0's bare
list of layers, `Convolution2D`, `MaxPool2D`, ...); inputs must be
channels last, as Keras on TensorFlow saves them by default.

Before any Keras layer is built, the shapes are worked out from the
config and the file's arrays must have exactly the shapes each layer
needs (so a config declaring huge layers allocates nothing), and no
layer may produce more than `MAX_VALUES_PER_IMAGE` values per image.
The arrays are loaded in Keras's order. BatchNormalization is built as
`nin.layers.BatchNormalization` (Keras's layer, same weights and math),
so the compiled inference graph of `grading.models.inference` folds it
into the conv before it: a foreign student is re-measured by the same
graph, at the same cost, as a toolkit one.
"""

import json

import numpy as np

MAX_VALUES_PER_IMAGE = 1 << 24
MAX_UNITS = 1 << 16
MAX_KERNEL = 64
ACTIVATIONS = frozenset({
    "linear", "relu", "elu", "selu", "sigmoid", "tanh", "softmax",
    "softplus", "softsign", "swish", "silu", "gelu", "leaky_relu",
    "relu6", "hard_sigmoid", "exponential", "log_softmax", "mish"})
IGNORED = frozenset({
    "name", "trainable", "dtype", "kernel_initializer", "bias_initializer",
    "kernel_regularizer", "bias_regularizer", "activity_regularizer",
    "kernel_constraint", "bias_constraint", "beta_initializer",
    "gamma_initializer", "moving_mean_initializer",
    "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
    "beta_constraint", "gamma_constraint", "momentum", "renorm_momentum",
    "renorm_clipping", "fused", "alpha_initializer", "alpha_regularizer",
    "alpha_constraint", "seed", "noise_shape", "rate", "stddev",
    "batch_input_shape", "batch_shape", "input_shape", "input_dim",
    "sparse", "ragged", "optional", "batch_size", "lora_rank",
    "lora_alpha", "quantization_config"})
CHANNELS_LAST = ("channels_last", None)
IDENTITY = ("Dropout", "SpatialDropout2D", "GaussianNoise",
            "GaussianDropout", "AlphaDropout")


def _refusal(layer, text):
    return ValueError(f"not re-measured: layer {layer['name'][:60]} "
                      f"({layer['class'][:40]}) {text}")


class _Config:
    """One layer's config, read key by key; the rest must be IGNORED."""

    def __init__(self, layer):
        self.layer = layer
        self.values = layer["config"] if isinstance(
            layer.get("config"), dict) else {}
        self.read = set()

    def refuse(self, key, expected, received):
        return _refusal(self.layer, f"{key}: Expected {expected}. "
                        f"Received: {str(received)[:80]!r}")

    def get(self, key, default, *aliases):
        for name in (key, *aliases):
            if name in self.values:
                self.read.add(name)
                return self.values[name]
        return default

    def integer(self, key, default, low, high):
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or \
                not low <= value <= high:
            raise self.refuse(key, f"an integer in [{low}, {high}]", value)
        return value

    def number(self, key, default, low, high, *aliases):
        value = self.get(key, default, *aliases)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not low <= value <= high:
            raise self.refuse(key, f"a number in [{low}, {high}]", value)
        return float(value)

    def flag(self, key, default):
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.refuse(key, "true or false", value)
        return value

    def pair(self, key, default, low=1, high=MAX_KERNEL):
        value = self.get(key, default)
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value, value)
        if not isinstance(value, (list, tuple)) or len(value) != 2 or not \
                all(isinstance(v, int) and not isinstance(v, bool)
                    and low <= v <= high for v in value):
            raise self.refuse(key, f"one or two integers in [{low}, {high}]",
                              value)
        return tuple(value)

    def choice(self, key, default, options):
        value = self.get(key, default)
        if value not in options:
            raise self.refuse(key, f"one of {list(options)}", value)
        return value

    def activation(self, key="activation", default="linear"):
        value = self.get(key, default)
        if isinstance(value, dict):  # Keras 3 may save {"config": "relu"}
            module = str(value.get("module", "keras.activations"))
            value = value.get("config") if module.startswith(
                "keras") and isinstance(value.get("config"), str) else value
        if value is None:
            value = "linear"
        if value not in ACTIVATIONS:
            raise self.refuse(key, "a built-in activation name", value)
        return value

    def channels_last(self):
        self.choice("data_format", None, CHANNELS_LAST)

    def finish(self):
        unknown = sorted(set(self.values) - self.read - IGNORED)
        if unknown:
            raise _refusal(self.layer, f"has settings this grader does not "
                           f"interpret: {', '.join(unknown)[:120]}")


def _conv(config):
    config.channels_last()
    config.integer("groups", 1, 1, 1)
    return {"filters": config.integer("filters", None, 1, MAX_UNITS),
            "kernel_size": config.pair("kernel_size", None),
            "strides": config.pair("strides", 1),
            "padding": config.choice("padding", "valid", ("valid", "same")),
            "dilation_rate": config.pair("dilation_rate", 1),
            "activation": config.activation(),
            "use_bias": config.flag("use_bias", True)}


def _dense(config):
    return {"units": config.integer("units", None, 1, MAX_UNITS),
            "activation": config.activation(),
            "use_bias": config.flag("use_bias", True)}


def _batch_norm(config):
    axis = config.get("axis", -1)
    if isinstance(axis, list) and len(axis) == 1:
        axis = axis[0]  # Keras 2 saves [3]
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise config.refuse("axis", "the channel axis", axis)
    for key in ("renorm", "synchronized"):
        if config.get(key, False) not in (False, None):
            raise config.refuse(key, "false", config.values[key])
    for key in ("virtual_batch_size", "adjustment"):
        if config.get(key, None) is not None:
            raise config.refuse(key, "null", config.values[key])
    return {"axis": axis,
            "epsilon": config.number("epsilon", 1e-3, 0.0, 1.0),
            "center": config.flag("center", True),
            "scale": config.flag("scale", True)}


def _pooling(config):
    config.channels_last()
    pool = config.pair("pool_size", 2)
    strides = config.get("strides", None)
    return {"pool_size": pool,
            "strides": pool if strides is None else config.pair("strides",
                                                                 None),
            "padding": config.choice("padding", "valid", ("valid", "same"))}


def _pooling_3d(config):
    config.channels_last()
    values = {}
    for key in ("pool_size", "strides"):
        value = config.get(key, None if key == "strides" else 2)
        if value is None:
            value = values["pool_size"]
        if isinstance(value, int) and not isinstance(value, bool):
            value = (value,) * 3
        if not isinstance(value, (list, tuple)) or len(value) != 3 or not \
                all(isinstance(v, int) and 1 <= v <= MAX_KERNEL
                    for v in value):
            raise config.refuse(key, "three integers", value)
        values[key] = tuple(value)
    values["padding"] = config.choice("padding", "valid", ("valid", "same"))
    return values


def _global_pooling(config):
    config.channels_last()
    return {"keepdims": config.flag("keepdims", False)}


def _activation(config):
    return {"activation": config.activation(default=None)}


def _relu(config):
    max_value = config.get("max_value", None)
    if max_value is not None:
        max_value = config.number("max_value", None, 0.0, 1e9)
    return {"max_value": max_value,
            "negative_slope": config.number("negative_slope", 0.0, 0.0, 1.0),
            "threshold": config.number("threshold", 0.0, -1e9, 1e9)}


def _leaky_relu(config):
    # Keras 2 (and Keras 3 before 3.1) spell the slope `alpha`.
    return {"negative_slope": config.number("negative_slope", 0.3, 0.0, 1.0,
                                            "alpha")}


def _elu(config):
    return {"alpha": config.number("alpha", 1.0, 0.0, 1e3)}


def _softmax(config):
    axis = config.get("axis", -1)
    if axis not in (-1, [-1]):
        raise config.refuse("axis", "-1 (the classes)", axis)
    return {}


def _flatten(config):
    config.channels_last()
    return {}


def _zero_padding(config):
    config.channels_last()
    padding = config.get("padding", 1)
    if isinstance(padding, int) and not isinstance(padding, bool):
        padding = ((padding, padding),) * 2
    elif isinstance(padding, (list, tuple)) and len(padding) == 2 and all(
            isinstance(p, int) for p in padding):
        padding = tuple((p, p) for p in padding)
    if not (isinstance(padding, (list, tuple)) and len(padding) == 2 and all(
            isinstance(p, (list, tuple)) and len(p) == 2 and all(
                isinstance(v, int) and 0 <= v <= MAX_KERNEL for v in p)
            for p in padding)):
        raise config.refuse("padding", "up to two pairs of integers in "
                            f"[0, {MAX_KERNEL}]", padding)
    return {"padding": tuple(tuple(p) for p in padding)}


def _reshape(config):
    target = config.get("target_shape", None)
    if not isinstance(target, (list, tuple)) or not 1 <= len(target) <= 4 \
            or not all(isinstance(v, int) and not isinstance(v, bool) and (
                v == -1 or 1 <= v <= MAX_VALUES_PER_IMAGE) for v in target):
        raise config.refuse("target_shape", "1 to 4 positive sizes", target)
    return {"target_shape": tuple(target)}


def _prelu(config):
    shared = config.get("shared_axes", None)
    if isinstance(shared, int):
        shared = [shared]
    if shared is not None and not (isinstance(shared, list) and all(
            isinstance(v, int) and 1 <= v <= 3 for v in shared)):
        raise config.refuse("shared_axes", "axes among 1, 2, 3", shared)
    return {"shared_axes": shared}


def _concatenate(config):
    return {"axis": config.choice("axis", -1, (-1, 3))}


def _maxout(config):
    return {"pieces": config.integer("pieces", 2, 2, 64)}


def _nothing(config):
    return {}


def _identity(config):
    """A layer that passes its input on at inference (dropout, noise):
    its settings only act in training, built as Dropout(0)."""
    config.read.update(config.values)
    return {"rate": 0.0}


def _input(config):
    return {}


# class name as saved -> (the class we construct, its config reader)
LAYERS = {
    "InputLayer": ("InputLayer", _input),
    "Conv2D": ("Conv2D", _conv), "Convolution2D": ("Conv2D", _conv),
    "Dense": ("Dense", _dense),
    "BatchNormalization": ("BatchNormalization", _batch_norm),
    "Activation": ("Activation", _activation),
    "ReLU": ("ReLU", _relu), "LeakyReLU": ("LeakyReLU", _leaky_relu),
    "ELU": ("ELU", _elu), "PReLU": ("PReLU", _prelu),
    "Softmax": ("Softmax", _softmax),
    "MaxPooling2D": ("MaxPooling2D", _pooling),
    "MaxPool2D": ("MaxPooling2D", _pooling),
    "AveragePooling2D": ("AveragePooling2D", _pooling),
    "AvgPool2D": ("AveragePooling2D", _pooling),
    "MaxPooling3D": ("MaxPooling3D", _pooling_3d),
    "GlobalAveragePooling2D": ("GlobalAveragePooling2D", _global_pooling),
    "GlobalAvgPool2D": ("GlobalAveragePooling2D", _global_pooling),
    "GlobalMaxPooling2D": ("GlobalMaxPooling2D", _global_pooling),
    "GlobalMaxPool2D": ("GlobalMaxPooling2D", _global_pooling),
    "Flatten": ("Flatten", _flatten),
    "ZeroPadding2D": ("ZeroPadding2D", _zero_padding),
    "Reshape": ("Reshape", _reshape),
    "Add": ("Add", _nothing), "Maximum": ("Maximum", _nothing),
    "Concatenate": ("Concatenate", _concatenate),
    "Maxout": ("Maxout", _maxout),  # the toolkit's own (nin>Maxout) only
    **{name: ("Dropout", _identity) for name in IDENTITY},
}
MERGES = ("Add", "Maximum", "Concatenate")


def _standard(layer):
    """The (our class, checked kwargs) of one saved layer, or a refusal."""
    cls = layer["class"]
    module = layer.get("module")
    ours = layer.get("registered_name") == "nin>Maxout"
    if cls not in LAYERS or (cls == "Maxout" and not ours) or (
            module is not None and not ours and not (
                module == "keras" or str(module).startswith("keras."))):
        raise _refusal(layer, "is not a standard layer")
    kind, reader = LAYERS[cls]
    config = _Config(layer)
    kwargs = reader(config)
    config.finish()
    return kind, kwargs


def _declared_input(layer):
    """A layer's declared input shape without the batch, or None."""
    config = layer["config"] if isinstance(layer.get("config"), dict) \
        else {}
    for key in ("batch_shape", "batch_input_shape"):
        shape = config.get(key)
        if shape is not None:
            if not isinstance(shape, list) or len(shape) < 2:
                raise _refusal(layer, f"{key}: Expected a batch shape. "
                               f"Received: {str(shape)[:60]!r}")
            return shape[1:]
    return None


def _check_input_shape(layer, shape):
    if not 1 <= len(shape) <= 3 or not all(
            isinstance(v, int) and not isinstance(v, bool)
            and 1 <= v <= 4096 for v in shape) or int(np.prod(shape)) > \
            MAX_VALUES_PER_IMAGE:
        raise _refusal(layer, "Expected an input of known size (height, "
                       "width, channels). Received: "
                       f"{str(shape)[:60]}")
    return tuple(shape)


def _graph(student):
    """[(layer, kind, kwargs, input names)] in order, the input shape
    and the input's name (None: no InputLayer saved): Sequential as a
    chain, a functional model by its inbound names (one input)."""
    layers = student["layers"]
    if not layers:
        raise ValueError("not re-measured: the model has no layers")
    sequential = student.get("model_class") == "Sequential" or not any(
        layer.get("inputs") for layer in layers)
    steps, shape, previous, input_name = [], None, None, None
    for layer in layers:
        kind, kwargs = _standard(layer)
        declared = _declared_input(layer)
        if shape is None and declared is not None:
            shape = _check_input_shape(layer, declared)
        if kind == "InputLayer":
            if steps or input_name is not None:
                raise _refusal(layer, "is a second input: Expected one "
                               "input. Received: more")
            previous = input_name = layer["name"]
            continue
        if sequential:
            inputs = [previous]
        else:
            inputs = list(layer.get("inputs") or [])
        steps.append((layer, kind, kwargs, inputs))
        previous = layer["name"]
    if shape is None:
        raise ValueError("not re-measured: the file declares no input "
                         "shape (Expected an Input or input_shape on the "
                         "first layer. Received: none)")
    return steps, shape, input_name


def _weight_shapes(kind, kwargs, shape):
    """The shapes of a layer's arrays in Keras's order, from its config
    and input shape (nothing built)."""
    if kind == "Conv2D":
        kernel = (*kwargs["kernel_size"], shape[-1], kwargs["filters"])
        return [kernel] + ([(kwargs["filters"],)] if kwargs["use_bias"]
                           else [])
    if kind == "Dense":
        return [(shape[-1], kwargs["units"])] + (
            [(kwargs["units"],)] if kwargs["use_bias"] else [])
    if kind == "BatchNormalization":
        channels = (shape[kwargs["axis"] - 1] if kwargs["axis"] > 0
                    else shape[kwargs["axis"]],)
        return [channels] * (kwargs["scale"] + kwargs["center"] + 2)
    if kind == "PReLU":
        alpha = list(shape)
        for axis in kwargs["shared_axes"] or []:
            if axis <= len(alpha):
                alpha[axis - 1] = 1
        return [tuple(alpha)]
    return []


def _construct(kind, kwargs, name):
    import keras

    if kind == "BatchNormalization":
        from nin.layers import BatchNormalization

        return BatchNormalization(**kwargs, name=name)
    if kind == "Maxout":
        from nin.layers import Maxout

        return Maxout(**kwargs, name=name)
    return getattr(keras.layers, kind)(**kwargs, name=name)


def _output_shape(layer, constructed, shapes):
    try:
        shape = constructed.compute_output_shape(
            shapes if len(shapes) > 1 else shapes[0])
    except Exception as error:  # a Keras shape error, message kept
        raise _refusal(layer, f"does not fit its input {shapes}: "
                       f"{str(error)[:160]}") from None
    shape = tuple(shape)
    if any(v is None or v < 1 for v in shape[1:]) or int(
            np.prod(shape[1:], dtype=np.float64)) > MAX_VALUES_PER_IMAGE:
        raise _refusal(layer, f"Expected at most {MAX_VALUES_PER_IMAGE} "
                       f"values per image. Received: output shape {shape}")
    return shape


def build_predictor(student):
    """The student's network rebuilt from its config, its arrays loaded
    (a `Rebuilt`); a ValueError "not re-measured: ..." says what could
    not be."""
    import keras

    steps, input_shape, input_name = _graph(student)
    arrays = student.get("arrays") or {}
    known = {layer["name"] for layer, _, _, _ in steps}
    stray = sorted(set(arrays) - known)
    if stray:
        raise ValueError(f"not re-measured: arrays for layers that are not "
                         f"in the config: {', '.join(stray)[:120]}")
    if not steps:
        raise ValueError("not re-measured: the model has no layers")
    shapes = {input_name: (None, *input_shape)}
    made, used = [], set()
    for index, (layer, kind, kwargs, inputs) in enumerate(steps):
        if not inputs or any(name not in shapes for name in inputs):
            raise _refusal(layer, "takes an input that is not an earlier "
                           f"layer: {inputs[:3]}")
        if (len(inputs) > 1) != (kind in MERGES):
            wanted = "several inputs" if kind in MERGES else "one input"
            raise _refusal(layer, f"Expected {wanted}. Received: "
                           f"{len(inputs)}")
        constructed = _construct(kind, kwargs, f"layer_{index}")
        shapes_in = [shapes[name] for name in inputs]
        rank = len(shapes_in[0])
        if kind == "BatchNormalization" and kwargs["axis"] not in (
                -1, rank - 1):
            raise _refusal(layer, f"axis: Expected the channel axis (-1 or "
                           f"{rank - 1}). Received: {kwargs['axis']}")
        expected = _weight_shapes(kind, kwargs, shapes_in[0][1:])
        found = [tuple(array.shape) for array in arrays.get(
            layer["name"], [])]
        if expected != found:
            raise _refusal(layer, f"Expected arrays of shapes {expected}. "
                           f"Received: {found}")
        shapes[layer["name"]] = _output_shape(layer, constructed, shapes_in)
        used.update(inputs)
        made.append((layer["name"], constructed, inputs))
    outputs = [name for name, _, _ in made if name not in used]
    if len(outputs) != 1:
        raise ValueError(f"not re-measured: Expected one output layer. "
                         f"Received: {outputs[:5]}")
    inputs_tensor = keras.Input(input_shape)
    tensors = {input_name: inputs_tensor}
    for name, constructed, inputs in made:
        given = [tensors[i] for i in inputs]
        tensors[name] = constructed(given if len(given) > 1 else given[0])
        if arrays.get(name):
            constructed.set_weights([np.asarray(a, dtype="float32")
                                     for a in arrays[name]])
    model = keras.Model(inputs_tensor, tensors[outputs[0]])
    architecture = json.dumps(
        ["interpreted", list(input_shape),
         [[kind, kwargs, inputs] for (_, kind, kwargs, inputs) in steps]],
        default=list)
    return Rebuilt(model, architecture,
                   [(layer["name"], kind) for layer, kind, _, _ in steps])


class Rebuilt:
    """A rebuilt network: `predict` on batches, or the compiled predictor
    of a grading context (one per architecture, weights copied in)."""

    def __init__(self, model, architecture, layers):
        self.model, self.architecture, self.layers = (model, architecture,
                                                      layers)
        self.input_shape = tuple(model.inputs[0].shape[1:])
        self.output_shape = tuple(model.outputs[0].shape[1:])
        self._own = None

    def compiled(self, context=None):
        """The inference graph (`grading.models.inference`) holding these
        weights: the context's for this architecture, or its own."""
        from grading.models.inference import make_predictor

        if context is None:
            if self._own is None:
                self._own = make_predictor(self.model)
                self._own.load(self.model)
            return self._own
        predictor = context.predictor(self.architecture, self.model)
        predictor.load(self.model)
        return predictor

    def predict(self, images, precision="fp32", batch_size=256):
        """Class probabilities (or the last layer's outputs) of images
        already in the model's input convention."""
        return self.compiled().predict(
            np.ascontiguousarray(images, dtype="float32"), precision,
            batch_size)
