"""The grader's compiled re-measurement: the same numbers, computed fast.

The compiled inference graph (BN folded into the conv, fused conv + bias
+ activation) must give the Keras model's probabilities; a graph made for
one run must give another run's once its weights are loaded; and the
bf16 recheck must leave no prediction that bf16 alone flips.
"""

import numpy as np
import pytest

import nin
from grading.models import remeasure
from grading.models.inference import KerasPredictor, Predictor, make_predictor

WIDTH = 0.125


def trained_looking(model, seed):
    """BN statistics and biases as a trained model has them (not 0/1)."""
    rng = np.random.default_rng(seed)
    changes = {"moving_variance": lambda shape: rng.uniform(0.5, 2, shape),
               "moving_mean": lambda shape: rng.normal(0, 0.1, shape),
               "gamma": lambda shape: rng.uniform(0.5, 1.5, shape),
               "beta": lambda shape: rng.normal(0, 0.1, shape),
               "bias": lambda shape: rng.normal(0, 0.05, shape)}
    for weight in model.weights:
        for name, draw in changes.items():
            if weight.path.endswith(name):
                weight.assign(draw(weight.shape).astype("float32"))
    return model


def images(count, seed=0):
    return np.random.default_rng(seed).normal(
        size=(count, 32, 32, 3)).astype("float32")


@pytest.mark.parametrize("activation, batch_norm", [
    ("relu", False), ("relu", True), ("elu", True), ("lrelu", True),
    ("maxout", True), ("prelu", True)])
def test_the_compiled_graph_gives_the_keras_models_probabilities(
        activation, batch_norm):
    model = trained_looking(nin.build_model(
        "nin", activation=activation, batch_norm=batch_norm, he_init=True,
        width=WIDTH), seed=1)
    x = images(48)
    predictor = make_predictor(model)
    assert isinstance(predictor, Predictor)
    predictor.load(model)
    expected = model.predict(x, batch_size=16, verbose=0)
    found = predictor.predict(x, "fp32", batch_size=20)  # a ragged batch
    assert found.shape == (48, 10)
    np.testing.assert_allclose(found, expected, atol=2e-5)
    assert np.abs(predictor.predict(x, "bf16", 48) - expected).max() < 0.1


def test_a_graph_is_reused_for_another_run_of_the_architecture():
    first, second = (trained_looking(nin.build_model(
        "nin", activation="elu", batch_norm=True, he_init=he_init,
        width=WIDTH), seed=seed) for seed, he_init in ((1, False),
                                                        (2, True)))
    predictor = make_predictor(first)
    predictor.load(first)
    x = images(16)
    before = predictor.predict(x, "fp32", 16)
    predictor.load(second)
    np.testing.assert_allclose(predictor.predict(x, "fp32", 16),
                               second.predict(x, verbose=0), atol=2e-5)
    assert np.abs(before - predictor.predict(x, "fp32", 16)).max() > 1e-3


def test_a_model_that_is_not_a_chain_uses_keras_predict():
    import keras

    inputs = keras.Input((4,))
    outputs = keras.layers.Add()([keras.layers.Dense(3)(inputs),
                                  keras.layers.Dense(3)(inputs)])
    predictor = make_predictor(keras.Model(inputs, outputs))
    assert isinstance(predictor, KerasPredictor)
    assert predictor.fallback_reason == \
        "the model is not a plain chain of layers"


def near_tie(model):
    """Classes 0 and 1 on top with equal weights, 1 ahead by 1e-3: bf16
    rounds the difference away (argmax 0), float32 keeps it (argmax 1)."""
    last = [layer for layer in model.layers
            if type(layer).__name__ == "Conv2D"][-1]
    kernel, bias = (weight.numpy() for weight in last.weights)
    kernel[..., 1] = kernel[..., 0]
    bias[:2] = 50.0, 50.001
    last.set_weights([kernel, bias])
    return model


@pytest.mark.parametrize("tied", [False, True])
def test_the_bf16_recheck_leaves_no_flipped_prediction(tied):
    model = trained_looking(nin.build_model(
        "nin", activation="elu", batch_norm=False, he_init=True,
        width=WIDTH), seed=3)
    if tied:
        near_tie(model)
    predictor = make_predictor(model)
    predictor.load(model)
    x = images(600)
    exact = predictor.predict(x, "fp32", 100).argmax(axis=1)
    rounded = predictor.predict(x, "bf16", 100)
    flipped = (rounded.argmax(axis=1) != exact).sum()
    rechecked = remeasure.recheck(predictor, x, rounded, 100)
    assert (rounded.argmax(axis=1) == exact).all()
    if tied:  # bf16 alone flips every prediction; all are rechecked
        assert flipped == 600 and rechecked == 600
    else:  # confident predictions stay in bf16
        assert remeasure.CALIBRATION_IMAGES <= rechecked < 600
