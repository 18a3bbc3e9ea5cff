"""The training math, pinned: a few steps of the real trainer against an
independent reference.

The trainer is assembled exactly as a run assembles it (the registry's
NIN, seed 001's compile: Nesterov SGD 0.9, L2 1e-4 on conv kernels,
cross-entropy), with dropout 0, no augmentation and fp32 so that the
result is a function of the weights and the batch alone. The reference is
written separately in plain JAX tensors (`jax.numpy`, `jax.lax` and
`jax.grad`), from seed 001 Table 1 and the spec, not from Keras's layers:
convs with "same" padding, batch norm on batch statistics (biased
variance; moving averages with momentum 0.9), ELU / ReLU / Maxout, 3x3/2
"same" max-pooling, global average pooling, softmax cross-entropy plus
1e-4 times the sum of squared kernels, and Keras-style Nesterov momentum
(m = 0.9 m - lr g; w += 0.9 m - lr g).

Every weight after 3 steps (kernels, biases, BN scales, offsets and
moving statistics) must match within float32 round-off: at most 2e-4 of
how far the steps moved that tensor, plus 1e-6 (a conv bias followed by
BN has a zero gradient and moves by round-off alone). Measured on the
2-core development CPU (2026-12-01), the worst tensor sat at 0.01 to
0.17 of that bound; the reference without L2 sat 20 to 600 times above
it and plain momentum over 1,000 times. The test checks that both stay
at least 5 times above, so it can tell them apart.
"""

import numpy as np
import pytest

jax = pytest.importorskip("jax")
jnp = jax.numpy

WIDTH = 0.125
BATCH = 8
STEPS = 3
LR = 0.1
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-4
BN_MOMENTUM = 0.9
PIECES = 2
# seed 001 Table 1: (kernel, filters) of each block's convs; None: classes.
BLOCKS = (((5, 192), (1, 160), (1, 96)),
          ((5, 192), (1, 192), (1, 192)),
          ((3, 192), (1, 192), (1, None)))
RELATIVE = 2e-4  # of each tensor's largest change over the steps
ABSOLUTE = 1e-6


def reference_convs(activation, classes=10):
    """[(layer name, kernel size, input channels, output channels)]."""
    convs, channels = [], 3
    multiplier = PIECES if activation == "maxout" else 1
    for block, layers in enumerate(BLOCKS, start=1):
        for index, (kernel, filters) in enumerate(layers, start=1):
            units = classes if filters is None else max(
                1, int(round(filters * WIDTH)))
            convs.append((f"block{block}_conv{index}", kernel, channels,
                          units * multiplier))
            channels = units
    return convs


def activate(x, activation):
    if activation == "elu":
        return jnp.where(x > 0, x, jnp.expm1(jnp.minimum(x, 0)))
    if activation == "relu":
        return jnp.maximum(x, 0)
    if activation == "maxout":  # max over groups of k consecutive channels
        return x.reshape(*x.shape[:-1], x.shape[-1] // PIECES, PIECES).max(-1)
    raise ValueError(activation)


def forward(params, x, activation, batch_norm, epsilon):
    """(mean cross-entropy, {layer: (batch mean, batch variance)})."""
    h, statistics = x, {}
    convs = reference_convs(activation)
    for position, (name, _, _, _) in enumerate(convs):
        h = jax.lax.conv_general_dilated(
            h, params[f"{name}/kernel"], (1, 1), "SAME",
            dimension_numbers=("NHWC", "HWIO", "NHWC"))
        h = h + params[f"{name}/bias"]
        if batch_norm:
            mean = h.mean(axis=(0, 1, 2))
            variance = ((h - mean) ** 2).mean(axis=(0, 1, 2))
            statistics[name] = (mean, variance)
            h = (h - mean) / jnp.sqrt(variance + epsilon)
            h = h * params[f"{name}_bn/gamma"] + params[f"{name}_bn/beta"]
        h = activate(h, activation)
        if name in ("block1_conv3", "block2_conv3"):  # pool, dropout 0
            h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max,
                                      (1, 3, 3, 1), (1, 2, 2, 1), "SAME")
    scores = h.mean(axis=(1, 2))
    return scores, statistics


