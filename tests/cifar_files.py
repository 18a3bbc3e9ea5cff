"""Write tiny CIFAR files in the official python format, for tests."""

import io
import pickle
import tarfile

import numpy as np

from nin.cifar import LAYOUTS


def encode(images):
    """NHWC uint8 -> official rows: 1024 R, 1024 G, 1024 B, row-major."""
    return images.transpose(0, 3, 1, 2).reshape(len(images), 3072)


def fake_split(count, seed, num_classes=10):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, num_classes, size=count)
    return images, labels


def batch_bytes(images, labels, label_key):
    batch = {b"batch_label": b"test batch", label_key: list(map(int, labels)),
             b"data": encode(images),
             b"filenames": [b"x.png"] * len(images)}
    return pickle.dumps(batch, protocol=2)


def write_cifar(directory, name="cifar10", per_batch=6, as_archive=True):
    """Write a tiny dataset; returns ((x_train, y_train), (x_test, y_test))."""
    archive, folder, train_names, test_name, label_key = LAYOUTS[name]
    num_classes = 10 if name == "cifar10" else 100
    members, train_parts = {}, []
    for index, member in enumerate(train_names):
        images, labels = fake_split(per_batch, seed=index,
                                    num_classes=num_classes)
        members[member] = batch_bytes(images, labels, label_key)
        train_parts.append((images, labels))
    test = fake_split(per_batch, seed=99, num_classes=num_classes)
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
