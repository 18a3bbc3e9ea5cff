"""Options beyond Lab 4: plateau schedule and early stopping as functions
of the history, init schemes, validation, and lab4's defaults unchanged."""

import keras
import numpy as np
import pytest

import nin
from callbacks.plateau import (
    PlateauSchedule,
    epochs_without_improvement,
    plateau_rates,
    should_stop_early,
)
from nin.cli import lab4
from nin.training.config import RunConfig

pytestmark = pytest.mark.quick  # the quick tier: README, "Tests"


def test_plateau_halves_after_patience_epochs_and_restarts_the_count():
    accuracies = [0.5, 0.6, 0.6, 0.59, 0.6, 0.58, 0.7, 0.7, 0.7, 0.7, 0.7]
    rates = plateau_rates(accuracies, 0.01, factor=0.5, patience=2)
    assert rates == pytest.approx([0.01, 0.01, 0.01, 0.01, 0.005, 0.005,
                                   0.0025, 0.0025, 0.0025, 0.00125,
                                   0.00125, 0.000625])


def test_nan_never_counts_as_improvement():
    assert plateau_rates([float("nan")] * 3, 1.0, 0.5, 1) == [1, .5, .25, .125]
    assert epochs_without_improvement([0.3, float("nan"), 0.2]) == 2


def test_early_stopping_after_patience_epochs_without_a_new_best():
    history = [{"val_accuracy": a} for a in (0.2, 0.5, 0.4, 0.5, 0.45)]
    assert epochs_without_improvement([h["val_accuracy"]
                                       for h in history]) == 3
    assert should_stop_early(history, 3)
    assert not should_stop_early(history, 4)
    assert not should_stop_early(history, None)


class _History:
    history = []


def test_plateau_schedule_sets_the_lr_from_the_tracker_history():
    tracker = _History()
    tracker.history = [{"val_accuracy": 0.5}, {"val_accuracy": 0.4}]
    schedule = PlateauSchedule(0.1, 0.5, 1, tracker)
    assert schedule.learning_rate_at(0) == 0.1
    assert schedule.learning_rate_at(1) == 0.1
    assert schedule.learning_rate_at(2) == 0.05
    with pytest.raises(ValueError, match="PlateauSchedule needs"):
        PlateauSchedule(0.1, 1.5, 1, tracker)


def test_lab4_defaults_are_still_seed_001s_recipe():
    config = lab4.config_from_args(lab4.make_parser().parse_args([]))
    assert config == RunConfig()
    assert (config.standardization, config.validation_split,
            config.schedule, config.early_stop_patience, config.init,
            config.color_jitter, config.pca_lighting,
            config.overfit_batches, config.diagnostics) == (
        "channel", 0.0, "step", None, None, 0.0, 0.0, None, False)
    assert config.run_name == "None" and config.epochs == 164


def test_flags_reach_the_config():
    args = lab4.make_parser().parse_args([
        "--model", "vgg", "--init", "normal", "--init-std", "1e-4",
        "--validation-split", "0.1", "--schedule", "plateau",
        "--early-stop-patience", "20", "--standardization", "global",
        "--color-jitter", "--pca-lighting", "--dropout", "0.5",
        "--weight-decay", "5e-4", "--overfit-batches", "3",
        "--diagnostics"])
    config = lab4.config_from_args(args)
    assert (config.init, config.init_std, config.color_jitter,
            config.pca_lighting, config.dropout, config.weight_decay) == (
        "normal", 1e-4, 0.4, 0.1, 0.5, 5e-4)
    assert config.run_name == "vgg-None-overfit3"


def test_configs_saved_before_these_options_still_resume():
    saved = RunConfig().to_json()
    for field in ("schedule", "validation_split", "color_jitter",
                  "diagnostics", "image_size"):
        del saved[field]
    assert RunConfig().differences(saved) == []
    assert RunConfig(schedule="plateau", validation_split=0.1).differences(
        saved)[0].startswith("validation_split: 0.0 (saved) vs 0.1")


@pytest.mark.parametrize("kwargs,message", [
    ({"schedule": "plateau"}, "give validation_split > 0"),
    ({"early_stop_patience": 5}, "give validation_split > 0"),
    ({"schedule": "plateau", "validation_split": 0.1, "lr_drops": (5,)},
     "lr_drops belong to the step schedule"),
    ({"validation_split": 1.0}, "validation_split must be a number in"),
    ({"standardization": "pixel"}, "standardization must be one of"),
    ({"init": "normal"}, "init_std is required"),
    ({"init": "xavier", "he_init": True}, "contradict"),
    ({"init": "glorot"}, "init must be one of"),
    ({"overfit_batches": 0}, "overfit_batches must be a positive integer"),
    ({"color_jitter": 1.5}, "color_jitter must be a number in"),
    ({"pca_lighting": -0.1}, "pca_lighting must be a number >= 0"),
])
def test_bad_options_are_clear_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**kwargs)


def _kernel_std(init, **kwargs):
    model = nin.build_model("mlp", activation="relu", batch_norm=False,
                            he_init=False, init=init, **kwargs)
    return float(np.std(keras.ops.convert_to_numpy(
        model.get_layer("fc1").kernel)))


def test_init_schemes_measured_on_the_mlp_first_layer():
    # fc1: 3072 inputs, 100 outputs; 307,200 weights.
    assert _kernel_std("kaiming") == pytest.approx(np.sqrt(2 / 3072),
                                                   rel=0.01)
    assert _kernel_std("xavier") == pytest.approx(np.sqrt(2 / 3172),
                                                  rel=0.01)
    assert _kernel_std("normal", init_std=1.0) == pytest.approx(1.0,
                                                                rel=0.01)
    assert _kernel_std("he") == pytest.approx(np.sqrt(2 / 100), rel=0.01)
    assert _kernel_std("reference") == pytest.approx(0.01, rel=0.01)


def test_mlp_and_vgg_dropout_placement():
    mlp = nin.build_model("mlp", activation="relu", batch_norm=True,
                          he_init=True, dropout=0.5)
    names = [layer.name for layer in mlp.layers]
    assert [n for n in names if "dropout" in n] == [
        "fc1_dropout", "fc2_dropout", "fc3_dropout"]
    assert names[names.index("fc1_act") + 1] == "fc1_dropout"
    vgg = nin.build_model("vgg", activation="relu", batch_norm=False,
                          he_init=True, dropout=0.5, width=0.125)
    names = [layer.name for layer in vgg.layers]
    assert names[-2:] == ["fc_dropout", "predictions"]
    assert sum("dropout" in n for n in names) == 6
