"""A student's saved Keras model read as data: no Keras, no code run.

    read_saved_model(path, max_values=ARRAY_MAX_VALUES) -> {
        "source": "keras3" | "keras3-h5" | "keras2-h5",
        "keras_version": str or None,
        "holds_code": bool, "findings": [text],
        "layers": [{"name", "class", "signature", "inputs" (names),
                    "config"}],
        "arrays": {layer name: [numpy arrays in Keras's set order]},
        "param_count": int, "initializers": {layer name: {...}}}
    read_saved_model raises ModelFileError (a ValueError) with a clear
    message for a truncated, garbage or oversized file; nothing else
    escapes for a bad file.

`.keras` (a zip) goes through `grading.models.inspect_model`; `.h5`
(Keras 2 / tf.keras, or Keras 3's legacy h5) is read with h5py: the root
attribute `model_config` (JSON) and `model_weights/<layer>` with its
`weight_names`. Declared array sizes are checked against `max_values`
before any array is read. A Lambda (marshalled or base64 bytecode), a
class outside STANDARD_LAYERS or a `module` outside keras makes
`holds_code` true: "not checkable: layer X holds code".
"""

import json
import re
import zipfile
from pathlib import Path

import numpy as np

from grading.models.inspect_model import (
    CODE_CLASSES, OUR_REGISTERED, ModelFileError, initializer_of,
    read_keras_file, signature)

FILE_MAX_BYTES = 1 << 30
ARRAY_MAX_VALUES = 64 << 20
STANDARD_LAYERS = frozenset({
    "InputLayer", "Conv2D", "Convolution2D", "BatchNormalization",
    "Activation", "ReLU", "ELU", "LeakyReLU", "Softmax", "MaxPooling2D",
    "MaxPool2D", "AveragePooling2D", "AvgPool2D", "GlobalAveragePooling2D",
    "GlobalAvgPool2D", "GlobalMaxPooling2D", "Dropout", "SpatialDropout2D",
    "Flatten", "Dense", "Reshape", "ZeroPadding2D", "Add", "Concatenate",
    "Maximum", "PReLU", "GaussianNoise", "Maxout", "MaxPooling3D",
    "GlobalMaxPool2D", "GaussianDropout", "AlphaDropout"})


def read_saved_model(path, max_values=ARRAY_MAX_VALUES):
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ModelFileError(f"cannot read {path.name}: {error}") from None
    if size > FILE_MAX_BYTES:
        raise ModelFileError(f"Expected a model file under {FILE_MAX_BYTES}"
                             f" bytes. Received: {size} bytes")
    if zipfile.is_zipfile(path):
        return _read_keras3(path, max_values)
    return _read_h5(path, max_values)


def _read_keras3(path, max_values):
    import io

    import h5py

    config, weights = read_keras_file(path)
    layers = _layers(config)
    arrays = {}
    if weights is not None:
        try:
            with h5py.File(io.BytesIO(weights), "r") as handle:
                group = handle.get("layers")
                counts = {}
                for layer in layers:
                    key = _snake_case(layer["class"])
                    seen = counts.get(key, 0)
                    counts[key] = seen + 1
                    if layer["class"] == "InputLayer" or group is None:
                        continue
                    # Keras 3 names each layer's weights by its class in
                    # snake case and a per-class count, not by its name.
                    node = group.get(key if not seen else f"{key}_{seen}")
                    vars_ = node.get("vars") if node is not None else None
                    if vars_ is not None and len(vars_):
                        arrays[layer["name"]] = _read_checked(
                            [vars_[key] for key in sorted(
                                vars_, key=lambda k: (not k.isdigit(),
                                                      int(k) if k.isdigit()
                                                      else 0, k))],
                            max_values)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelFileError(
                f"model.weights.h5 is not readable: {error}") from None
    return _result("keras3", _version(path), config, layers, arrays)


