"""Made by the `student_models` fixture in a subprocess: small NINs saved
the ways students save them with Keras 3 (`x.keras`, `x.h5`), Keras's own
model.evaluate accuracy in accuracies.json. Argument: the output folder."""

import json
import sys
from pathlib import Path

import numpy as np

import keras

out = Path(sys.argv[1])
data = np.load(out / "data.npz")
x_train, y_train = data["x_train"], data["y_train"]
x_test, y_test = data["x_test"], data["y_test"]
keras.utils.set_random_seed(1)


def nin(widths=(16, 12, 8), spell="activation", bn=False):
    layers = [keras.Input((8, 8, 3))]
    for block, kernel in enumerate((5, 5, 3)):
        for index, (filters, size) in enumerate(zip(
                widths if block == 0 else (widths[0],) * 2 + (
                    (widths[0],) if block == 1 else (10,)),
                (kernel, 1, 1))):
            init = keras.initializers.VarianceScaling(
                2.0, "fan_out", "untruncated_normal")
            if spell == "activation" and not bn:
                layers.append(keras.layers.Conv2D(
                    filters, size, padding="same", activation="relu",
                    kernel_initializer=init))
                continue
            layers.append(keras.layers.Conv2D(
                filters, size, padding="same", kernel_initializer=init))
            if bn:
                layers.append(keras.layers.BatchNormalization())
            layers.append(keras.layers.ReLU() if spell == "relu_layer"
                          else keras.layers.Activation("relu"))
        if block < 2:
            layers.append(keras.layers.MaxPooling2D(3, 2, padding="same"))
            layers.append(keras.layers.Dropout(0.5))
    layers.append(keras.layers.GlobalAveragePooling2D())
    layers.append(keras.layers.Activation("softmax"))
    return keras.Sequential(layers)


accuracies = {}
for name, model in {"relu_keras3": nin(),
                    "relu_bn_keras3": nin(spell="relu_layer", bn=True)}.items():
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=3, verbose=0)
    accuracies[name] = float(model.evaluate(x_test, y_test, verbose=0)[1])
    model.save(out / f"{name}.keras")
    model.save(out / f"{name}.h5")
    np.save(out / f"{name}_probabilities.npy",
            model.predict(x_test, verbose=0))


class MyLayer(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2


custom = keras.Sequential([keras.Input((8, 8, 3)), MyLayer(),
                           keras.layers.GlobalAveragePooling2D()])
custom.save(out / "custom_class.keras")
(out / "accuracies_keras3.json").write_text(json.dumps(accuracies))