def loss_fn(params, x, y, activation, batch_norm, epsilon, weight_decay):
    scores, statistics = forward(params, x, activation, batch_norm, epsilon)
    log_probabilities = jax.nn.log_softmax(scores)
    cross_entropy = -jnp.mean(log_probabilities[jnp.arange(len(y)), y])
    l2 = sum(jnp.sum(value ** 2) for key, value in params.items()
             if key.endswith("/kernel"))
    return cross_entropy + weight_decay * l2, statistics


def reference_training(weights, x, y, activation, batch_norm, epsilon,
                       weight_decay=WEIGHT_DECAY, nesterov=True,
                       steps=STEPS):
    """The weights after `steps` steps of batch BATCH, in plain JAX."""
    params = {k: jnp.asarray(v) for k, v in weights.items()
              if not k.endswith(("moving_mean", "moving_variance"))}
    moving = {k: np.asarray(v) for k, v in weights.items()
              if k.endswith(("moving_mean", "moving_variance"))}
    velocity = {k: jnp.zeros_like(v) for k, v in params.items()}
    gradient = jax.jit(jax.grad(loss_fn, has_aux=True),
                       static_argnums=(3, 4, 5, 6))
    for step in range(steps):
        batch = slice(step * BATCH, (step + 1) * BATCH)
        grads, statistics = gradient(params, x[batch], y[batch], activation,
                                     batch_norm, epsilon, weight_decay)
        for key in params:
            velocity[key] = MOMENTUM * velocity[key] - LR * grads[key]
            params[key] = params[key] + (
                MOMENTUM * velocity[key] - LR * grads[key] if nesterov
                else velocity[key])
        for name, (mean, variance) in statistics.items():
            for stat, value in (("moving_mean", mean),
                                ("moving_variance", variance)):
                key = f"{name}_bn/{stat}"
                moving[key] = (moving[key] * BN_MOMENTUM
                               + np.asarray(value) * (1 - BN_MOMENTUM))
    return {**{k: np.asarray(v) for k, v in params.items()}, **moving}


def fixed_weights(model, seed=0):
    """Set every weight of `model` from a fixed generator; returns them."""
    rng = np.random.default_rng(seed)
    weights = {}
    for variable in model.weights:
        shape = tuple(variable.shape)
        name = variable.path.split("/")[-1]
        if name == "kernel":
            fan_in = int(np.prod(shape[:-1]))
            value = rng.normal(0, np.sqrt(2 / fan_in), shape)
        elif name == "moving_variance":
            value = rng.uniform(0.5, 1.5, shape)
        elif name == "gamma":
            value = 1 + 0.1 * rng.normal(size=shape)
        else:  # bias, beta, moving_mean
            value = 0.1 * rng.normal(size=shape)
        value = value.astype("float32")
        variable.assign(value)
        weights[variable.path] = value
    return weights


def keras_weights(model):
    import keras

    return {v.path: keras.ops.convert_to_numpy(v) for v in model.weights}


def mismatch(trained, reference, initial):
    """(worst ratio, variable path): each tensor's largest |trained -
    reference| over its bound RELATIVE * (largest change) + ABSOLUTE; the
    weights match where the ratio is below 1."""
    ratios = []
    for key, value in trained.items():
        moved = np.max(np.abs(value - initial[key]))
        error = np.max(np.abs(value - reference[key]))
        ratios.append((error / (RELATIVE * moved + ABSOLUTE), key))
    return max(ratios)


def real_trainer(activation, batch_norm, he_init):
    """The trainer a run trains, assembled by the toolkit's own code."""
    from nin.training.config import RunConfig
    from nin.training.trainer import (
        build_network,
        compile_trainer,
        training_model,
    )

    config = RunConfig(activation=activation, batch_norm=batch_norm,
                       he_init=he_init, dataset="synthetic", width=WIDTH,
                       dropout=0.0, augment=False, precision="fp32",
                       batch_size=BATCH, lr=LR, jit="off")
    network = build_network(config, (32, 32, 3), 10)
    return compile_trainer(training_model(network, config), config)


