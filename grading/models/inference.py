"""Compiled inference of a rebuilt model: what makes re-measuring fast.

Re-measuring used to call the Keras model eagerly in batches of 100,
about a minute per full-size CIFAR-10 run on 2 cores, most of it spent
outside the convolutions (per-op dispatch, separate BN and activation
passes over every feature map). A `Predictor` instead runs one compiled
inference graph (`tf.function`) per architecture:

- each BatchNormalization is folded into the conv or dense layer before
  it: at inference BN is a per-channel affine map
  (`nin.layers.BatchNormalization.inference_affine`), exact up to
  rounding;
- conv + bias + activation are plain TensorFlow ops, which TensorFlow's
  oneDNN rewrite fuses into one kernel (ReLU, ELU, LeakyReLU);
- a Maxout after a conv gets the conv's output channels reordered piece
  by piece, so its max over k pieces is an elementwise maximum of k
  contiguous slices (a reduction over groups of 2 channels measured ten
  times slower than the conv itself);
- it computes in bfloat16 or float32; everything after the last conv or
  dense layer (the class map's activation, pooling, softmax) in float32;
- the weights live in variables: `load` copies another run's weights in,
  so runs of the same architecture (None and WI, BN and BN+WI, ...) reuse
  one traced graph.

Its layers' behaviour is Keras's own (activation and pooling layers are
called, not re-implemented). A model that is not a plain chain of layers,
a layer it cannot fold, or a backend other than TensorFlow is run by the
Keras model's own compiled `predict` instead (`KerasPredictor`).
"""

import functools

import numpy as np

FOLDED = ("Conv2D", "Dense")
IDENTITY = ("InputLayer", "Dropout", "SpatialDropout2D", "GaussianNoise",
            "GaussianDropout", "AlphaDropout")
CALLED = ("Activation", "ReLU", "ELU", "LeakyReLU", "Maxout", "RReLU",
          "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
          "Flatten")  # weightless, dtype-agnostic: their own `call`
DTYPES = {"bf16": "bfloat16", "fp32": "float32"}


class NotFoldable(ValueError):
    """The model needs the generic path (the reason is the message)."""


