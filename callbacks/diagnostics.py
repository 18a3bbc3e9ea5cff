"""Per-epoch diagnostics of the batch-norm study (seed 003), for
TensorBoard, behind `--diagnostics`.

At each epoch end, on a fixed probe batch (the first `probe_size`
training images), written to `RUN_DIR/diagnostics/`:

- `activation_mean/<layer>`, `activation_std/<layer>` (scalars) and
  `activations/<layer>` (histogram) for every activation layer
  (`*_act`), in inference mode;
- `dead_relu_fraction/<layer>`: for ReLU layers, the fraction of units
  (channels) that output 0 for every probe image and position;
- `gradient_norm/<variable>`, `gradient_mean_abs/<variable>` (the
  thesis's "mean gradients"), `gradient_norm/global` and
  `gradients/<variable>` (histogram) of the cross-entropy on the probe
  batch in training mode (batch statistics, dropout), computed without
  changing any state (`callbacks.gradients`).

Written with TensorBoard's event writer (numpy only, any backend). The
callback runs after the checkpoint; a resumed run appends to the same
folder, and an epoch killed between the two has no diagnostics point.
"""

import time
from pathlib import Path

import keras
import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.histogram import metadata as histogram_metadata
from tensorboard.plugins.scalar import metadata as scalar_metadata
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from tensorboard.util import tensor_util

from callbacks.gradients import gradient_function
from callbacks.without_tensorflow import keep_tensorflow_out

DIAGNOSTICS_DIR = "diagnostics"
PROBE_SIZE = 64
BUCKETS = 30


class SummaryFile:
    """Scalars and histograms into one TensorBoard event file."""

    def __init__(self, directory):
        keep_tensorflow_out()
        self.writer = EventFileWriter(str(directory))

    def _add(self, tag, tensor, metadata, step):
        event = event_pb2.Event(wall_time=time.time(), step=int(step))
        event.summary.value.add(tag=tag, tensor=tensor, metadata=metadata)
        self.writer.add_event(event)

    def scalar(self, tag, value, step):
        metadata = scalar_metadata.create_summary_metadata(None, None)
        metadata.data_class = summary_pb2.DataClass.DATA_CLASS_SCALAR
        self._add(tag, tensor_util.make_tensor_proto(np.float32(value)),
                  metadata, step)

    def histogram(self, tag, values, step):
        values = np.asarray(values, np.float64).reshape(-1)
        values = values[np.isfinite(values)]
        counts, edges = np.histogram(values, bins=BUCKETS) if values.size \
            else (np.zeros(BUCKETS), np.zeros(BUCKETS + 1))
        buckets = np.stack([edges[:-1], edges[1:], counts], axis=1)
        metadata = histogram_metadata.create_summary_metadata(None, None)
        self._add(tag, tensor_util.make_tensor_proto(buckets, np.float64),
                  metadata, step)

    def close(self):
        self.writer.close()


def dead_fraction(outputs):
    """Fraction of units (last axis) that are 0 everywhere in `outputs`."""
    units = outputs.reshape(-1, outputs.shape[-1])
    return float(np.mean(np.all(units == 0, axis=0)))


def _is_relu(layer):
    return getattr(layer, "activation", None) is keras.activations.relu


class Diagnostics(keras.callbacks.Callback):
    """Activation, dead-ReLU and gradient summaries each epoch.

    Args:
        run_dir: the run directory (events go to `run_dir/diagnostics`).
        network: the bare network (without augmentation).
        probe_x, probe_y: the probe batch.
    """

    def __init__(self, run_dir, network, probe_x, probe_y):
        super().__init__()
        self.directory = Path(run_dir) / DIAGNOSTICS_DIR
        self.network = network
        self.probe_x, self.probe_y = probe_x, probe_y
        self.layers = [layer for layer in network.layers
                       if layer.name.endswith("_act")]
        self.probe = keras.Model(network.input,
                                 [layer.output for layer in self.layers])
        self.gradients = gradient_function(network)
        self.file = None

    def measure(self):
        """{tag: scalar} and {tag: values for a histogram}."""
        scalars, histograms = {}, {}
        outputs = self.probe.predict(self.probe_x, verbose=0,
                                     batch_size=len(self.probe_x))
        outputs = outputs if isinstance(outputs, (list, tuple)) \
            else [outputs]
        for layer, output in zip(self.layers, outputs):
            output = keras.ops.convert_to_numpy(output)
            scalars[f"activation_mean/{layer.name}"] = output.mean()
            scalars[f"activation_std/{layer.name}"] = output.std()
            histograms[f"activations/{layer.name}"] = output
            if _is_relu(layer):
                scalars[f"dead_relu_fraction/{layer.name}"] = \
                    dead_fraction(output)
        gradients = self.gradients(self.probe_x, self.probe_y)
        squares = 0.0
        for variable, gradient in zip(self.network.trainable_variables,
                                      gradients):
            squares += float(np.sum(gradient**2))
            scalars[f"gradient_norm/{variable.path}"] = np.linalg.norm(
                gradient)
            scalars[f"gradient_mean_abs/{variable.path}"] = np.mean(
                np.abs(gradient))
            histograms[f"gradients/{variable.path}"] = gradient
        scalars["gradient_norm/global"] = np.sqrt(squares)
        return scalars, histograms

    def on_epoch_end(self, epoch, logs=None):
        scalars, histograms = self.measure()
        if self.file is None:
            self.file = SummaryFile(self.directory)
        for tag, value in scalars.items():
            self.file.scalar(tag, value, epoch)
        for tag, values in histograms.items():
            self.file.histogram(tag, values, epoch)
        self.file.writer.flush()

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None
