"""Read CIFAR-10 / CIFAR-100 from the official "python version" files.

The official archives (`cifar-10-python.tar.gz`, `cifar-100-python.tar.gz`)
hold pickled dicts: `data` is (N, 3072) uint8, channel-major (1024 red,
1024 green, 1024 blue values, each row-major 32x32), labels a list of ints.
We read members straight from the archive (nothing is extracted) or from
the extracted folder. Pickle can run code, so a restricted unpickler allows
only the plain containers and numpy arrays such files contain.

`write_random_cifar` writes random images in the same format (the
inverse of the reader): CIFAR-sized data for benchmarks, small files for
tests.
"""

import io
import pickle
import tarfile
from pathlib import Path

import numpy as np

LAYOUTS = {
    # name: (archive, folder, train members, test member, label key)
    "cifar10": ("cifar-10-python.tar.gz", "cifar-10-batches-py",
                tuple(f"data_batch_{i}" for i in range(1, 6)), "test_batch",
                b"labels"),
    "cifar100": ("cifar-100-python.tar.gz", "cifar-100-python",
                 ("train",), "test", b"fine_labels"),
}

_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    # Python 3 pickles (protocol 2) spell an array's raw bytes this way.
    ("_codecs", "encode"),
}


class _DataOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name}: not part of a CIFAR batch"
        )


class CifarFormatError(ValueError):
    """A CIFAR file is missing, truncated or not in the official format."""


def decode_batch(raw_bytes, label_key, source):
    """(images uint8 NHWC, labels int64) from one pickled batch."""
    try:
        batch = _DataOnlyUnpickler(
            io.BytesIO(raw_bytes), encoding="bytes"
        ).load()
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[label_key], dtype=np.int64)
    except Exception as error:  # any decoding problem is a format error
        raise CifarFormatError(
            f"{source} is not a CIFAR batch in the official python format "
            f"({type(error).__name__}: {error})"
        ) from None
    if data.ndim != 2 or data.shape[1] != 3072 or len(data) != len(labels):
        raise CifarFormatError(
            f"{source}: expected data of shape (N, 3072) and N labels, got "
            f"data {data.shape} and {len(labels)} labels"
        )
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def _read_members(read, names, label_key, source):
    parts = [decode_batch(read(name), label_key, f"{source}:{name}")
             for name in names]
    return (np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]))


def find_cifar(name, data_dir):
    """The archive or folder for dataset `name` under `data_dir`, or None."""
    archive, folder, *_ = LAYOUTS[name]
    data_dir = Path(data_dir)
    for candidate in (data_dir / archive, data_dir / folder, data_dir):
        if candidate.is_file() and candidate.name == archive:
            return candidate
        if candidate.is_dir() and (candidate / LAYOUTS[name][3]).is_file():
            return candidate
    return None


def load_cifar_files(name, data_dir):
    """((x_train, y_train), (x_test, y_test)) from `data_dir`."""
    archive, folder, train_names, test_name, label_key = LAYOUTS[name]
    location = find_cifar(name, data_dir)
    if location is None:
        raise CifarFormatError(
            f"No {name} data in {data_dir}: expected {archive} or the "
            f"extracted folder {folder}/ (with {test_name} inside)"
        )
    if location.is_dir():
        def read(member):
            path = location / member
            if not path.is_file():
                raise CifarFormatError(f"missing file {path}")
            return path.read_bytes()
        return (_read_members(read, train_names, label_key, location),
                _read_members(read, (test_name,), label_key, location))
    try:
        with tarfile.open(location, "r:gz") as tar:
            def read(member):
                try:
                    return tar.extractfile(f"{folder}/{member}").read()
                except KeyError:
                    raise CifarFormatError(
                        f"{location} has no member {folder}/{member}"
                    ) from None
            return (_read_members(read, train_names, label_key, location),
                    _read_members(read, (test_name,), label_key, location))
    except (tarfile.TarError, OSError, EOFError) as error:
        raise CifarFormatError(
            f"{location} is not a readable .tar.gz archive ({error})"
        ) from None


def encode_images(images):
    """NHWC uint8 -> official rows: 1024 R, 1024 G, 1024 B, row-major."""
    return images.transpose(0, 3, 1, 2).reshape(len(images), 3072)


def batch_bytes(images, labels, label_key):
    """One pickled batch in the official format."""
    batch = {b"batch_label": b"batch", label_key: list(map(int, labels)),
             b"data": encode_images(images),
             b"filenames": [b"x.png"] * len(images)}
    return pickle.dumps(batch, protocol=2)


def random_split(count, seed, num_classes=10):
    """`count` random uint8 32x32x3 images and labels."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, num_classes, size=count)
    return images, labels


def write_random_cifar(directory, name="cifar10", per_batch=6,
                       as_archive=True):
    """Random images written as dataset `name`'s official files under
    `directory` (its archive, or the extracted folder): CIFAR-sized data
    for benchmarks (speed does not depend on the pixels) and small files
    for tests. Returns ((x_train, y_train), (x_test, y_test))."""
    archive, folder, train_names, test_name, label_key = LAYOUTS[name]
    num_classes = 10 if name == "cifar10" else 100
    directory = Path(directory)
    members, train_parts = {}, []
    for index, member in enumerate(train_names):
        images, labels = random_split(per_batch, seed=index,
                                      num_classes=num_classes)
        members[member] = batch_bytes(images, labels, label_key)
        train_parts.append((images, labels))
    test = random_split(per_batch, seed=99, num_classes=num_classes)
    members[test_name] = batch_bytes(*test, label_key)
    if as_archive:
        with tarfile.open(directory / archive, "w:gz") as tar:
            for member, payload in members.items():
                info = tarfile.TarInfo(f"{folder}/{member}")
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
    else:
        (directory / folder).mkdir()
        for member, payload in members.items():
            (directory / folder / member).write_bytes(payload)
    train = (np.concatenate([p[0] for p in train_parts]),
             np.concatenate([p[1] for p in train_parts]))
    return train, test
