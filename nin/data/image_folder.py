"""Read an image classification set from folders (e.g. seed 000's cats
vs dogs): one subfolder per class, images decoded with Pillow.

Layouts (class names are the subfolder names, sorted; label = index):

    DIR/cat/*.jpg, DIR/dog/*.jpg            split here: a fixed stratified
                                            test fraction (seed 0)
    DIR/train/cat/..., DIR/test/cat/...     the given split is used

Every image is resized to `image_size` x `image_size`: its shorter side is
scaled to the size and the centre is cropped (`PIL.ImageOps.fit`,
bilinear), so shapes are kept, not squashed. Channels: if every image is
grayscale the set keeps one channel; otherwise every image is RGB (grey
ones repeated to 3 channels, alpha dropped).
"""

from pathlib import Path

import numpy as np

from nin.data.splits import stratified_split
from nin.validation import POSITIVE_INT

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif",
              ".tiff", ".ppm", ".pgm"}
GRAY_MODES = {"1", "L", "LA", "I", "I;16", "F"}
TEST_FRACTION = 0.2


class ImageFolderError(ValueError):
    """The folder does not hold a readable one-folder-per-class set."""


def class_folders(directory):
    directory = Path(directory)
    if not directory.is_dir():
        raise ImageFolderError(f"{directory} is not a folder")
    return sorted(p for p in directory.iterdir()
                  if p.is_dir() and not p.name.startswith("."))


def _image_files(folder):
    return sorted(p for p in folder.rglob("*")
                  if p.suffix.lower() in EXTENSIONS
                  and not p.name.startswith("."))


def _decode(path, image_size):
    """(uint8 array HxWx1 or HxWx3, is_gray) for one image file."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            gray = image.mode in GRAY_MODES
            image = image.convert("L" if gray else "RGB")
            image = ImageOps.fit(image, (image_size, image_size),
                                 method=Image.BILINEAR)
            pixels = np.asarray(image, dtype=np.uint8)
    except (OSError, UnidentifiedImageError, ValueError) as error:
        raise ImageFolderError(
            f"Cannot decode {path} ({type(error).__name__}: {error})"
        ) from None
    return (pixels[..., None] if gray else pixels), gray


def read_classes(directory, class_names, image_size):
    """(images list, labels, gray flags) of `directory/<class>/...`."""
    images, labels, grays = [], [], []
    for label, name in enumerate(class_names):
        folder = Path(directory) / name
        files = _image_files(folder) if folder.is_dir() else []
        if not files:
            raise ImageFolderError(
                f"Class folder {folder} holds no images (expected files "
                f"ending in {', '.join(sorted(EXTENSIONS))})")
        for path in files:
            pixels, gray = _decode(path, image_size)
            images.append(pixels)
            grays.append(gray)
            labels.append(label)
    return images, np.asarray(labels, np.int64), grays


def _stack(images, all_gray):
    if all_gray:
        return np.stack(images)
    return np.stack([np.repeat(image, 3, axis=-1) if image.shape[-1] == 1
                     else image for image in images])


def load_image_folder(data_dir, image_size=32, test_fraction=TEST_FRACTION):
    """((x_train, y_train), (x_test, y_test)), class names sorted."""
    POSITIVE_INT("image_size", image_size)
    data_dir = Path(data_dir)
    names = [p.name for p in class_folders(data_dir)]
    if names == ["test", "train"]:
        class_names = [p.name for p in class_folders(data_dir / "train")]
        splits = [read_classes(data_dir / split, class_names, image_size)
                  for split in ("train", "test")]
    else:
        class_names = names
        splits = None
    if len(class_names) < 2:
        raise ImageFolderError(
            f"{data_dir} needs at least 2 class subfolders (one per class, "
            f"or train/ and test/ holding them); found {class_names}")
    if splits is None:
        images, labels, grays = read_classes(data_dir, class_names,
                                             image_size)
        x = _stack(images, all(grays))
        return stratified_split(x, labels, test_fraction)
    all_gray = all(splits[0][2]) and all(splits[1][2])
    return tuple((_stack(images, all_gray), labels)
                 for images, labels, _ in splits)
