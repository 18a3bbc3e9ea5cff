"""A saved model's layers as the stages of a conv net, in plain terms.

    stages(layers) -> (stages, notes)

`layers` are `grading.models.saved_model.read_saved_model`'s (Keras 3
or Keras 2 spellings, a nested Sequential or Functional expanded in
place). Each stage is one dict:

    {"kind": "conv", "number", "name", "filters", "kernel", "strides",
     "padding", "dilation", "acts": [activation], "bn": None | "before"
     | "after" (the activation), "unknown": a layer holding code stands
     where its activation goes}
    {"kind": "pool", "number", "type": "max" | "average", "size",
     "strides", "padding"}
    {"kind": "dropout", "number", "rate", "class"}
    {"kind": "gap"}   {"kind": "softmax"}   {"kind": "other", "text"}

and each activation {"kind": "relu" | "elu" | "lrelu" | "maxout" | a
Keras name | "linear", "text", "pieces" (Maxout)}. The spellings of one
thing are one stage: `Activation('relu')`, `ReLU()` and `activation=
'relu'` inside `Conv2D`; a `Softmax` layer, `Activation('softmax')` and
`activation='softmax'`; `LeakyReLU(alpha=...)` (Keras 2) and
`LeakyReLU(negative_slope=...)` (Keras 3); our `Maxout`, a student's
Maxout class whose config gives pieces or units, and a Maxout of
standard layers (`grading.models.maxout_pattern`). `notes` are "not
checkable: ..." lines for what the file does not say (a layer holding
code, a Maxout whose config gives neither pieces nor units).
Preprocessing and augmentation layers are input handling, not
architecture, and are skipped. Nothing here imports Keras.
"""

import math

from grading.models import maxout_pattern
from grading.models.inspect_model import CODE_CLASSES, OUR_REGISTERED
from grading.models.saved_model import STANDARD_LAYERS
from grading.models.saved_model import _layers as layers_of_config
from nin.layers.activations import ACTIVATION_LABELS, activation_label

NESTED_MODELS = frozenset({"Sequential", "Functional", "Model"})
CONVS = frozenset({"Conv2D", "Convolution2D"})
POOLS = {"MaxPooling2D": "max", "MaxPool2D": "max",
         "AveragePooling2D": "average", "AvgPool2D": "average"}
DROPOUTS = frozenset({"Dropout", "SpatialDropout2D"})
GLOBAL_AVERAGE = frozenset({"GlobalAveragePooling2D", "GlobalAvgPool2D"})
ACTIVATION_LAYERS = frozenset({"Activation", "ReLU", "LeakyReLU", "ELU",
                               "PReLU", "Softmax", "ThresholdedReLU"})
SKIPPED = frozenset({
    "InputLayer", "Rescaling", "Normalization", "RandomFlip", "RandomCrop",
    "RandomTranslation", "RandomRotation", "RandomZoom", "RandomContrast",
    "RandomBrightness", "GaussianNoise", "PadCropFlip"})
# Keras's defaults where a config leaves the value out.
LEAKY_RELU_DEFAULT = 0.3
LEAKY_RELU_FUNCTION_DEFAULT = 0.2  # keras.activations.leaky_relu
OUR_ACTIVATIONS = {"nin>RReLU": "rrelu", "nin>SigmoidPReLU": "sprelu"}
KERAS_NAMES = {"leaky_relu": "lrelu", "relu": "relu", "elu": "elu",
               "linear": "linear", "softmax": "softmax"}
MAX_DEPTH = 8


def flatten(layers, depth=0):
    """The layers with each nested Sequential or Functional expanded."""
    flat = []
    for layer in layers:
        nested = layer["config"].get("layers")
        if layer["class"] in NESTED_MODELS and isinstance(nested, list) \
                and depth < MAX_DEPTH and not holds_code(layer):
            flat.extend(flatten(layers_of_config(
                {"config": layer["config"]}), depth + 1))
        else:
            flat.append(layer)
    return flat


