"""PadCropFlip: per-image offsets and flips, identity at inference."""

import keras
import numpy as np
import pytest

from nin.augment import PadCropFlip

SIZE, PAD = 32, 4


def coordinate_images(batch):
    """Channel 0 = row + 1, channel 1 = column + 1, channel 2 = 1."""
    images = np.ones((batch, SIZE, SIZE, 3), "float32")
    images[..., 0] = np.arange(1, SIZE + 1)[None, :, None]
    images[..., 1] = np.arange(1, SIZE + 1)[None, None, :]
    return images


def candidate_views():
    """Every (row offset, column offset, flip) and the image it yields."""
    padded = np.pad(coordinate_images(1)[0],
                    ((PAD, PAD), (PAD, PAD), (0, 0)))
    views = {}
    for row in range(2 * PAD + 1):
        for column in range(2 * PAD + 1):
            crop = padded[row:row + SIZE, column:column + SIZE]
            views[(row, column, False)] = crop
            views[(row, column, True)] = crop[:, ::-1]
    return views


def recover(output):
    """Per image, the unique (row offset, column offset, flipped) that
    reproduces it exactly from the zero-padded source."""
    views = candidate_views()
    found = []
    for image in output:
        matches = [key for key, view in views.items()
                   if np.array_equal(image, view)]
        assert len(matches) == 1, matches
        found.append(matches[0])
    return found


def test_identical_images_get_different_crops_and_flips():
    layer = PadCropFlip(pad=PAD, seed=11)
    output = keras.ops.convert_to_numpy(
        layer(coordinate_images(64), training=True))
    assert output.shape == (64, SIZE, SIZE, 3)
    params = recover(output)
    offsets = {(r, c) for r, c, _ in params}
    assert len(offsets) > 20  # per image, not one offset for the batch
    assert all(0 <= r <= 2 * PAD and 0 <= c <= 2 * PAD for r, c in offsets)
    flips = [f for _, _, f in params]
    assert 0 < sum(flips) < 64


def test_offsets_cover_the_whole_range_and_flip_about_half():
    layer = PadCropFlip(pad=PAD, seed=0)
    params = recover(keras.ops.convert_to_numpy(
        layer(coordinate_images(512), training=True)))
    rows = {r for r, _, _ in params}
    cols = {c for _, c, _ in params}
    assert rows == set(range(9)) and cols == set(range(9))
    assert 0.4 < np.mean([f for _, _, f in params]) < 0.6


def test_inference_leaves_images_untouched():
    images = coordinate_images(8)
    layer = PadCropFlip(pad=PAD, seed=1)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer(images)), images)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer(images, training=False)), images)


def test_same_seed_same_augmentation():
    images = coordinate_images(16)
    first = PadCropFlip(seed=42)(images, training=True)
    second = PadCropFlip(seed=42)(images, training=True)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(first),
                                  keras.ops.convert_to_numpy(second))


def test_no_flip_option_and_zero_pad_is_identity():
    images = coordinate_images(4)
    layer = PadCropFlip(pad=0, flip=False, seed=1)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(layer(images, training=True)), images)


@pytest.mark.parametrize("pad", [-1, 2.0, True])
def test_bad_pad_is_a_clear_error(pad):
    with pytest.raises(ValueError, match="pad must be an integer >= 0"):
        PadCropFlip(pad=pad)
