"""The model registry and the models (timm-style):

    registry.py            register_model, build_model, list_models,
                           model_options: options validated before building
    blocks.py              layer -> [BatchNorm] -> activation, shared
    initializers.py        He (fan-out), the reference init, seed 003's
    precision.py           fp32 / mixed bf16 / fp16 dtype policies
    network_in_network.py  NIN, seed 001 Table 1 ("nin")
    vgg.py                 the VGG-style CNN of seed 003 ("vgg")
    mlp.py                 the MLP of seed 003 ("mlp")

Importing this package registers every model.
"""

from nin.models import mlp, network_in_network, vgg  # noqa: F401
from nin.models.registry import (
    build_model,
    list_models,
    model_options,
    register_model,
)

__all__ = ["build_model", "list_models", "model_options", "register_model"]
