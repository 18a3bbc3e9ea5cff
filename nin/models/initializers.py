"""Kernel initializers for WI on and off, exactly as seed 001 does it, and
the schemes of seed 003's batch-norm study.

WI on (He et al. 2015, seed 001 text): untruncated normal with
std = sqrt(2 / n), n = k * k * C_out, i.e. fan_out. This is *not*
`keras.initializers.HeNormal`, which is truncated and uses fan_in.
WI off (the reference code's default): N(0, 0.01) for the first layer,
N(0, 0.05) for all others. Biases are always zero (Keras's default).

Named schemes (`init=`), for seed 003:
- `he`: the WI-on initializer above; `reference`: the WI-off one;
- `kaiming`: seed 003 eq. 2.12, untruncated N(0, 2 / n_in);
- `xavier`: seed 003 eq. 2.11, untruncated N(0, 2 / (n_in + n_out));
- `normal`: N(0, init_std), e.g. the thesis's "high variance" std 1 and
  "low variance" std 0.0001.
"""

import keras

from nin.validation import POSITIVE, choice

FIRST_LAYER_STD = 0.01
OTHER_LAYERS_STD = 0.05
INIT_SCHEMES = ("he", "reference", "kaiming", "xavier", "normal")


def he_normal_fan_out(seed=None):
    """Untruncated N(0, 2 / (k*k*C_out)) as in He et al. and seed 001."""
    # BEGIN SOLUTION he_init
    return keras.initializers.VarianceScaling(
        scale=2.0, mode="fan_out", distribution="untruncated_normal",
        seed=seed,
    )
    # END SOLUTION


def check_init(scheme, std=None, he_init=False):
    """Validate a named scheme and its std; returns the scheme."""
    if scheme is not None:
        choice("init", scheme, INIT_SCHEMES)
    if (scheme == "normal") != (std is not None):
        raise ValueError(
            "init_std is required with init='normal' and only then. "
            f"Received: init={scheme!r}, init_std={std!r}")
    if std is not None:
        POSITIVE("init_std", std)
    if he_init and scheme not in (None, "he"):
        raise ValueError(
            f"he_init (--wi) and init={scheme!r} contradict each other; "
            "give one of them")
    return scheme


def kernel_initializer(he_init, *, first_layer, seed=None, scheme=None,
                       std=None):
    """The kernel initializer for one conv/dense layer.

    `scheme` (one of INIT_SCHEMES) overrides `he_init` when given.
    """
    scheme = scheme or ("he" if he_init else "reference")
    if scheme == "he":
        return he_normal_fan_out(seed)
    if scheme in ("kaiming", "xavier"):
        return keras.initializers.VarianceScaling(
            scale=2.0 if scheme == "kaiming" else 1.0,
            mode="fan_in" if scheme == "kaiming" else "fan_avg",
            distribution="untruncated_normal", seed=seed)
    if scheme == "normal":
        return keras.initializers.RandomNormal(mean=0.0, stddev=std,
                                               seed=seed)
    # BEGIN SOLUTION wi_off
    std = FIRST_LAYER_STD if first_layer else OTHER_LAYERS_STD
    return keras.initializers.RandomNormal(mean=0.0, stddev=std, seed=seed)
    # END SOLUTION
