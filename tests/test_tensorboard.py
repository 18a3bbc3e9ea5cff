"""TensorBoard scalars: train and test per epoch, plus the LR."""

from tensorboard.backend.event_processing.event_accumulator import (
    EventAccumulator,
)

from callbacks import EpochTensorBoard
from callbacks.tensorboard import split_logs


def read_scalars(directory):
    accumulator = EventAccumulator(str(directory))
    accumulator.Reload()
    return {
        tag: [(event.step, float(event.tensor_proto.float_val[0]))
              for event in accumulator.Tensors(tag)]
        for tag in accumulator.Tags()["tensors"]
    }


def test_split_logs_sends_val_metrics_to_test():
    groups = split_logs({"loss": 1.0, "accuracy": 0.5, "val_loss": 2.0,
                         "val_accuracy": 0.25, "learning_rate": 0.1})
    assert groups == {
        "train": {"epoch_loss": 1.0, "epoch_accuracy": 0.5,
                  "learning_rate": 0.1},
        "test": {"epoch_loss": 2.0, "epoch_accuracy": 0.25},
    }


def test_writes_one_point_per_epoch_in_train_and_test(tmp_path):
    callback = EpochTensorBoard(tmp_path)
    for epoch in range(3):
        callback.on_epoch_end(epoch, {
            "loss": 1.0 / (epoch + 1), "accuracy": 0.1 * epoch,
            "val_loss": 2.0, "val_accuracy": 0.2 * epoch,
            "learning_rate": 0.1,
        })
    callback.on_train_end()
    train = read_scalars(tmp_path / "train")
    test = read_scalars(tmp_path / "test")
    assert sorted(train) == ["epoch_accuracy", "epoch_loss", "learning_rate"]
    assert sorted(test) == ["epoch_accuracy", "epoch_loss"]
    assert [step for step, _ in train["epoch_loss"]] == [0, 1, 2]
    assert [round(v, 4) for _, v in test["epoch_accuracy"]] == [0, 0.2, 0.4]
    assert [round(v, 4) for _, v in train["epoch_loss"]] == [1, 0.5, 0.3333]
