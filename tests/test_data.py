"""Datasets: the official CIFAR format, digits, standardization, errors."""

import os
import pickle

import keras
import numpy as np
import pytest

from nin.data import (
    DatasetUnavailableError,
    channel_stats,
    load_dataset,
    standardize,
)
from nin.data.cifar import CifarFormatError, decode_batch
from nin.data.cifar import encode_images as encode
from nin.data.cifar import write_random_cifar as write_cifar

pytestmark = pytest.mark.quick  # the quick tier: README, "Tests"


@pytest.mark.parametrize("as_archive", [True, False],
                         ids=["archive", "folder"])
def test_cifar10_loader_reads_the_official_format(tmp_path, as_archive):
    (x_train, y_train), (x_test, y_test) = write_cifar(
        tmp_path, as_archive=as_archive)
    (a_train, b_train), (a_test, b_test) = load_dataset("cifar10", tmp_path)
    assert a_train.shape == (30, 32, 32, 3) and a_train.dtype == np.uint8
    np.testing.assert_array_equal(a_train, x_train)
    np.testing.assert_array_equal(b_train, y_train)
    np.testing.assert_array_equal(a_test, x_test)
    np.testing.assert_array_equal(b_test, y_test)


def test_pixel_order_is_red_plane_then_green_then_blue_row_major():
    image = np.zeros((1, 32, 32, 3), np.uint8)
    image[0, 0, 1, 0] = 10   # red, row 0, column 1
    image[0, 1, 0, 1] = 20   # green, row 1, column 0
    image[0, 31, 31, 2] = 30  # blue, last pixel
    row = encode(image)[0]
    assert row[1] == 10 and row[1024 + 32] == 20 and row[3071] == 30
    payload = pickle.dumps({b"data": row[None], b"labels": [7]})
    images, labels = decode_batch(payload, b"labels", "test")
    np.testing.assert_array_equal(images, image)
    assert labels.tolist() == [7]


def test_cifar100_uses_fine_labels(tmp_path):
    (_, y_train), _ = write_cifar(tmp_path, name="cifar100")
    (_, labels), _ = load_dataset("cifar100", tmp_path)
    np.testing.assert_array_equal(labels, y_train)
    assert labels.max() > 9


def test_data_dir_pointing_at_the_extracted_folder_works(tmp_path):
    (x_train, _), _ = write_cifar(tmp_path, as_archive=False)
    (images, _), _ = load_dataset("cifar10",
                                  tmp_path / "cifar-10-batches-py")
    np.testing.assert_array_equal(images, x_train)


def test_missing_files_name_what_was_expected(tmp_path):
    with pytest.raises(ValueError, match="cifar-10-python.tar.gz"):
        load_dataset("cifar10", tmp_path)


def test_corrupt_archive_is_a_clear_error(tmp_path):
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"not a tar file")
    with pytest.raises(CifarFormatError, match="not a readable"):
        load_dataset("cifar10", tmp_path)


def test_truncated_batch_is_a_clear_error(tmp_path):
    write_cifar(tmp_path, as_archive=False)
    batch = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    batch.write_bytes(batch.read_bytes()[:100])
    with pytest.raises(CifarFormatError, match="data_batch_3"):
        load_dataset("cifar10", tmp_path)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_a_pickle_that_would_run_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = pickle.dumps({b"data": _RunsCode(), b"labels": []})
    with pytest.raises(CifarFormatError, match="refusing to load"):
        decode_batch(payload, b"labels", "evil")
    assert not (tmp_path / "pwned").exists()


def test_offline_without_files_says_how_to_pass_data_dir(monkeypatch):
    def offline():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", offline)
    with pytest.raises(DatasetUnavailableError) as error:
        load_dataset("cifar10")
    assert "--data-dir" in str(error.value)
    assert "OSError" in str(error.value)


def test_digits_are_32x32x3_with_a_fixed_stratified_split():
    (x_train, y_train), (x_test, y_test) = load_dataset("digits")
    assert x_train.shape == (1437, 32, 32, 3) and x_train.dtype == np.uint8
    assert x_test.shape == (360, 32, 32, 3)
    assert x_train.max() == 255
    np.testing.assert_array_equal(x_train[..., 0], x_train[..., 2])
    # Stratified: every class has 20% of its images in the test split.
    assert np.bincount(y_test).min() >= 35
    (again, _), _ = load_dataset("digits")
    np.testing.assert_array_equal(again, x_train)


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(ValueError, match="dataset must be one of: cifar10"):
        load_dataset("imagenet")


def test_channel_stats_match_numpy():
    images = np.random.default_rng(0).integers(
        0, 256, size=(50, 32, 32, 3), dtype=np.uint8)
    mean, std = channel_stats(images, chunk=7)
    np.testing.assert_allclose(mean, images.mean(axis=(0, 1, 2)), rtol=1e-10)
    np.testing.assert_allclose(std, images.std(axis=(0, 1, 2)), rtol=1e-8)


def test_standardize_uses_training_statistics_only():
    train = np.full((4, 2, 2, 3), 100, np.uint8)
    train[:2] = 50
    test = np.full((1, 2, 2, 3), 125, np.uint8)
    x_train, x_test, (mean, std) = standardize(train, test)
    np.testing.assert_allclose(mean, 75.0)
    np.testing.assert_allclose(std, 25.0)
    np.testing.assert_allclose(x_train.mean(axis=(0, 1, 2)), 0.0, atol=1e-6)
    np.testing.assert_allclose(x_train.std(axis=(0, 1, 2)), 1.0, atol=1e-6)
    np.testing.assert_allclose(x_test, 2.0)
    assert x_train.dtype == np.float32
