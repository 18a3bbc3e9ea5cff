"""Run under KERAS_BACKEND=jax in an environment where TensorFlow is
installed too (as on Colab), which must never load it: then TensorFlow
cannot take the GPU, and a GPU machine with JAX and no TensorFlow runs
the same code. Prints one JSON line of facts."""

import json
import sys

import keras  # noqa: E402
import numpy as np  # noqa: E402

import nin  # noqa: E402
from callbacks import RunTracker  # noqa: E402
from callbacks.gradients import loss_gradients  # noqa: E402
from nin.layers import ColorJitter, PadCropFlip, PCALighting  # noqa: E402
from nin.report.lab_report import write_report  # noqa: E402
from nin.training import RunConfig, train  # noqa: E402

facts = {"backend": keras.backend.backend(), "outputs": {}, "params": {}}
x = np.random.default_rng(0).normal(size=(2, 32, 32, 3)).astype("float32")
for act, bn in [("relu", False), ("elu", True), ("lrelu", True),
                ("maxout", True), ("rrelu", True), ("prelu", False)]:
    facts["params"][f"{act}-{bn}"] = nin.build_model(
        "nin", activation=act, batch_norm=bn, he_init=True).count_params()
    model = nin.build_model("nin", activation=act, batch_norm=bn,
                            he_init=True, width=0.125)
    facts["outputs"][act] = list(model(x, training=True).shape)
for name in ("vgg", "mlp"):
    model = nin.build_model(name, activation="elu", batch_norm=True,
                            he_init=True, width=0.25)
    facts["outputs"][name] = list(model(x).shape)
augmented = PadCropFlip(seed=1)(np.repeat(x[:1], 8, axis=0), training=True)
facts["distinct_augmentations"] = len(
    {np.asarray(a).tobytes() for a in augmented})
sprelu = nin.build_model("mlp", activation="sprelu", batch_norm=True,
                         he_init=True, width=0.25)
facts["outputs"]["sprelu"] = list(sprelu(x, training=True).shape)
pixels = np.random.default_rng(1).uniform(0, 255, (4, 8, 8, 3))
jittered = ColorJitter(seed=1)(pixels.astype("float32"), training=True)
lit = PCALighting([0.2, 0.02, 0.002], np.eye(3), seed=1)(
    pixels.astype("float32"), training=True)
facts["colour_changed"] = bool(
    np.abs(np.asarray(jittered) - pixels).max() > 1
    and np.abs(np.asarray(lit) - pixels).max() > 0.01)
gradients = loss_gradients(sprelu, x, np.array([1, 2]))
facts["gradient_arrays"] = len(gradients)
facts["gradients_finite"] = bool(all(np.isfinite(g).all() for g in gradients))


class ReadyAtTestBegin(keras.callbacks.Callback):
    """Placed after a RunTracker: are the weights computed when its
    training clock has stopped (JAX queues steps and returns at once)?"""
    ready = []

    def on_test_begin(self, logs=None):
        self.ready.append(all(
            v.value.is_ready() for v in self.model.trainable_variables))


timed = nin.build_model("mlp", activation="elu", batch_norm=True,
                        he_init=True, width=0.25)  # compiles in seconds
timed.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
images = np.random.default_rng(2).normal(size=(384, 32, 32, 3))
labels = np.arange(384) % 10
timed.fit(images, labels, batch_size=128, verbose=0,
          validation_data=(images[:128], labels[:128]),
          callbacks=[RunTracker(len(images)), ReadyAtTestBegin()])
facts["weights_ready_when_clock_stops"] = ReadyAtTestBegin.ready
results = train(RunConfig(activation="maxout", batch_norm=True,
                          he_init=True, dataset="synthetic", epochs=1,
                          width=0.125, color_jitter=0.2, pca_lighting=0.1,
                          diagnostics=True, logdir=sys.argv[1]), verbose=0)
facts["trained_epochs"] = results["epochs"]
write_report(sys.argv[1])
facts["tensorflow_loaded"] = "tensorflow" in sys.modules
print(json.dumps(facts))
