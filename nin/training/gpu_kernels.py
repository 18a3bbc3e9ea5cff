"""Under TensorFlow on a GPU: no train-step op may fall back to the CPU.

TensorFlow places an op on the CPU, without a word, when no GPU kernel
is registered for its dtype (TensorFlow issues #55738 and #59050: some
bfloat16 ops). In a train step that means a copy to the host and back at
every step. Before the first epoch, `check_train_step` traces one step
of the trainer (forward, loss, gradients), looks up every floating-point
op in TensorFlow's kernel registry and refuses to start if one has no
GPU kernel for its dtype, naming the ops and the way out. Integer and
bookkeeping ops (shapes, counters, variables' reads) live in host memory
by design and are not counted.
"""

FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
# A function's inputs: fed in, not computed (no kernel on any device).
NOT_COMPUTED = ("Placeholder",)
GPU_DEVICE_TYPES = ("GPU", "DEFAULT")  # DEFAULT: registered for any device


def _gpu_accepts(kernel, node_def):
    """Whether one registered kernel takes this node's dtypes."""
    for constraint in kernel.constraint:
        allowed = list(constraint.allowed_values.list.type)
        value = node_def.attr.get(constraint.name)
        if allowed and value is not None and value.HasField("type") \
                and value.type not in allowed:
            return False
    return True


def cpu_fallback_ops(graph):
    """Sorted 'OpType (dtype)' for the floating-point ops of `graph`
    that TensorFlow has no GPU kernel for."""
    import tensorflow as tf
    from tensorflow.python.framework import kernels

    found = set()
    for op in graph.get_operations():
        dtypes = {tf.dtypes.as_dtype(value.type).name
                  for value in op.node_def.attr.values()
                  if value.HasField("type")}
        floats = sorted(dtypes & set(FLOAT_TYPES))
        if not floats or op.type in NOT_COMPUTED:
            continue
        registered = kernels.get_registered_kernels_for_op(op.type).kernel
        if not any(kernel.device_type in GPU_DEVICE_TYPES
                   and _gpu_accepts(kernel, op.node_def)
                   for kernel in registered):
            found.add(f"{op.type} ({', '.join(floats)})")
    return sorted(found)


def train_step_graph(model, input_shape, batch_size=2):
    """The graph of one training step of `model`: forward in training
    mode, its compiled loss, the gradients."""
    import tensorflow as tf

    @tf.autograph.experimental.do_not_convert
    def step(x, y):
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            loss = model.compute_loss(x, y, predictions)
        return tape.gradient(loss, model.trainable_variables)

    return tf.function(step).get_concrete_function(
        tf.TensorSpec([batch_size, *input_shape], tf.float32),
        tf.TensorSpec([batch_size], tf.int64)).graph


def check_train_step(model, input_shape, precision):
    """A ValueError if a GPU would run part of the train step on the
    CPU; nothing on a CPU or under another backend."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    if not tf.config.list_physical_devices("GPU"):
        return
    fallbacks = cpu_fallback_ops(train_step_graph(model, input_shape))
    if fallbacks:
        raise ValueError(
            "Expected every train-step op to have a GPU kernel. Received "
            f"ops TensorFlow would run on the CPU at {precision}: "
            f"{', '.join(fallbacks)}. Train with --precision fp32, or "
            "with KERAS_BACKEND=jax")
