"""Kernel initializers for WI on and off, exactly as seed 001 does it.

WI on (He et al. 2015, seed 001 text): untruncated normal with
std = sqrt(2 / n), n = k * k * C_out, i.e. fan_out. This is *not*
`keras.initializers.HeNormal`, which is truncated and uses fan_in.
WI off (the reference code's default): N(0, 0.01) for the first layer,
N(0, 0.05) for all others. Biases are always zero (Keras's default).
"""

import keras

FIRST_LAYER_STD = 0.01
OTHER_LAYERS_STD = 0.05


def he_normal_fan_out(seed=None):
    """Untruncated N(0, 2 / (k*k*C_out)) as in He et al. and seed 001."""
    return keras.initializers.VarianceScaling(
        scale=2.0, mode="fan_out", distribution="untruncated_normal",
        seed=seed,
    )


def kernel_initializer(he_init, *, first_layer, seed=None):
    """The kernel initializer for one conv/dense layer."""
    if he_init:
        return he_normal_fan_out(seed)
    std = FIRST_LAYER_STD if first_layer else OTHER_LAYERS_STD
    return keras.initializers.RandomNormal(mean=0.0, stddev=std, seed=seed)
