"""A fixed stratified split, shared by the folder loader and the
validation hold-out.

The split depends only on the labels and `seed` (default 0), never on a
run's training seed, so every run of a study (and every member of an
ensemble) holds out exactly the same images. Stratified whenever every
class has at least 2 images; a plain random split otherwise.
"""

import numpy as np


def stratified_split(images, labels, fraction, seed=0):
    """((x_kept, y_kept), (x_held_out, y_held_out)), `fraction` held out."""
    from sklearn.model_selection import train_test_split

    if not 0 < fraction < 1:
        raise ValueError(
            f"The held-out fraction must be in (0, 1). Received: {fraction}")
    counts = np.bincount(labels)
    stratify = labels if counts[counts > 0].min() >= 2 else None
    try:
        x_kept, x_held, y_kept, y_held = train_test_split(
            images, labels, test_size=fraction, stratify=stratify,
            random_state=seed)
    except ValueError as error:  # too few images for every class
        raise ValueError(
            f"Cannot hold out {fraction:.0%} of {len(labels)} images with "
            f"every class represented ({error})") from None
    return (x_kept, y_kept), (x_held, y_held)