def holds_code(layer):
    """A layer whose meaning is in the student's code, not in its config."""
    module = layer.get("module")
    if layer.get("registered_name") in OUR_REGISTERED:
        return False
    if layer["class"] in CODE_CLASSES:
        return True
    if module is not None and not (
            module == "keras" or str(module).startswith("keras.")):
        return True
    known = (STANDARD_LAYERS - {"Maxout"}) | NESTED_MODELS | SKIPPED | \
        maxout_pattern.PATTERN_CLASSES | ACTIVATION_LAYERS
    return layer["class"] not in known


def activation_text(kind, **detail):
    if kind == "lrelu":
        return f"LReLU (slope {detail['slope']:g})"
    if kind == "maxout":
        return f"Maxout ({detail['pieces']} pieces)"
    if kind == "elu" and detail.get("alpha", 1.0) != 1.0:
        return f"ELU (alpha {detail['alpha']:g})"
    if kind == "relu" and detail.get("max_value") is not None:
        return f"ReLU (max {detail['max_value']:g})"
    if kind == "linear":
        return "no activation"
    return activation_label(kind) if kind in ACTIVATION_LABELS else kind


def _activation(kind, **detail):
    return {"kind": kind, "text": activation_text(kind, **detail),
            **{key: value for key, value in detail.items()
               if key == "pieces"}}


def _number(value, default):
    return float(value) if isinstance(value, (int, float)) and not \
        isinstance(value, bool) else default


def activation_of_name(value):
    """An activation from a config's `activation` value (a name, or
    Keras 3's dict for a function or a layer); None: holds code."""
    if isinstance(value, dict):
        inner, module = value.get("config"), value.get("module")
        if module is not None and not str(module).startswith("keras"):
            return None
        if isinstance(inner, str):
            value = inner
        elif value.get("class_name") in ACTIVATION_LAYERS:
            return activation_of_layer({
                "class": value.get("class_name"), "config": inner
                if isinstance(inner, dict) else {}})
        else:
            return None
    if value is None:
        return _activation("linear")
    if not isinstance(value, str):
        return None
    kind = KERAS_NAMES.get(value.lower(), value.lower()[:40])
    if kind == "lrelu":
        return _activation(kind, slope=LEAKY_RELU_FUNCTION_DEFAULT)
    return _activation(kind)


def activation_of_layer(layer):
    """The activation a standard activation layer computes."""
    config, kind = layer["config"], layer["class"]
    if kind == "Activation":
        return activation_of_name(config.get("activation"))
    if kind == "ReLU":
        slope = _number(config.get("negative_slope"), 0.0)
        if slope:
            return _activation("lrelu", slope=slope)
        threshold = _number(config.get("threshold"), 0.0)
        if threshold:
            return _activation(f"relu (threshold {threshold:g})")
        return _activation("relu", max_value=config.get("max_value")
                           if isinstance(config.get("max_value"),
                                         (int, float)) else None)
    if kind == "LeakyReLU":
        slope = config.get("negative_slope", config.get("alpha"))
        return _activation("lrelu", slope=_number(slope, LEAKY_RELU_DEFAULT))
    if kind == "ELU":
        return _activation("elu", alpha=_number(config.get("alpha"), 1.0))
    if kind == "PReLU":
        return _activation("prelu")
    if kind == "Softmax":
        return _activation("softmax")
    return _activation(kind.lower())


def _maxout_class(layer, channels):
    """(pieces or None, why not) for our Maxout or a student's own."""
    config = layer["config"]
    for key in ("pieces", "num_pieces", "k"):
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool) \
                and value >= 2:
            return value, None
    for key in ("units", "num_units"):
        units = config.get(key)
        if isinstance(units, int) and not isinstance(units, bool) and \
                units > 0 and isinstance(channels, int):
            if channels % units or channels // units < 2:
                return None, (f"its {units} units do not divide the "
                              f"{channels} channels before it into pieces")
            return channels // units, None
    return None, "its config gives neither pieces nor units"


def _tuple(value, count=2):
    if isinstance(value, int) and not isinstance(value, bool):
        return [value] * count
    if isinstance(value, (list, tuple)) and len(value) == count:
        return list(value)
    return None


