"""Training beyond Lab 4, end to end on tiny settings: sanity mode reaches
100%, plateau + early stopping on a hold-out resume exactly, colour
augmentation and diagnostics land in the run directory."""

import json

import keras
import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import (
    EventAccumulator,
)
from tensorboard.util import tensor_util

import nin.training.loop
from callbacks.diagnostics import dead_fraction
from callbacks.gradients import loss_gradients
from nin.cli import lab4
from nin.training import RunInterrupted, train
from nin.training.config import RunConfig


def test_overfit_mode_reaches_100_percent_training_accuracy(tmp_path,
                                                            capsys):
    # Seed 002's sanity check: 2 batches of 32 digits, memorized.
    code = lab4.main([
        "--model", "mlp", "--init", "kaiming", "--dataset", "digits",
        "--overfit-batches", "2", "--batch-size", "32", "--epochs", "12",
        "--lr", "0.01", "--lr-drops", "100", "--verbose", "0",
        "--logdir", str(tmp_path)])
    assert code == 0
    run_dir = tmp_path / "mlp-None-overfit2"
    results = json.loads((run_dir / "results.json").read_text())
    assert results["train_accuracy"] == 1.0
    assert results["test_accuracy"] < 0.9  # 64 images do not generalize
    assert json.loads((run_dir / "config.json").read_text())[
        "train_size"] == 64
    assert "training-subset accuracy 100.00%" in capsys.readouterr().out


def plateau_config(logdir):
    # lr 1e-7: validation accuracy cannot improve, so the LR halves after
    # every epoch without improvement and early stopping ends epoch 2.
    return RunConfig(model="mlp", init="kaiming", dataset="digits",
                     epochs=6, lr=1e-7, batch_size=128, augment=False,
                     validation_split=0.1, schedule="plateau",
                     plateau_patience=1, early_stop_patience=2,
                     logdir=str(logdir))


@pytest.fixture(scope="module")
def plateau_run(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("plateau")
    return train(plateau_config(logdir), verbose=0), logdir


def test_plateau_and_early_stopping_on_a_hold_out(plateau_run):
    results, logdir = plateau_run
    assert results["epochs"] == 3 and results["stopped_early"] is True
    rates = [entry["learning_rate"] for entry in results["history"]]
    assert rates == pytest.approx([1e-7, 1e-7, 5e-8], rel=1e-5)
    assert "best_validation_accuracy" in results
    assert "best_test_accuracy" not in results
    assert all(entry["epoch_train_s"] > 0 for entry in results["history"])
    run_dir = logdir / "mlp-None"
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["train_size"], config["validation_size"],
            config["test_size"]) == (1293, 144, 360)
    assert config["lr_drops_used"] is None
    names = [p.name for p in run_dir.iterdir()
             if not p.name.endswith(".hparams")]  # HParams dashboard file
    assert sorted(names) == [
        "checkpoint", "config.json", "model.keras", "results.json", "train",
        "validation"]


def test_plateau_and_early_stopping_resume_exactly(tmp_path, monkeypatch,
                                                  plateau_run):
    reference, _ = plateau_run
    order = nin.training.loop.epoch_order

    def interrupt_at_epoch_1(size, seed, epoch):
        if epoch == 1:
            raise KeyboardInterrupt
        return order(size, seed, epoch)

    monkeypatch.setattr(nin.training.loop, "epoch_order", interrupt_at_epoch_1)
    with pytest.raises(RunInterrupted):
        train(plateau_config(tmp_path / "resumed"), verbose=0)
    monkeypatch.setattr(nin.training.loop, "epoch_order", order)
    resumed = train(plateau_config(tmp_path / "resumed"), verbose=0)
    assert resumed["resumed_at_epochs"] == [1]
    assert resumed["epochs"] == 3 and resumed["stopped_early"] is True
    for key in ("learning_rate", "val_accuracy", "val_loss"):
        assert [e[key] for e in resumed["history"]] == pytest.approx(
            [e[key] for e in reference["history"]], rel=1e-6)


def tensors(directory):
    accumulator = EventAccumulator(str(directory),
                                   size_guidance={"tensors": 0})
    accumulator.Reload()
    return {tag: [tensor_util.make_ndarray(e.tensor_proto)
                  for e in accumulator.Tensors(tag)]
            for tag in accumulator.Tags()["tensors"]}


def test_colour_augmentation_and_diagnostics_in_a_run(tmp_path):
    config = RunConfig(model="vgg", he_init=True, dataset="digits",
                       epochs=1, width=0.125, batch_size=64,
                       color_jitter=0.3, pca_lighting=0.1,
                       standardization="global", diagnostics=True,
                       logdir=str(tmp_path))
    train(config, verbose=0)
    run_dir = tmp_path / "vgg-WI"
    saved = json.loads((run_dir / "config.json").read_text())
    values = saved["pca_eigenvalues"]
    assert len(values) == 3 and values[0] > 10 * values[1] >= 0
    assert len(set(saved["channel_mean"])) == 1  # global statistics
    trainer = keras.saving.load_model(
        next((run_dir / "checkpoint").glob("*.keras")), safe_mode=True)
    assert [layer.name for layer in trainer.layers] == [
        "augment", "color_jitter", "pca_lighting", "vgg"]
    assert trainer.get_layer("pca_lighting").alpha_std == 0.1
    network = keras.saving.load_model(run_dir / "model.keras",
                                      safe_mode=True)
    assert network.name == "vgg"
    found = tensors(run_dir / "diagnostics")
    assert found["gradient_norm/global"][0] > 0
    assert 0 <= found["dead_relu_fraction/stage1_conv1_act"][0] <= 1
    assert found["activation_std/fc1_act"][0] > 0
    histogram = found["activations/stage1_conv1_act"][0]
    assert histogram.shape == (30, 3)
    assert histogram[:, 2].sum() == 64 * 32 * 32 * 8  # every probe value
    assert "gradient_mean_abs/stage1_conv1/kernel" in found


def test_loss_gradients_equal_softmax_regression_by_hand():
    model = keras.Sequential([keras.Input((4,)),
                              keras.layers.Dense(3, activation="softmax")])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 4)).astype("float32")
    y = np.array([0, 2, 1, 2, 0])
    kernel, bias = loss_gradients(model, x, y)
    probabilities = model.predict(x, verbose=0).astype(np.float64)
    error = probabilities - np.eye(3)[y]
    np.testing.assert_allclose(kernel, x.T @ error / 5, rtol=1e-4,
                               atol=1e-7)
    np.testing.assert_allclose(bias, error.mean(axis=0), rtol=1e-4,
                               atol=1e-7)


def test_gradients_leave_batch_norm_statistics_untouched():
    model = nin.build_model("mlp", activation="relu", batch_norm=True,
                            he_init=True, width=0.1)
    before = [keras.ops.convert_to_numpy(v).copy()
              for v in model.non_trainable_variables]
    x = np.random.default_rng(1).normal(3.0, 1.0, (8, 32, 32, 3))
    loss_gradients(model, x.astype("float32"), np.arange(8) % 10)
    after = [keras.ops.convert_to_numpy(v)
             for v in model.non_trainable_variables]
    for old, new in zip(before, after):
        np.testing.assert_array_equal(old, new)


def test_dead_fraction_counts_units_zero_everywhere():
    outputs = np.zeros((2, 3, 3, 4))
    outputs[1, 2, 2, 0] = 0.5  # unit 0 fires once
    outputs[0, 0, 0, 3] = 1.0  # unit 3 fires once
    assert dead_fraction(outputs) == 0.5