def batches():
    """(x, y): STEPS batches of BATCH random images and labels."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(STEPS * BATCH, 32, 32, 3)).astype("float32")
    return x, rng.integers(0, 10, STEPS * BATCH)


def fused_epsilon():
    """TensorFlow's fused batch norm raises epsilon to cuDNN's minimum."""
    import keras

    return 1.001e-5 if keras.backend.backend() == "tensorflow" else 1e-5


CONFIGS = [("elu", True, True), ("relu", False, False), ("maxout", True, True)]


@pytest.mark.parametrize("activation,batch_norm,he_init", CONFIGS,
                         ids=["ELU+BN+WI", "None", "Maxout+BN+WI"])
def test_real_trainer_matches_an_independent_reference(activation,
                                                       batch_norm, he_init):
    import keras

    trainer = real_trainer(activation, batch_norm, he_init)
    expected_names = {f"{name}/{kind}"
                      for name, kernel, c_in, c_out in
                      reference_convs(activation) for kind in
                      ("kernel", "bias")}
    initial = fixed_weights(trainer)
    shapes = {name: value.shape for name, value in initial.items()}
    for name, kernel, c_in, c_out in reference_convs(activation):
        assert shapes[f"{name}/kernel"] == (kernel, kernel, c_in, c_out)
    assert expected_names <= set(initial)
    assert len(initial) == len(expected_names) * (3 if batch_norm else 1)

    x, y = batches()
    trainer.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    trained = keras_weights(trainer)
    iterations = keras.ops.convert_to_numpy(trainer.optimizer.iterations)
    assert int(iterations) == STEPS

    epsilon = fused_epsilon()
    reference = reference_training(initial, x, y, activation, batch_norm,
                                   epsilon)
    error, worst = mismatch(trained, reference, initial)
    assert error < 1, f"{worst}: {error:.2f} times the tolerance"

    # The measure can tell a missing L2 term or plain momentum apart.
    for changed in (dict(weight_decay=0.0), dict(nesterov=False)):
        other = reference_training(initial, x, y, activation, batch_norm,
                                   epsilon, **changed)
        assert mismatch(trained, other, initial)[0] > 5, changed


def one_step(activation, batch_norm, he_init):
    """(initial weights, weights after one step of the first batch)."""
    trainer = real_trainer(activation, batch_norm, he_init)
    initial = fixed_weights(trainer)
    x, y = batches()
    trainer.fit(x[:BATCH], y[:BATCH], batch_size=BATCH, epochs=1,
                shuffle=False, verbose=0)
    return initial, keras_weights(trainer)


def test_a_deterministic_step_is_the_default_step(tmp_path):
    """`--deterministic` computes the step the default mode computes.

    Op determinism is switched on in a fresh process before any model is
    built, as a run does (and it cannot be switched off, so not here).
    One step, not three: from the second step on, a max-pooling window
    whose two largest inputs lie within float32 round-off of each other
    may route its gradient to either of them, so two float32 runs a
    rounding apart, or a run and the reference, part at such a window
    (docs/performance.md, "Deterministic mode": measured, it is not
    the mode). From equal weights nothing can part them.
    """
    import subprocess
    import sys

    import keras

    if keras.backend.backend() != "tensorflow":
        pytest.skip("op determinism is TensorFlow's switch")
    out = tmp_path / "deterministic.npz"
    subprocess.run([sys.executable, __file__, str(out)], check=True,
                   capture_output=True)
    deterministic = np.load(out)
    x, y = batches()
    for activation, batch_norm, he_init in CONFIGS:
        initial, default = one_step(activation, batch_norm, he_init)
        mine = {path: deterministic[f"{activation}|{path}"]
                for path in default}
        reference = reference_training(initial, x, y, activation,
                                       batch_norm, fused_epsilon(), steps=1)
        for other in (default, reference):
            error, worst = mismatch(mine, other, initial)
            assert error < 1, \
                f"{activation}: {worst}: {error:.2f} times the tolerance"
        # A missing L2 term shows within one step (measured 2.5 times the
        # tolerance without BN, 19 to 26 times with it).
        other = reference_training(initial, x, y, activation, batch_norm,
                                   fused_epsilon(), weight_decay=0.0,
                                   steps=1)
        assert mismatch(mine, other, initial)[0] > 2, activation


if __name__ == "__main__":  # the deterministic step, in its own process
    import sys

    from nin.training.runtime import enable_determinism

    enable_determinism()
    np.savez(sys.argv[1], **{
        f"{activation}|{path}": value
        for activation, batch_norm, he_init in CONFIGS
        for path, value in one_step(activation, batch_norm, he_init)[1]
        .items()})
