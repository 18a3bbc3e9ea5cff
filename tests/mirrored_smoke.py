"""Train a tiny run under MirroredStrategy on two logical CPU devices.

Run as a separate process: logical devices must be configured before
TensorFlow initializes. Prints one JSON line of facts."""

import json
import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

from nin.cli import lab4  # noqa: E402

replicas = tf.distribute.MirroredStrategy().num_replicas_in_sync
code = lab4.main(["--act", "elu", "--bn", "--wi", "--dataset", "synthetic",
                  "--epochs", "2", "--width", "0.125", "--verbose", "0",
                  "--distribute", "mirrored", "--logdir", sys.argv[1]])
print(json.dumps({"replicas": replicas, "exit_code": code}))
