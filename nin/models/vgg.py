"""The VGG-style CNN of seed 003 (Table 6.3), for the batch-norm study.

Five pairs of 3x3 convs (64, 128, 256, 512, 512 filters), each pair followed
by a 2x2/2 max-pool (32x32 -> 1x1), then flatten, two dense layers of 512
units and a softmax. Every conv/dense is `layer -> [BN] -> activation`.
Optional dropout sits between the two convs of each pair and between the
last dense layer and the softmax (the thesis's placement, section 7.2.4).
The thesis uses no weight decay, hence the default 0.
"""

import keras

from nin.models.blocks import classifier, conv_block, dense_block, scale_width
from nin.models.registry import register_model
from nin.validation import FRACTION

CONV_FILTERS = (64, 128, 256, 512, 512)
DENSE_UNITS = (512, 512)


@register_model("vgg", dropout=0.0, weight_decay=0.0)
def build_vgg(inputs, spec, num_classes, width, *, dropout):
    FRACTION("dropout", dropout)
    x = inputs
    for stage, filters in enumerate(CONV_FILTERS, start=1):
        filters = scale_width(filters, width)
        x = conv_block(x, filters, 3, spec, name=f"stage{stage}_conv1")
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"stage{stage}_dropout")(x)
        x = conv_block(x, filters, 3, spec, name=f"stage{stage}_conv2")
        x = keras.layers.MaxPooling2D(
            2, strides=2, padding="same", name=f"stage{stage}_pool"
        )(x)
    x = keras.layers.Flatten(name="flatten")(x)
    for index, units in enumerate(DENSE_UNITS, start=1):
        x = dense_block(x, scale_width(units, width), spec, name=f"fc{index}")
    if dropout:
        x = keras.layers.Dropout(dropout, name="fc_dropout")(x)
    return classifier(x, num_classes, spec)
