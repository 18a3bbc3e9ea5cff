"""Batch normalization with TensorFlow's fused kernel where it applies.

Keras 3's `BatchNormalization` computes batch statistics and the
normalization as separate ops, upcasting bfloat16/float16 activations to
float32 first. On a CPU under TensorFlow that is memory-bound work over
the whole activation tensor several times forward and backward: on a
2-core machine it made a bf16 NIN step 2.4x slower than without BN,
where the seed thesis measured 15-20%. TensorFlow's `FusedBatchNormV3`
(what Keras 2 used with `fused=True`) does the same in one pass, takes
bfloat16/float16 activations with float32 statistics, and has a fused
gradient (oneDNN on CPUs, cuDNN on GPUs).

This layer is a drop-in for `keras.layers.BatchNormalization`: the same
class name, config, weights and math (biased batch variance in the
normalization and in the moving averages, which are updated exactly as
Keras does). Under TensorFlow, for a 2D or 4D input normalized over its
last axis, it calls the fused kernel; on every other backend or setting
(JAX, masks, renorm, synchronized) it is Keras's own layer unchanged.
The only numerical difference is the epsilon, raised to cuDNN's minimum
of 1.001e-5 where smaller (as Keras 2 and `tf.nn.fused_batch_norm` do).
"""

import keras
from keras import ops

CUDNN_MIN_EPSILON = 1.001e-5


@keras.saving.register_keras_serializable(package="nin")
class BatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization`, fused under TensorFlow."""

    def _fusable(self, inputs, mask):
        return (keras.backend.backend() == "tensorflow"
                and mask is None
                and not self.renorm
                and not self.synchronized
                and len(inputs.shape) in (2, 4)
                and self.axis in (-1, len(inputs.shape) - 1))

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        return self._fused_call(inputs, bool(training and self.trainable))

    def _fused_call(self, inputs, training):
        import tensorflow as tf

        inputs = ops.cast(inputs, self.compute_dtype)
        channels = inputs.shape[-1]
        x = inputs
        if len(inputs.shape) == 2:
            x = tf.reshape(inputs, [-1, 1, 1, channels])
        scale = (ops.cast(self.gamma, "float32") if self.scale
                 else tf.ones([channels], "float32"))
        offset = (ops.cast(self.beta, "float32") if self.center
                  else tf.zeros([channels], "float32"))
        if training:
            mean, variance = tf.zeros([0]), tf.zeros([0])
        else:
            mean = ops.cast(self.moving_mean, "float32")
            variance = ops.cast(self.moving_variance, "float32")
        y, batch_mean, batch_variance, _, _, _ = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=scale, offset=offset, mean=mean, variance=variance,
            epsilon=max(self.epsilon, CUDNN_MIN_EPSILON),
            data_format="NHWC", is_training=training)
        if training:
            # The kernel returns the unbiased (n / (n - 1)) variance for
            # moving averages; Keras averages the biased one.
            count = tf.cast(tf.size(x) // channels, "float32")
            biased = batch_variance * (count - 1.0) / tf.maximum(count, 1.0)
            self._update_moving(self.moving_mean, batch_mean)
            self._update_moving(self.moving_variance, biased)
        if len(inputs.shape) == 2:
            y = tf.reshape(y, [-1, channels])
        return y

    def inference_affine(self):
        """(scale, shift) as float64 NumPy vectors such that, at inference,
        this layer computes `x * scale + shift` per channel: what a conv
        or dense layer before it can absorb (grading folds BN this way)."""
        import numpy as np

        epsilon = self.epsilon
        if keras.backend.backend() == "tensorflow" and not self.renorm \
                and not self.synchronized:
            epsilon = max(epsilon, CUDNN_MIN_EPSILON)  # the fused kernel's

        def numpy(variable):
            return ops.convert_to_numpy(variable).astype("float64")

        variance, mean = numpy(self.moving_variance), numpy(self.moving_mean)
        scale = 1.0 / np.sqrt(variance + epsilon)
        if self.scale:
            scale = scale * numpy(self.gamma)
        shift = -mean * scale
        if self.center:
            shift = shift + numpy(self.beta)
        return scale, shift

    def _update_moving(self, variable, batch_value):
        variable.assign(variable * self.momentum
                        + batch_value * (1.0 - self.momentum))
