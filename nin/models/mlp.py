"""The multi-layer perceptron of seed 003 (Table 6.2).

Flatten the image, three dense layers of 100 units each
(`dense -> [BN] -> activation`, the toy model of the batch-norm paper),
then a softmax. No weight decay by default, as in the thesis. Optional
dropout (seed 003 section 7.1.4, keep probability 0.5) follows each hidden
layer's activation; off by default.
"""

import keras

from nin.models.blocks import classifier, dense_block, scale_width
from nin.models.registry import register_model
from nin.validation import FRACTION

HIDDEN_UNITS = (100, 100, 100)


@register_model("mlp", weight_decay=0.0, dropout=0.0)
def build_mlp(inputs, spec, num_classes, width, *, dropout):
    FRACTION("dropout", dropout)
    x = keras.layers.Flatten(name="flatten")(inputs)
    for index, units in enumerate(HIDDEN_UNITS, start=1):
        x = dense_block(x, scale_width(units, width), spec, name=f"fc{index}")
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"fc{index}_dropout")(x)
    return classifier(x, num_classes, spec)
