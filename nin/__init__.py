"""NIN lab toolkit: models, layers, activations and data for Lab 4.

    import nin
    model = nin.build_model("nin", activation="elu", batch_norm=True,
                            he_init=True)
"""

from nin import models  # noqa: F401  (registers the builders)
from nin.activations import list_activations
from nin.layers import Maxout, RReLU, SigmoidPReLU
from nin.registry import build_model, list_models, model_options

__all__ = [
    "Maxout",
    "RReLU",
    "SigmoidPReLU",
    "build_model",
    "list_activations",
    "list_models",
    "model_options",
]
