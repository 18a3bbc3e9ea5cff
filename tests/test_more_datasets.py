"""MNIST idx, SVHN .mat, image folders, grey channels, global
standardization: tiny files in the official formats, written here."""

import gzip
import json

import keras
import numpy as np
import pytest
from PIL import Image

from nin.cli import lab4
from nin.data import (
    DatasetUnavailableError,
    load_dataset,
    num_classes,
    standardize,
)
from nin.data.image_folder import ImageFolderError
from nin.data.mnist import IdxFormatError
from nin.data.svhn import SvhnFormatError
from nin.training.config import RunConfig


def idx_bytes(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(
        d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(directory, compressed=True):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": (rng.integers(0, 256, (5, 28, 28)), 0x803),
        "train-labels-idx1-ubyte": (np.array([3, 1, 4, 1, 5]), 0x801),
        "t10k-images-idx3-ubyte": (rng.integers(0, 256, (3, 28, 28)), 0x803),
        "t10k-labels-idx1-ubyte": (np.array([9, 2, 6]), 0x801),
    }
    for name, (array, magic) in arrays.items():
        payload = idx_bytes(array, magic)
        if compressed:
            (directory / f"{name}.gz").write_bytes(gzip.compress(payload))
        else:
            (directory / name).write_bytes(payload)
    return {name: array for name, (array, _) in arrays.items()}


@pytest.mark.parametrize("compressed", [True, False], ids=["gz", "plain"])
def test_mnist_idx_files_become_32x32_grey_zero_padded(tmp_path, compressed):
    arrays = write_mnist(tmp_path, compressed)
    (x_train, y_train), (x_test, y_test) = load_dataset("mnist", tmp_path)
    assert x_train.shape == (5, 32, 32, 1) and x_test.shape == (3, 32, 32, 1)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    np.testing.assert_array_equal(x_train[:, 2:30, 2:30, 0],
                                  arrays["train-images-idx3-ubyte"])
    assert x_train[:, :2].max() == 0 and x_train[:, 30:].max() == 0
    assert x_train[:, :, :2].max() == 0 and x_train[:, :, 30:].max() == 0
    assert y_train.tolist() == [3, 1, 4, 1, 5] and y_test.tolist() == [9, 2, 6]


def test_truncated_idx_file_names_itself(tmp_path):
    write_mnist(tmp_path, compressed=False)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(IdxFormatError, match="t10k-images.*2342 values"):
        load_dataset("mnist", tmp_path)


def test_mnist_missing_files_are_named(tmp_path):
    with pytest.raises(IdxFormatError, match="train-images-idx3-ubyte.gz"):
        load_dataset("mnist", tmp_path)


def test_mnist_offline_says_how_to_pass_data_dir(monkeypatch):
    def offline():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DatasetUnavailableError) as error:
        load_dataset("mnist")
    message = str(error.value)
    assert "--data-dir" in message and "t10k-labels-idx1-ubyte.gz" in message


def test_mnist_through_keras_has_the_same_layout(monkeypatch):
    images = np.full((2, 28, 28), 7, np.uint8)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: (
        (images, np.array([1, 2], np.uint8)), (images[:1], np.array([3]))))
    (x_train, y_train), (x_test, _) = load_dataset("mnist")
    assert x_train.shape == (2, 32, 32, 1) and x_test.shape == (1, 32, 32, 1)
    assert x_train[0, 2, 2, 0] == 7 and x_train[0, 1, 1, 0] == 0
    assert y_train.dtype == np.int64


def write_svhn(directory, labels_by_split):
    from scipy.io import savemat

    rng = np.random.default_rng(1)
    written = {}
    for split, labels in labels_by_split.items():
        images = rng.integers(0, 256, (32, 32, 3, len(labels)), np.uint8)
        savemat(directory / f"{split}_32x32.mat",
                {"X": images, "y": np.array(labels)[:, None]})
        written[split] = images
    return written


def test_svhn_mat_files_are_nhwc_and_label_10_is_digit_0(tmp_path):
    written = write_svhn(tmp_path, {"train": [10, 1, 5, 10], "test": [3, 10]})
    (x_train, y_train), (x_test, y_test) = load_dataset("svhn", tmp_path)
    assert x_train.shape == (4, 32, 32, 3) and x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train[2], written["train"][..., 2])
    assert y_train.tolist() == [0, 1, 5, 0] and y_test.tolist() == [3, 0]


def test_svhn_needs_its_files(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="--data-dir"):
        load_dataset("svhn")
    with pytest.raises(SvhnFormatError, match="train_32x32.mat"):
        load_dataset("svhn", tmp_path)
    (tmp_path / "train_32x32.mat").write_bytes(b"garbage")
    (tmp_path / "test_32x32.mat").write_bytes(b"garbage")
    with pytest.raises(SvhnFormatError, match="not an SVHN .mat file"):
        load_dataset("svhn", tmp_path)


