"""Recognize a student's Maxout written with standard layers, as data.

Keras has no Maxout layer, so students write one: a `Reshape` that splits
the channels into (units, pieces), a max over the pieces axis through a
pooling layer (`MaxPooling3D(pool_size=(1, 1, k))`, or `Permute` then
`MaxPooling1D`), and a `Reshape` back. Such a run of layers is a Maxout
when it maps every feature map to the max over groups of k channels -
consecutive (channels u*k .. u*k+k-1, as `nin.layers.Maxout`) or strided
(u, u+units, ...; the same up to the order of the conv's filters).

`recognize` decides that by applying the layers' configs with NumPy to
an array of distinct values: no Keras, nothing of the student's runs.
"""

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

RESHAPES = frozenset({"Reshape", "Permute"})
POOLS = {f"{prefix}{dims}D": dims for dims in (1, 2, 3)
         for prefix in ("MaxPooling", "MaxPool")}
GLOBAL_POOLS = {f"{prefix}{dims}D": dims for dims in (1, 2, 3)
                for prefix in ("GlobalMaxPooling", "GlobalMaxPool")}
PATTERN_CLASSES = RESHAPES | set(POOLS) | set(GLOBAL_POOLS)
MAX_VALUES = 1 << 22


def recognize(layers, channels, spatial):
    """(how many of `layers` form a Maxout, pieces) or None.

    `layers` follow a conv of `channels` filters whose feature map is
    `spatial` (height, width) or None where unknown; the longest leading
    run of pattern layers that computes a Maxout wins."""
    run = 0
    while run < len(layers) and layers[run]["class"] in PATTERN_CLASSES:
        run += 1
    if not run or layers[0]["class"] not in RESHAPES:
        return None
    inputs = _inputs(layers[0], channels, spatial)
    if inputs is None:
        return None
    for length in range(run, 1, -1):
        pieces = _pieces(layers[:length], inputs, channels)
        if pieces is not None:
            return length, pieces
    return None


def _inputs(first, channels, spatial):
    if not isinstance(channels, int) or channels < 2:
        return None
    if spatial is not None:
        shape = (1, *spatial, channels)
    else:  # a leading Reshape fixes the size without -1
        target = first["config"].get("target_shape")
        if first["class"] != "Reshape" or not _ints(target) or min(
                target) < 1 or math.prod(target) % channels:
            return None
        shape = (1, math.prod(target) // channels, channels)
    if math.prod(shape) > MAX_VALUES:
        return None
    values = np.random.default_rng(0).permutation(math.prod(shape))
    return values.astype(np.float64).reshape(shape)


def _pieces(layers, inputs, channels):
    try:
        outputs = inputs
        for layer in layers:
            outputs = _apply(layer, outputs)
    except (ValueError, TypeError, IndexError):
        return None
    units = outputs.shape[-1] if outputs.ndim else 0
    if not units or channels % units or channels // units < 2:
        return None
    pieces = channels // units
    positions = inputs.size // channels
    if outputs.size != positions * units:
        return None
    found = outputs.reshape(positions, units)
    flat = inputs.reshape(positions, channels)
    for expected in (flat.reshape(positions, units, pieces).max(axis=2),
                     flat.reshape(positions, pieces, units).max(axis=1)):
        if np.array_equal(found, expected):
            return pieces
    return None


def _ints(values):
    return isinstance(values, (list, tuple)) and values and all(
        isinstance(value, int) and not isinstance(value, bool)
        for value in values)


def _apply(layer, x):
    config, kind = layer["config"], layer["class"]
    if kind == "Reshape":
        target = config.get("target_shape")
        if not _ints(target):
            raise ValueError("no target shape")
        return x.reshape((x.shape[0], *target))
    if kind == "Permute":
        dims = config.get("dims")
        if not _ints(dims) or sorted(dims) != list(range(1, x.ndim)):
            raise ValueError("no permutation of the feature axes")
        return x.transpose((0, *dims))
    channels_first = config.get("data_format") == "channels_first"
    axes = list(range(2, x.ndim) if channels_first else range(1, x.ndim - 1))
    if kind in GLOBAL_POOLS:
        if len(axes) != GLOBAL_POOLS[kind]:
            raise ValueError("wrong rank")
        return x.max(axis=tuple(axes), keepdims=bool(config.get(
            "keepdims")))
    return _max_pool(x, axes, POOLS[kind], config)


def _sizes(value, dims):
    if isinstance(value, int) and not isinstance(value, bool):
        return [value] * dims
    if _ints(value) and len(value) == dims:
        return list(value)
    raise ValueError("bad pool size")


def _max_pool(x, axes, dims, config):
    if len(axes) != dims:
        raise ValueError("wrong rank")
    sizes = _sizes(config.get("pool_size"), dims)
    strides = sizes if config.get("strides") is None else _sizes(
        config.get("strides"), dims)
    same = config.get("padding", "valid") == "same"
    for axis, size, stride in zip(axes, sizes, strides):
        length = x.shape[axis]
        if size < 1 or stride < 1:
            raise ValueError("bad pool size")
        if same:  # TensorFlow's padding: the extra cell goes at the end
            out = -(-length // stride)
            total = max((out - 1) * stride + size - length, 0)
            pad = [(0, 0)] * x.ndim
            pad[axis] = (total // 2, total - total // 2)
            x = np.pad(x, pad, constant_values=-np.inf)
        else:
            out = (length - size) // stride + 1
            if out < 1:
                raise ValueError("pool larger than its input")
        if out * size * (x.size // max(x.shape[axis], 1)) > MAX_VALUES:
            raise ValueError("pool windows too large to apply")
        windows = sliding_window_view(x, size, axis=axis)
        x = np.take(windows, np.arange(out) * stride, axis=axis).max(-1)
    return x