def make_predictor(model):
    """A `Predictor` for `model`, or a `KerasPredictor` where it cannot
    be compiled this way (the reason is in `.fallback_reason`)."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return KerasPredictor(model, "backend is not TensorFlow")
    try:
        return Predictor(model)
    except NotFoldable as reason:
        return KerasPredictor(model, str(reason))


def _is_chain(model):
    layers = model.layers
    for before, layer in zip(layers, layers[1:]):
        nodes = getattr(layer, "_inbound_nodes", [])
        if len(nodes) != 1 or layer.input is not before.output:
            return False
    return True


class _Folded:
    """A conv or dense layer with the BN after it folded in."""

    def __init__(self, index, layer, norm_index):
        import tensorflow as tf

        config = layer.get_config()
        if config.get("data_format", "channels_last") != "channels_last" \
                or config.get("groups", 1) != 1:
            raise NotFoldable(f"{layer.name}: not a channels-last conv")
        self.index, self.norm_index = index, norm_index
        self.layer = layer
        self.is_conv = type(layer).__name__ == "Conv2D"
        shape = tuple(layer.kernel.shape)
        self.kernel = tf.Variable(tf.zeros(shape), trainable=False)
        self.bias = tf.Variable(tf.zeros(shape[-1:]), trainable=False)
        self.last = False
        self.order = None  # output channels reordered for a Maxout

    def load(self, layers):
        from keras import ops

        layer = layers[self.index]
        kernel = ops.convert_to_numpy(layer.kernel).astype("float64")
        bias = (ops.convert_to_numpy(layer.bias).astype("float64")
                if layer.use_bias else np.zeros(kernel.shape[-1]))
        if self.norm_index is not None:
            scale, shift = layers[self.norm_index].inference_affine()
            kernel, bias = kernel * scale, bias * scale + shift
        if self.order is not None:
            kernel, bias = kernel[..., self.order], bias[self.order]
        self.kernel.assign(kernel.astype("float32"))
        self.bias.assign(bias.astype("float32"))

    def __call__(self, inputs, dtype):
        import tensorflow as tf

        kernel = tf.cast(self.kernel, dtype)
        if self.is_conv:
            outputs = tf.nn.conv2d(
                inputs, kernel, strides=list(self.layer.strides),
                padding=self.layer.padding.upper(),
                dilations=list(self.layer.dilation_rate))
        else:
            outputs = tf.matmul(inputs, kernel)
        outputs = tf.nn.bias_add(outputs, tf.cast(self.bias, dtype))
        if self.last:
            outputs = tf.cast(outputs, "float32")
        return self.layer.activation(outputs)


class _Called:
    """A weightless layer whose own `call` is dtype-agnostic."""

    def __init__(self, layer):
        self.layer = layer

    def load(self, layers):
        pass

    def __call__(self, inputs, dtype):
        return self.layer.call(inputs)


class _PieceMax:
    """Maxout over channels reordered piece by piece (see `_Folded`)."""

    def __init__(self, pieces):
        self.pieces = pieces

    def load(self, layers):
        pass

    def __call__(self, inputs, dtype):
        import tensorflow as tf

        return functools.reduce(tf.maximum,
                                tf.split(inputs, self.pieces, axis=-1))


def _piece_major(channels, pieces):
    """Channel order putting piece p of every unit in block p: channel
    unit * pieces + p (Maxout's grouping) goes to p * units + unit."""
    return np.arange(channels).reshape(channels // pieces, pieces).T \
        .reshape(-1)


class _Generic:
    """Any other layer, through Keras (its own dtype, weights copied)."""

    def __init__(self, index, layer):
        self.index, self.layer = index, layer

    def load(self, layers):
        if self.layer.weights:
            self.layer.set_weights(layers[self.index].get_weights())

    def __call__(self, inputs, dtype):
        import tensorflow as tf

        outputs = self.layer(tf.cast(inputs, self.layer.compute_dtype),
                             training=False)
        return tf.cast(outputs, inputs.dtype)


def _is_norm(layer):
    return type(layer).__name__ == "BatchNormalization"


def _plan(model):
    """The steps of the inference graph, one per layer that computes."""
    if not _is_chain(model):
        raise NotFoldable("the model is not a plain chain of layers")
    layers, steps, index = model.layers, [], 0
    while index < len(layers):
        layer, kind = layers[index], type(layers[index]).__name__
        following = layers[index + 1] if index + 1 < len(layers) else None
        if kind in FOLDED:
            # BN folds into the layer before it only where that layer's
            # output is affine (a Conv2D(activation="relu") then BN is
            # common in students' code: that BN runs on its own).
            norm = index + 1 if following is not None and _is_norm(
                following) and hasattr(following, "inference_affine") \
                and layer.get_config().get("activation") == "linear" \
                else None
            steps.append(_Folded(index, layer, norm))
            index += 2 if norm is not None else 1
            if index < len(layers) and type(layers[index]).__name__ == \
                    "Maxout" and layer.kernel.shape[-1] % layers[
                        index].pieces == 0:
                pieces = layers[index].pieces
                steps[-1].order = _piece_major(layer.kernel.shape[-1],
                                               pieces)
                steps.append(_PieceMax(pieces))
                index += 1
            continue
        if kind in CALLED:
            steps.append(_Called(layer))
        elif kind not in IDENTITY:
            steps.append(_Generic(index, layer))
        index += 1
    folded = [step for step in steps if isinstance(step, _Folded)]
    if not folded:
        raise NotFoldable("the model has no conv or dense layer")
    folded[-1].last = True
    return steps


class Predictor:
    """The compiled inference graph of one architecture (TensorFlow)."""

    fallback_reason = None

    def __init__(self, model):
        self.steps = _plan(model)
        self.input_shape = tuple(model.inputs[0].shape[1:])
        self.largest_layer = max(
            int(np.prod(layer.output.shape[1:])) for layer in model.layers)
        self._functions = {}

    def load(self, model):
        """Copy `model`'s weights (same architecture) into the graph."""
        for step in self.steps:
            step.load(model.layers)

    def _function(self, precision):
        import tensorflow as tf

        if precision not in self._functions:
            dtype = DTYPES[precision]

            def forward(inputs):
                outputs = tf.cast(inputs, dtype)
                for step in self.steps:
                    outputs = step(outputs, dtype)
                return tf.cast(outputs, "float32")

            self._functions[precision] = tf.function(
                forward, jit_compile=False, input_signature=[
                    tf.TensorSpec((None, *self.input_shape), "float32")])
        return self._functions[precision]

    def predict(self, images, precision, batch_size):
        """Class probabilities of `images` (float32 NumPy), in batches."""
        function = self._function(precision)
        parts = [function(images[start:start + batch_size]).numpy()
                 for start in range(0, len(images), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, 0))


class KerasPredictor:
    """The Keras model's own compiled `predict` (float32), where a
    `Predictor` cannot be made."""

    def __init__(self, model, reason):
        self.model, self.fallback_reason = model, reason
        self.largest_layer = max(
            int(np.prod(layer.output.shape[1:])) for layer in model.layers)

    def load(self, model):
        self.model = model

    def predict(self, images, precision, batch_size):
        return np.asarray(self.model.predict(
            images, batch_size=batch_size, verbose=0), dtype="float32")
