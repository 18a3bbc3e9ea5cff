"""Small random images whose class sets a colour: learnable, for tests
and benchmarks. No files needed.
"""

import numpy as np


def make_synthetic(train_size=512, test_size=128, num_classes=10,
                   image_size=32, seed=0):
    """Noisy images whose mean colour is set by the class: learnable."""
    rng = np.random.default_rng(seed)
    palette = rng.uniform(40, 215, size=(num_classes, 3))

    def split(size):
        labels = np.arange(size) % num_classes
        rng.shuffle(labels)
        noise = rng.normal(0, 30, size=(size, image_size, image_size, 3))
        images = palette[labels][:, None, None, :] + noise
        return np.clip(images, 0, 255).astype(np.uint8), labels.astype(
            np.int64)

    return split(train_size), split(test_size)