def save(path, pixels, mode):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels.astype(np.uint8), mode).save(path)


def test_folder_classes_split_and_rgb_with_a_grey_image(tmp_path):
    for label, name in enumerate(["cat", "dog"]):
        for index in range(10):
            save(tmp_path / name / f"{index}.png",
                 np.full((40, 40, 3), 20 * index + label), "RGB")
    save(tmp_path / "dog" / "grey.png", np.full((40, 40), 99), "L")
    (x_train, y_train), (x_test, y_test) = load_dataset("folder", tmp_path)
    assert x_train.shape[1:] == (32, 32, 3)
    assert len(x_train) + len(x_test) == 21
    assert np.bincount(y_test).tolist() == [2, 3]  # stratified 20%
    grey = [image for image in np.concatenate([x_train, x_test])
            if image[0, 0, 0] == 99]
    assert len(grey) == 1 and (grey[0] == 99).all()  # repeated to RGB
    (again, _), _ = load_dataset("folder", tmp_path)
    np.testing.assert_array_equal(again, x_train)  # a fixed split
    assert num_classes("folder", y_train, y_test) == 2


def test_folder_keeps_one_channel_when_every_image_is_grey(tmp_path):
    wide = np.zeros((16, 48), np.uint8)
    wide[:, 16:32] = 200  # the centre third, kept by the centre crop
    for split in ("train", "test"):
        for name in ("a", "b", "c"):
            save(tmp_path / split / name / "x.png", wide, "L")
    (x_train, y_train), (x_test, _) = load_dataset(
        "folder", tmp_path, image_size=8)
    assert x_train.shape == (3, 8, 8, 1) and x_test.shape == (3, 8, 8, 1)
    assert y_train.tolist() == [0, 1, 2]
    # Centre-cropped, not squashed: a squashed 48-wide image would have
    # dark first and last columns.
    assert x_train[0, :, 2:6].min() >= 190 and x_train[0, :, 0].min() >= 100


def test_folder_errors_are_clear(tmp_path):
    with pytest.raises(DatasetUnavailableError, match="--data-dir"):
        load_dataset("folder")
    save(tmp_path / "only" / "x.png", np.zeros((4, 4)), "L")
    with pytest.raises(ImageFolderError, match="at least 2 class"):
        load_dataset("folder", tmp_path)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ImageFolderError, match="Cannot decode .*broken.jpg"):
        load_dataset("folder", tmp_path)


def test_global_standardization_uses_one_mean_and_std():
    train = np.zeros((2, 1, 1, 3), np.uint8)
    train[0, 0, 0] = [10, 20, 30]
    train[1, 0, 0] = [30, 40, 50]
    x_train, _, (mean, std) = standardize(train, train[:1], mode="global")
    np.testing.assert_allclose(mean, [30.0] * 3)
    # Deviations -20, -10, 0, 0, 10, 20 over all six values.
    np.testing.assert_allclose(std, [np.sqrt(1000.0 / 6.0)] * 3)
    assert x_train.mean() == pytest.approx(0.0, abs=1e-6)
    assert x_train.std() == pytest.approx(1.0, abs=1e-6)
    with pytest.raises(ValueError, match="standardization must be one of"):
        standardize(train, train, mode="pixel")


def test_config_accepts_data_dir_for_file_datasets_only():
    assert RunConfig(dataset="mnist", data_dir="x").data_dir == "x"
    with pytest.raises(ValueError, match="--data-dir applies to"):
        RunConfig(dataset="digits", data_dir="x")
    with pytest.raises(ValueError, match="image_size applies to dataset"):
        RunConfig(dataset="cifar10", image_size=64)


def test_a_grey_dataset_trains_end_to_end_with_colour_augmentation(
        tmp_path):
    rng = np.random.default_rng(3)
    for stem, count in (("train", 40), ("t10k", 20)):
        images = rng.integers(0, 256, (count, 28, 28))
        labels = np.arange(count) % 10
        (tmp_path / f"{stem}-images-idx3-ubyte").write_bytes(
            idx_bytes(images, 0x803))
        (tmp_path / f"{stem}-labels-idx1-ubyte").write_bytes(
            idx_bytes(labels, 0x801))
    logdir = tmp_path / "logs"
    assert lab4.main([
        "--dataset", "mnist", "--data-dir", str(tmp_path), "--model", "mlp",
        "--epochs", "1", "--batch-size", "20", "--color-jitter",
        "--pca-lighting", "--verbose", "0", "--logdir", str(logdir)]) == 0
    config = json.loads((logdir / "mlp-None" / "config.json").read_text())
    assert len(config["channel_mean"]) == 1
    assert len(config["pca_eigenvalues"]) == 1
    model = keras.saving.load_model(logdir / "mlp-None" / "model.keras",
                                    safe_mode=True)
    assert model.input_shape == (None, 32, 32, 1)