def _snake_case(name):
    """keras.src.utils.naming.to_snake_case, as Keras 3 names the
    layers' groups in model.weights.h5."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _version(path):
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("metadata.json")
            if info.file_size > 1 << 16:
                return None
            return str(json.loads(archive.read(info)).get("keras_version"))
    except (KeyError, ValueError, OSError, AttributeError, zipfile.BadZipFile):
        return None


def _read_h5(path, max_values):
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            raw = handle.attrs.get("model_config")
            if raw is None:
                raise ModelFileError(
                    f"Expected a Keras model file (.keras or .h5 with "
                    f"model_config). Received: {path.name} without one")
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8")
            config = json.loads(str(raw))
            version = handle.attrs.get("keras_version")
            version = version.decode() if isinstance(version, bytes) \
                else (str(version) if version is not None else None)
            if not isinstance(config, dict):
                raise ModelFileError("model_config is not a JSON object")
            layers = _layers(config)
            group = handle.get("model_weights", handle)
            arrays = {}
            for layer in layers:
                node = group.get(layer["name"])
                if node is None:
                    continue
                names = [n.decode() if isinstance(n, bytes) else str(n)
                         for n in node.attrs.get("weight_names", [])]
                if names:
                    arrays[layer["name"]] = _read_checked(
                        [node[name] for name in names], max_values)
    except ModelFileError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RecursionError,
            UnicodeDecodeError) as error:
        raise ModelFileError(f"{path.name} is not a readable Keras .h5 "
                             f"file: {str(error)[:200]}") from None
    source = "keras3-h5" if version and version.startswith("3") \
        else "keras2-h5"
    return _result(source, version, config, layers, arrays)


def _read_checked(datasets, max_values):
    total = 0
    for dataset in datasets:
        total += int(np.prod(dataset.shape, dtype=np.float64))
        if total > max_values:
            raise ModelFileError(
                f"Expected arrays of at most {max_values} values in all. "
                f"Received: a layer declaring {total} or more")
    return [np.asarray(dataset[()]) for dataset in datasets]


def _layers(config):
    settings = config.get("config")
    if isinstance(settings, list):  # Keras 2.0 Sequential: a bare list
        layers = settings
    elif isinstance(settings, dict):
        layers = settings.get("layers")
    else:
        layers = None
    if not isinstance(layers, list) or not all(
            isinstance(layer, dict) for layer in layers):
        raise ModelFileError("the model config has no list of layers")
    described = []
    for position, layer in enumerate(layers):
        cfg = layer.get("config")
        cfg = cfg if isinstance(cfg, dict) else {}
        name = str(layer.get("name", cfg.get("name", position)))[:120]
        class_name = str(layer.get("class_name"))[:80]
        described.append({
            "name": name, "class": class_name,
            "signature": signature(class_name, cfg),
            "inputs": _inbound(layer.get("inbound_nodes", [])),
            "config": cfg, "module": layer.get("module"),
            "registered_name": layer.get("registered_name")})
    return described


def _inbound(nodes):
    names = []

    def walk(node):
        if isinstance(node, dict):
            history = node.get("config", {}).get("keras_history") \
                if isinstance(node.get("config"), dict) else None
            if isinstance(history, list) and history:
                names.append(str(history[0]))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            # Keras 2: [[layer name, node index, tensor index, kwargs]]
            if len(node) >= 3 and isinstance(node[0], str) and isinstance(
                    node[1], int):
                names.append(node[0])
                return
            for value in node:
                walk(value)

    walk(nodes)
    return names


def code_reasons(layers):
    """["not checkable: layer X holds code"] for each layer that does."""
    reasons = []
    for layer in layers:
        name, cls = layer["name"], layer["class"]
        module = layer.get("module")
        registered = layer.get("registered_name")
        ours = registered in OUR_REGISTERED
        foreign_module = module is not None and not (
            module == "keras" or str(module).startswith("keras."))
        if cls in CODE_CLASSES or (cls not in STANDARD_LAYERS and not ours) \
                or (foreign_module and not ours) or (
                    cls == "Maxout" and not ours):
            reasons.append(f"not checkable: layer {name} ({cls}) holds code"
                           " (nothing run)")
    return reasons


def _result(source, version, config, layers, arrays):
    findings = code_reasons(layers)
    initializers = {layer["name"]: initializer_of(layer["config"])
                    for layer in layers
                    if "kernel_initializer" in layer["config"]}
    return {
        "source": source, "keras_version": version,
        "holds_code": bool(findings), "findings": findings,
        "layers": layers, "arrays": arrays,
        "param_count": int(sum(a.size for group in arrays.values()
                               for a in group)),
        "initializers": initializers,
        "model_class": str(config.get("class_name")),
    }