def _input_spatial(layer):
    config = layer["config"]
    shape = config.get("batch_shape", config.get("batch_input_shape"))
    if isinstance(shape, list) and len(shape) == 4 and all(
            isinstance(size, int) for size in shape[1:3]):
        return tuple(shape[1:3])
    return None


def _after(spatial, kernel, strides, padding, dilation=(1, 1)):
    """The (height, width) a conv or pool makes, None when unknown."""
    if spatial is None or kernel is None or strides is None or any(
            not isinstance(v, int) or v < 1 for v in (*kernel, *strides)):
        return None
    sizes = []
    for size, k, s, d in zip(spatial, kernel, strides, dilation or (1, 1)):
        reach = (k - 1) * (d if isinstance(d, int) else 1) + 1
        sizes.append(-(-size // s) if padding == "same" else
                     (size - reach) // s + 1)
    return tuple(sizes) if min(sizes) > 0 else None


class _Reader:
    """One pass over the layers, keeping the conv an activation joins."""

    def __init__(self):
        self.stages, self.notes = [], []
        self.open = None  # the conv still taking its BN and activation
        self.spatial = None
        self.counts = {}

    def add(self, stage):
        if stage["kind"] in ("conv", "pool", "dropout"):
            number = self.counts.get(stage["kind"], 0) + 1
            self.counts[stage["kind"]] = number
            stage["number"] = number
        self.stages.append(stage)
        self.open = stage if stage["kind"] == "conv" else None

    def where(self):
        return f" after {label(self.stages[-1])}" if self.stages else ""

    def act(self, activation, layer):
        if activation is None:
            self.code(layer)
        elif activation["kind"] == "linear":
            return
        elif activation["kind"] == "softmax":
            self.add({"kind": "softmax"})
        elif self.open is not None:
            self.open["acts"].append(activation)
        else:
            self.add({"kind": "other", "text": f"{activation['text']} "
                      f"layer {layer['name']}"})

    def code(self, layer, why="holds code (not run)"):
        self.notes.append(f"not checkable: layer {layer['name']} "
                          f"({layer['class']}){self.where()} {why}")
        if self.open is not None and not self.open["acts"]:
            self.open["unknown"] = True
        self.spatial = None

    def conv(self, layer):
        config = layer["config"]
        kernel = _tuple(config.get("kernel_size"))
        strides = _tuple(config.get("strides", 1))
        dilation = _tuple(config.get("dilation_rate", 1))
        self.add({"kind": "conv", "name": layer["name"],
                  "filters": config.get("filters"), "kernel": kernel,
                  "strides": strides, "padding": config.get("padding",
                                                            "valid"),
                  "dilation": dilation, "acts": [], "bn": None,
                  "unknown": False})
        self.spatial = _after(self.spatial, kernel, strides,
                              config.get("padding"), dilation)
        self.act(activation_of_name(config.get("activation")), layer)

    def pool(self, layer):
        config = layer["config"]
        size = _tuple(config.get("pool_size", 2))
        strides = _tuple(config.get("strides")) or size
        self.add({"kind": "pool", "type": POOLS[layer["class"]],
                  "size": size, "strides": strides,
                  "padding": config.get("padding", "valid")})
        self.spatial = _after(self.spatial, size, strides,
                              config.get("padding"))

    def batch_norm(self, layer):
        if self.open is None:
            self.add({"kind": "other",
                      "text": f"BatchNormalization layer {layer['name']}"})
        elif self.open["bn"] is None:
            self.open["bn"] = "after" if self.open["acts"] else "before"

    def maxout(self, layers, index):
        """How many layers from `index` a Maxout takes (0: none)."""
        layer = layers[index]
        channels = self.open["filters"] if self.open else None
        if layer["class"] in maxout_pattern.PATTERN_CLASSES:
            if self.open is None or self.open["acts"]:
                return 0
            found = maxout_pattern.recognize(layers[index:], channels,
                                             self.spatial)
            if found is None:
                return 0
            length, pieces = found
        elif "maxout" in layer["class"].lower():
            pieces, why = _maxout_class(layer, channels)
            if pieces is None:
                self.code(layer, f"is a Maxout the config does not "
                          f"describe: {why}")
                return 1
            length = 1
        else:
            return 0
        if self.open is None:
            self.add({"kind": "other", "text": f"Maxout layer "
                      f"{layer['name']}"})
        else:
            self.open["acts"].append(_activation("maxout", pieces=pieces))
        return length

    def layer(self, layer):
        kind = layer["class"]
        if not self.stages and self.spatial is None:
            # Keras 3's InputLayer, or Keras 2's first layer's own shape
            self.spatial = _input_spatial(layer)
        if kind in SKIPPED:
            return
        if holds_code(layer):
            self.code(layer)
        elif kind in CONVS:
            self.conv(layer)
        elif kind == "BatchNormalization":
            self.batch_norm(layer)
        elif layer.get("registered_name") in OUR_ACTIVATIONS:
            self.act(_activation(OUR_ACTIVATIONS[layer["registered_name"]]),
                     layer)
        elif kind in ACTIVATION_LAYERS:
            self.act(activation_of_layer(layer), layer)
        elif kind in POOLS:
            self.pool(layer)
        elif kind in DROPOUTS:
            self.add({"kind": "dropout", "class": kind,
                      "rate": _number(layer["config"].get("rate"), None)})
        elif kind in GLOBAL_AVERAGE:
            self.add({"kind": "gap"})
            self.spatial = None
        elif kind == "Dense":
            units = layer["config"].get("units")
            activation = activation_of_name(layer["config"].get(
                "activation"))
            shown = "" if activation is None or activation["kind"] in (
                "linear", "softmax") else f", {activation['text']}"
            self.add({"kind": "other", "text": f"Dense layer "
                      f"{layer['name']} ({units} units{shown})"})
            if activation is None or activation["kind"] == "softmax":
                self.act(activation, layer)
            self.spatial = None
        else:
            self.add({"kind": "other",
                      "text": f"{kind} layer {layer['name']}"})
            self.spatial = None


def stages(layers):
    """(stages, notes) of the saved layers, in their saved order."""
    reader = _Reader()
    layers = flatten(layers)
    index = 0
    while index < len(layers):
        taken = reader.maxout(layers, index)
        if not taken:
            reader.layer(layers[index])
            taken = 1
        index += taken
    return reader.stages, reader.notes


def conv_units(stage):
    """A conv's output channels after its activation (Maxout: units)."""
    filters = stage["filters"]
    pieces = next((act["pieces"] for act in stage["acts"]
                   if act["kind"] == "maxout"), 1)
    if isinstance(filters, int) and filters % pieces == 0:
        return filters // pieces
    return filters


def label(stage):
    if stage["kind"] in ("conv", "pool", "dropout"):
        return f"{stage['kind']} {stage['number']}"
    return {"gap": "global average pooling",
            "softmax": "softmax"}.get(stage["kind"], stage.get("text", ""))


def describe(stage, filters=None):
    """A stage in words, e.g. `conv 3 (1x1, 96 filters)`."""
    kind = stage["kind"]
    if kind == "conv":
        kernel = "x".join(str(size) for size in stage["kernel"] or ("?",))
        return (f"{label(stage)} ({kernel}, "
                f"{stage['filters'] if filters is None else filters} "
                "filters)")
    if kind == "pool":
        size = "x".join(str(s) for s in stage["size"] or ("?",))
        stride = (stage["strides"] or ("?",))[0]
        return (f"{label(stage)} ({stage['type']} {size}, stride {stride}, "
                f"{stage['padding']})")
    if kind == "dropout":
        rate = stage["rate"]
        return f"{label(stage)} ({'?' if rate is None else f'{rate:g}'})"
    return label(stage)


def close(a, b):
    return isinstance(a, float) and isinstance(b, float) and math.isclose(
        a, b, rel_tol=1e-5)
