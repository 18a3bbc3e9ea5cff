"""Model builders; importing this package registers them all."""

from nin.models import mlp, nin, vgg  # noqa: F401
