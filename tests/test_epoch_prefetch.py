"""The background copy of each epoch's shuffled data
(nin.training.prefetch)."""

import threading

import numpy as np
import pytest

from nin.training.loop import epoch_order
from nin.training.prefetch import ShuffledEpochs


def shuffler(size=50, record=None):
    x = np.arange(size * 6, dtype="float32").reshape(size, 2, 3)
    y = np.arange(size) % 7

    def order_of(epoch):
        if record is not None:
            record.append((epoch, threading.current_thread().name))
        return epoch_order(size, 0, epoch)

    return x, y, ShuffledEpochs(x, y, order_of)


def test_prepared_and_unprepared_epochs_give_the_epoch_order():
    x, y, shuffled = shuffler()
    shuffled.prepare(1)
    for epoch in (0, 1, 2):  # 0 and 2 made on demand, 1 prepared
        x_epoch, y_epoch = shuffled.take(epoch)
        order = epoch_order(len(x), 0, epoch)
        np.testing.assert_array_equal(x_epoch, x[order])
        np.testing.assert_array_equal(y_epoch, y[order])
    assert not np.array_equal(epoch_order(len(x), 0, 0),
                              epoch_order(len(x), 0, 1))
    shuffled.close()


def test_prepare_copies_in_a_background_thread_once():
    record = []
    _, _, shuffled = shuffler(record=record)
    shuffled.prepare(3)
    shuffled.prepare(3)  # already under way: not copied again
    shuffled.wait()
    shuffled.take(3)
    shuffled.take(4)
    shuffled.close()
    assert [epoch for epoch, _ in record] == [3, 4]
    assert record[0][1].startswith("epoch-prefetch")
    assert record[1][1] == threading.current_thread().name


def test_an_error_while_copying_is_raised_by_take():
    def order_of(epoch):
        raise KeyboardInterrupt

    shuffled = ShuffledEpochs(np.zeros((4, 2)), np.zeros(4), order_of)
    shuffled.prepare(0)
    with pytest.raises(KeyboardInterrupt):
        shuffled.take(0)
    shuffled.close()


def test_images_and_labels_must_match():
    with pytest.raises(ValueError, match="4 images and 3 labels"):
        ShuffledEpochs(np.zeros((4, 2)), np.zeros(3), lambda epoch: None)
