"""Custom Keras layers of the toolkit, each registered as serializable."""

from nin.layers.batch_norm import BatchNormalization
from nin.layers.maxout import Maxout
from nin.layers.rrelu import RReLU
from nin.layers.sigmoid_prelu import SigmoidPReLU

__all__ = ["BatchNormalization", "Maxout", "RReLU", "SigmoidPReLU"]
