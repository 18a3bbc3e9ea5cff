"""ColorJitter and PCALighting (seed 004): per-image draws with the
documented effect, identity at inference, seeded, serializable."""

import keras
import numpy as np
import pytest

from nin.layers import ColorJitter, PCALighting
from nin.layers.pca_lighting import pca_lighting_basis

LUMA = np.array([0.299, 0.587, 0.114])


def numpy_of(tensor):
    return keras.ops.convert_to_numpy(tensor).astype(np.float64)


def colour_images(count, seed=0, low=20, high=120):
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, (count, 6, 6, 3)).astype("float32")


def test_brightness_scales_each_image_by_one_drawn_factor():
    images = colour_images(200)
    layer = ColorJitter(brightness=0.4, contrast=0, saturation=0, seed=1)
    ratio = numpy_of(layer(images, training=True)) / images
    per_image = ratio.reshape(200, -1)
    assert (per_image.std(axis=1) / per_image.mean(axis=1)).max() < 1e-6
    factors = per_image[:, 0]
    assert 0.6 <= factors.min() < 0.7 and 1.3 < factors.max() <= 1.4
    assert len(np.unique(factors.round(6))) == 200


def test_contrast_keeps_the_grey_mean_and_scales_deviations():
    images = colour_images(50, seed=2, low=50, high=110)  # never clipped
    layer = ColorJitter(brightness=0, contrast=0.5, saturation=0, seed=3)
    out = numpy_of(layer(images, training=True))
    grey_in = (images * LUMA).sum(-1).mean(axis=(1, 2))
    grey_out = (out * LUMA).sum(-1).mean(axis=(1, 2))
    np.testing.assert_allclose(grey_out, grey_in, rtol=1e-5)
    factor = (out - grey_in[:, None, None, None]) / (
        images - grey_in[:, None, None, None])
    assert 0.5 <= factor.min() and factor.max() <= 1.5


def test_saturation_keeps_luma_and_leaves_grey_images_grey():
    images = colour_images(20, seed=4, low=60, high=100)  # never clipped
    images[:5] = images[:5, ..., :1]  # five grey images (R = G = B)
    layer = ColorJitter(brightness=0, contrast=0, saturation=0.5, seed=5)
    out = numpy_of(layer(images, training=True))
    np.testing.assert_allclose((out * LUMA).sum(-1), (images * LUMA).sum(-1),
                               rtol=1e-5)
    np.testing.assert_allclose(out[:5], images[:5], rtol=1e-5)
    assert np.abs(out[5:] - images[5:]).max() > 1.0


def test_standardized_inputs_are_jittered_in_pixel_units_and_clipped():
    mean, std = [100.0, 110.0, 120.0], [50.0, 40.0, 30.0]
    pixels = np.full((64, 4, 4, 3), 250.0, "float32")
    standardized = (pixels - mean) / np.array(std, "float32")
    plain = ColorJitter(seed=7)(pixels, training=True)
    scaled = ColorJitter(pixel_mean=mean, pixel_std=std, seed=7)(
        standardized, training=True)
    np.testing.assert_allclose(numpy_of(scaled) * std + mean,
                               numpy_of(plain), atol=1e-3)
    assert numpy_of(plain).max() == 255.0  # brightened, then clipped


def test_jitter_on_grey_single_channel_images():
    images = colour_images(8)[..., :1]
    out = numpy_of(ColorJitter(seed=1)(images, training=True))
    assert out.shape == (8, 6, 6, 1) and not np.allclose(out, images)


def test_pca_basis_equals_numpy_eigendecomposition():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (30, 5, 5, 3), dtype=np.uint8)
    values, vectors = pca_lighting_basis(images, chunk=7)
    covariance = np.cov(images.reshape(-1, 3).T / 255.0, bias=True)
    expected = np.sort(np.linalg.eigvalsh(covariance))[::-1]
    np.testing.assert_allclose(values, expected, rtol=1e-9)
    np.testing.assert_allclose(covariance @ vectors, vectors * values,
                               atol=1e-12)


def test_pca_offset_is_v_times_alpha_lambda_with_alpha_std_0_1():
    rotation, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 3)))
    values = np.array([0.2, 0.02, 0.002])
    layer = PCALighting(values, rotation, alpha_std=0.1, seed=3)
    images = np.zeros((4000, 2, 2, 3), "float32")
    out = numpy_of(layer(images, training=True))
    offsets = out[:, 0, 0, :]
    np.testing.assert_allclose(
        out, np.broadcast_to(offsets[:, None, None, :], out.shape),
        atol=1e-4)
    alphas = (offsets / 255.0) @ rotation / values  # a_i per image
    np.testing.assert_allclose(alphas.std(axis=0), 0.1, rtol=0.05)
    np.testing.assert_allclose(alphas.mean(axis=0), 0.0, atol=0.01)
    standardized = PCALighting(values, rotation, pixel_mean=[0, 0, 0],
                               pixel_std=[51.0, 51.0, 51.0], seed=3)
    np.testing.assert_allclose(
        numpy_of(standardized(images[:8], training=True)),
        out[:8] / 51.0, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("layer", [
    ColorJitter(seed=2),
    PCALighting([0.1, 0.01, 0.001], np.eye(3), seed=2),
], ids=["jitter", "pca"])
def test_identity_at_inference_same_seed_same_draws_and_round_trip(layer):
    images = colour_images(6)
    np.testing.assert_array_equal(numpy_of(layer(images)), images)
    twin = layer.__class__.from_config(layer.get_config())
    np.testing.assert_array_equal(numpy_of(layer(images, training=True)),
                                  numpy_of(twin(images, training=True)))
    again = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer))
    assert again.get_config() == layer.get_config()


@pytest.mark.parametrize("make,message", [
    (lambda: ColorJitter(brightness=1.0), "brightness must be a number in"),
    (lambda: ColorJitter(pixel_mean=[0.0]), "both pixel_mean and pixel_std"),
    (lambda: PCALighting([1.0, 2.0], np.eye(3)), "eigenvalues must be"),
    (lambda: PCALighting([1.0], [[1.0]], alpha_std=-1), "alpha_std"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
