"""The multi-layer perceptron of seed 003 (Table 6.2).

Flatten the image, three dense layers of 100 units each
(`dense -> [BN] -> activation`, the toy model of the batch-norm paper),
then a softmax. No weight decay by default, as in the thesis.
"""

import keras

from nin.blocks import classifier, dense_block, scale_width
from nin.registry import register_model

HIDDEN_UNITS = (100, 100, 100)


@register_model("mlp", weight_decay=0.0)
def build_mlp(inputs, spec, num_classes, width):
    x = keras.layers.Flatten(name="flatten")(inputs)
    for index, units in enumerate(HIDDEN_UNITS, start=1):
        x = dense_block(x, scale_width(units, width), spec, name=f"fc{index}")
    return classifier(x, num_classes, spec)
