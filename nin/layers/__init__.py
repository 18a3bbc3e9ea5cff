"""Every Keras layer of the toolkit, one per file, each registered as
serializable (package "nin", so saved models load in safe mode):

    maxout.py          Maxout: max over groups of k channels (seed 004)
    rrelu.py           RReLU: randomized leaky ReLU (seed 004)
    sigmoid_prelu.py   SigmoidPReLU: PReLU, alpha = sigmoid(beta) (seed 000)
    batch_norm.py      BatchNormalization, fused under TensorFlow
    pad_crop_flip.py   PadCropFlip: seed 001's per-image crop and flip
    pixel_space.py     the base of the colour layers (pixel units, seeds)
    color_jitter.py    ColorJitter: brightness, contrast, saturation (seed 004)
    pca_lighting.py    PCALighting: AlexNet's PCA colour offset (seed 004)
    activations.py     activation names -> layers (the factory)
"""

from nin.layers.batch_norm import BatchNormalization
from nin.layers.color_jitter import ColorJitter
from nin.layers.maxout import Maxout
from nin.layers.pad_crop_flip import PadCropFlip
from nin.layers.pca_lighting import PCALighting
from nin.layers.rrelu import RReLU
from nin.layers.sigmoid_prelu import SigmoidPReLU

__all__ = ["BatchNormalization", "ColorJitter", "Maxout", "PCALighting",
           "PadCropFlip", "RReLU", "SigmoidPReLU"]
