"""Made by the `student_models` fixture in a subprocess: a small NIN
saved by tf.keras 2 (`model.save('x.h5')`) and one whose Lambda would
write a marker file if it ever ran. Argument: the output folder."""

import json
import os
import sys
from pathlib import Path

import numpy as np

import tf_keras as keras

out = Path(sys.argv[1])
data = np.load(out / "data.npz")
x_train, y_train = data["x_train"], data["y_train"]
x_test, y_test = data["x_test"], data["y_test"]
keras.utils.set_random_seed(1)

model = keras.Sequential([keras.Input((8, 8, 3))])
for filters, size in ((16, 5), (12, 1), (8, 1)):
    model.add(keras.layers.Conv2D(filters, size, padding="same",
                                  kernel_initializer="he_normal"))
    model.add(keras.layers.LeakyReLU(alpha=0.01))
model.add(keras.layers.MaxPooling2D(3, 2, padding="same"))
model.add(keras.layers.Dropout(0.5))
model.add(keras.layers.Conv2D(10, 1, padding="same"))
model.add(keras.layers.GlobalAveragePooling2D())
model.add(keras.layers.Softmax())
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=64, epochs=3, verbose=0)
accuracy = float(model.evaluate(x_test, y_test, verbose=0)[1])
model.save(out / "lrelu_keras2.h5")
np.save(out / "lrelu_keras2_probabilities.npy", model.predict(x_test,
                                                              verbose=0))

marker = str(out / "MARKER")
payload = eval(f"lambda x: (open({marker!r}, 'w').write('ran'), x)[1]")
evil = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Lambda(payload),
                         keras.layers.GlobalAveragePooling2D()])
evil.save(out / "lambda_keras2.h5")
Path(marker).unlink(missing_ok=True)  # it ran here, at build time
(out / "accuracies_tf_keras.json").write_text(
    json.dumps({"lrelu_keras2": accuracy}))
