"""A timm-style model registry: `build_model(name, ...)`, `list_models()`.

Each builder registers itself with the options it accepts and their
defaults; `build_model` validates everything a user can pass before any
layer is made, so a typo gives one clear `ValueError`.
"""

from nin.layers.activations import DEFAULT_MAXOUT_PIECES, check_activation
from nin.models.blocks import LayerSpec
from nin.models.initializers import check_init
from nin.models.precision import policy_scope
from nin.validation import INT_AT_LEAST_TWO, NON_NEGATIVE, POSITIVE, choice

_MODELS = {}

# Options every model accepts, with their defaults.
COMMON_OPTIONS = {"pieces": DEFAULT_MAXOUT_PIECES}


def register_model(name, **option_defaults):
    """Decorator: register `builder(inputs, spec, num_classes, width, **opts)`.

    `option_defaults` are the model's own options (e.g. `pool2="max"`);
    `weight_decay` must be among them.
    """

    def decorator(builder):
        if name in _MODELS:
            raise ValueError(f"Model {name!r} is already registered.")
        _MODELS[name] = (builder, {**COMMON_OPTIONS, **option_defaults})
        return builder

    return decorator


def list_models():
    """Names accepted by `build_model`, sorted."""
    return sorted(_MODELS)


def model_options(name):
    """The options of model `name` and their defaults."""
    return dict(_get(name)[1])


def _get(name):
    return _MODELS[choice("model", name, list_models())]


def _check_input_shape(input_shape):
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(
        isinstance(d, int) and d > 0 for d in shape
    ):
        raise ValueError(
            "input_shape must be (height, width, channels) of positive "
            f"integers. Received: input_shape={input_shape!r}"
        )
    return shape


def build_model(name, *, activation, batch_norm, he_init, num_classes=10,
                input_shape=(32, 32, 3), width=1.0, precision="fp32",
                init=None, init_std=None, **options):
    """Build an uncompiled `keras.Model` from the registry.

    Args:
        name: one of `list_models()`.
        activation: one of `nin.layers.activations.list_activations()`.
        batch_norm: BatchNormalization between each layer and activation.
        he_init: He (fan-out, untruncated normal) kernel init, else the
            reference code's N(0, 0.01) / N(0, 0.05).
        num_classes: output classes (>= 2).
        input_shape: (height, width, channels).
        width: multiplier of every hidden channel count (> 0).
        precision: "fp32", or mixed "bf16" / "fp16" (float32 variables and
            float32 softmax output), see `nin.models.precision`.
        init: a named kernel init scheme overriding `he_init` (see
            `nin.models.initializers.INIT_SCHEMES`), e.g. "kaiming",
            "xavier";
            "normal" takes `init_std`.
        **options: model-specific options, see `model_options(name)`.
    """
    import keras

    builder, defaults = _get(name)
    check_activation(activation)
    check_init(init, init_std, he_init)
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise ValueError(
            f"Unknown option(s) {unknown} for model {name!r}. "
            f"Expected some of: {sorted(defaults)}"
        )
    INT_AT_LEAST_TWO("num_classes", num_classes)
    POSITIVE("width", width)
    settings = {**defaults, **options}
    spec = LayerSpec(
        activation=activation,
        batch_norm=bool(batch_norm),
        he_init=bool(he_init),
        weight_decay=float(NON_NEGATIVE("weight_decay",
                                        settings.pop("weight_decay"))),
        pieces=settings.pop("pieces"),
        init=init,
        init_std=None if init_std is None else float(init_std),
    )
    shape = _check_input_shape(input_shape)
    with policy_scope(precision):
        inputs = keras.Input(shape=shape, name="image")
        outputs = builder(inputs, spec, num_classes, width, **settings)
        return keras.Model(inputs, outputs, name=name)
