"""scikit-learn's bundled 8x8 digits: 1,797 real images, offline.

Upscaled to 32x32 (each pixel 4x4) and repeated to 3 channels (kept so
since the foundation: its runs and parameter counts stay comparable with
CIFAR's), with a fixed stratified 80/20 split. The toolkit's default
offline dataset: quickstart, demos and learning tests.
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
