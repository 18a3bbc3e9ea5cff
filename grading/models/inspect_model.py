"""Read a student's `model.keras` as plain data, never as code.

A `.keras` file is a zip of `config.json` (the architecture as JSON),
`metadata.json` and `model.weights.h5` (arrays). Here `config.json` is
parsed with `json` only and `model.weights.h5` read with h5py as arrays:
no Keras deserialization, so a `Lambda` (marshalled Python bytecode) or a
custom class is reported as a finding and never runs.

`describe_layers` reduces each layer to a signature such as
`Conv2D(filters=48, kernel_size=[5, 5], ...)` and the indexes of its input
layers, which is what the architecture check compares.
"""

import io
import json
import zipfile

CONFIG_MAX_BYTES = 16 << 20
WEIGHTS_MAX_BYTES = 1 << 30
TRUSTED_MODULE_PREFIX = "keras"
OUR_REGISTERED = {"nin>Maxout", "nin>RReLU", "nin>SigmoidPReLU",
                  "nin>PadCropFlip", "nin>BatchNormalization"}
CODE_CLASSES = {"Lambda", "TFOpLambda", "__lambda__", "__function__"}

# The config fields that define each layer's architecture.
KEY_FIELDS = {
    "InputLayer": ("batch_shape",),
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "activation",
               "use_bias"),
    "Dense": ("units", "activation", "use_bias"),
    "BatchNormalization": ("axis", "center", "scale"),
    "MaxPooling2D": ("pool_size", "strides", "padding"),
    "AveragePooling2D": ("pool_size", "strides", "padding"),
    "Dropout": ("rate",),
    "Activation": ("activation",),
    "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",),
    "Maxout": ("pieces",),
}


class ModelFileError(ValueError):
    """The file is not a readable `.keras` archive."""


def read_keras_file(path):
    """(config dict, weights.h5 bytes or None) from a `.keras` zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size
                     for info in archive.infolist()}
            if "config.json" not in sizes:
                raise ModelFileError("model.keras has no config.json inside")
            if sizes["config.json"] > CONFIG_MAX_BYTES:
                raise ModelFileError("model.keras config.json is too big")
            config = json.loads(archive.read("config.json"))
            weights = None
            if sizes.get("model.weights.h5", 0) > WEIGHTS_MAX_BYTES:
                raise ModelFileError("model.weights.h5 is too big")
            if "model.weights.h5" in sizes:
                weights = archive.read("model.weights.h5")
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ModelFileError(
            f"model.keras is not a readable .keras (zip) file: {error}")
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise ModelFileError("model.keras config.json is not valid JSON")
    if not isinstance(config, dict):
        raise ModelFileError("model.keras config.json is not an object")
    return config, weights


def code_findings(config):
    """Human-readable findings for anything in `config` that is code."""
    findings = []

    def walk(node, where):
        if isinstance(node, dict):
            settings = node.get("config")
            if isinstance(settings, dict) and "name" in settings:
                where = str(settings["name"])[:80]
            name = node.get("class_name")
            if isinstance(name, str):
                if name in CODE_CLASSES:
                    findings.append(f"{where}: {name} holds Python code "
                                    "(not executed)")
                    return
                if not _trusted(node):
                    findings.append(
                        f"{where}: {name[:80]} is a custom object from "
                        f"module {str(node.get('module'))[:80]!r} "
                        "(not executed)")
            for value in node.values():
                walk(value, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    walk(config, "model")
    return findings


def _trusted(node):
    module = node.get("module")
    if node.get("registered_name") in OUR_REGISTERED:
        return True
    if module is None:
        return node.get("class_name") == "__keras_tensor__"
    return isinstance(module, str) and (
        module == TRUSTED_MODULE_PREFIX
        or module.startswith(TRUSTED_MODULE_PREFIX + "."))


def layer_configs(config):
    """The list of layer dicts of a Functional or Sequential model."""
    layers = config.get("config", {}).get("layers") if isinstance(
        config.get("config"), dict) else None
    if not isinstance(layers, list) or not all(
            isinstance(layer, dict) for layer in layers):
        raise ModelFileError("config.json has no list of layers")
    return layers


def describe_layers(config):
    """[{name, class, signature, inputs, config}] in the saved order."""
    layers = layer_configs(config)
    described = []
    index_of = {}
    for position, layer in enumerate(layers):
        settings = layer.get("config")
        settings = settings if isinstance(settings, dict) else {}
        name = str(layer.get("name", settings.get("name", position)))[:120]
        class_name = str(layer.get("class_name"))[:80]
        index_of[name] = position
        described.append({
            "name": name,
            "class": class_name,
            "signature": signature(class_name, settings),
            "inputs": [index_of.get(source, -1)
                       for source in _input_names(layer)],
            "config": settings,
            "module": layer.get("module"),
            "registered_name": layer.get("registered_name"),
        })
    return described


def signature(class_name, settings):
    fields = KEY_FIELDS.get(class_name, ())
    values = []
    for field in fields:
        value = settings.get(field)
        if field == "batch_shape" and isinstance(value, list):
            value = value[1:]
        values.append(f"{field}={json.dumps(value)}")
    return f"{class_name}({', '.join(values)})"


def _input_names(layer):
    names = []

    def walk(node):
        if isinstance(node, dict):
            history = node.get("config", {}).get("keras_history") \
                if isinstance(node.get("config"), dict) else None
            if isinstance(history, list) and history:
                names.append(str(history[0]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(layer.get("inbound_nodes", []))
    return names


def weight_arrays(weights_bytes):
    """{layer name: [numpy arrays in variable order]} from weights.h5."""
    import h5py

    if weights_bytes is None:
        raise ModelFileError("model.keras has no model.weights.h5 inside")
    arrays = {}
    try:
        with h5py.File(io.BytesIO(weights_bytes), "r") as handle:
            def visit(path, node):
                if path.split("/")[-1] == "vars" and isinstance(
                        node, h5py.Group) and len(node):
                    name = str(node.attrs.get("name", path))
                    arrays[name] = [node[key][()] for key in
                                    sorted(node, key=_numeric_key)]
            if "layers" in handle:
                handle["layers"].visititems(visit)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelFileError(f"model.weights.h5 is not readable: {error}")
    return arrays


def _numeric_key(key):
    return (0, int(key)) if key.isdigit() else (1, key)


def initializer_of(settings):
    """A layer's kernel initializer as {class_name, config} without seed."""
    initializer = settings.get("kernel_initializer")
    if not isinstance(initializer, dict):
        return {"class_name": str(initializer), "config": {}}
    config = initializer.get("config")
    config = dict(config) if isinstance(config, dict) else {}
    config.pop("seed", None)
    return {"class_name": initializer.get("class_name"), "config": config}
