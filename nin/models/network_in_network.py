"""Network in Network for CIFAR-10, as in seed 001 Table 1.

Three blocks of conv + two 1x1 "mlp" convs; max-pool 3x3/2 and dropout 0.5
after blocks 1 and 2; the last 1x1 conv makes one map per class (it too gets
[BN] + activation, as in the reference code); global average pooling and
softmax. 966,986 parameters without BN, 972,658 with BN (10 classes, 32x32x3).

Pool 2 is max-pooling in the assignment text and average-pooling in the
widely copied reference code: option `pool2`, default "max" (the text).
"""

import keras

from nin.models.blocks import conv_block, scale_width
from nin.models.registry import register_model
from nin.validation import FRACTION, choice

POOL_TYPES = ("max", "average")

# (kernel size, filters) of each block's three convs; None = num_classes.
BLOCKS = (
    ((5, 192), (1, 160), (1, 96)),
    ((5, 192), (1, 192), (1, 192)),
    ((3, 192), (1, 192), (1, None)),
)


def _pool(kind, name):
    pool = {"max": keras.layers.MaxPooling2D,
            "average": keras.layers.AveragePooling2D}[kind]
    return pool(pool_size=3, strides=2, padding="same", name=name)


@register_model("nin", pool2="max", dropout=0.5, weight_decay=1e-4)
def build_nin(inputs, spec, num_classes, width, *, pool2, dropout):
    choice("pool2", pool2, POOL_TYPES)
    FRACTION("dropout", dropout)
    x = inputs
    for block_index, block in enumerate(BLOCKS, start=1):
        for conv_index, (kernel, filters) in enumerate(block, start=1):
            filters = (num_classes if filters is None
                       else scale_width(filters, width))
            x = conv_block(x, filters, kernel, spec,
                           name=f"block{block_index}_conv{conv_index}")
        if block_index < 3:
            kind = "max" if block_index == 1 else pool2
            x = _pool(kind, name=f"block{block_index}_pool")(x)
            x = keras.layers.Dropout(
                dropout, name=f"block{block_index}_dropout"
            )(x)
    x = keras.layers.GlobalAveragePooling2D(name="global_pool")(x)
    return keras.layers.Activation(
        "softmax", dtype="float32", name="predictions"
    )(x)
