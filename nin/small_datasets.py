"""Two small datasets that need no files: digits and synthetic.

- `digits`: scikit-learn's bundled 8x8 digits (1,797 real images, works
  offline), upscaled to 32x32 and repeated to 3 channels (kept so since the
  foundation: its runs and parameter counts stay comparable), with a fixed
  stratified 80/20 split.
- `synthetic`: small random images whose class sets a colour, for tests.
"""

import numpy as np

DIGITS_TEST_FRACTION = 0.2


def load_digits_dataset():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    # 0..16 grey levels -> 0..255, 8x8 -> 32x32 (each pixel 4x4), 3 channels.
    images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    images = images.repeat(4, axis=1).repeat(4, axis=2)
    images = np.repeat(images[..., None], 3, axis=-1)
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=DIGITS_TEST_FRACTION, stratify=labels,
        random_state=0,
    )
    return (x_train, y_train), (x_test, y_test)


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
