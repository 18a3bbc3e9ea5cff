"""Kept for old imports: `from nin.augment import PadCropFlip` (README,
"Using the library"). The layer lives in `nin.layers.pad_crop_flip`."""

from nin.layers.pad_crop_flip import PadCropFlip

__all__ = ["PadCropFlip"]
