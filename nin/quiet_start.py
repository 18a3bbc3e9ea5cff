"""A quiet start: TensorFlow's, XLA's, CUDA's and oneDNN's own start-up
logs kept off the console, unless asked for.

TensorFlow 2.21 writes its native log lines ("oneDNN custom operations are
on", "Could not find cuda drivers", "failed call to cuInit: ... (303)",
"All log messages before absl::InitializeLog() ...") straight to file
descriptor 2 while it loads and when it first looks for devices, before
absl's logging honours TF_CPP_MIN_LOG_LEVEL; students take them for
errors. `native_logs_silenced()` sends descriptor 2 to /dev/null for
those moments only, and sets TF_CPP_MIN_LOG_LEVEL (unless the user set
it) to 3 for the lines after (errors too, such as "oneDNN supports
DT_INT64 only on platforms with AVX-512", harmless). Python's own errors and warnings are untouched.

Shown again with `--tf-logs` on a command line (`SHOW_FLAG`) or
NIN_TF_LOGS=1 in the environment (`SHOW_VARIABLE`).
"""

import contextlib
import os
import sys

SHOW_FLAG = "--tf-logs"
SHOW_VARIABLE = "NIN_TF_LOGS"


def wanted():
    """Whether TensorFlow's native logs are to be shown."""
    return (SHOW_FLAG in sys.argv[1:]
            or os.environ.get(SHOW_VARIABLE, "") not in ("", "0"))


@contextlib.contextmanager
def native_logs_silenced():
    """Descriptor 2 to /dev/null inside the block (unless `wanted`)."""
    if wanted():
        yield
        return
    if not os.environ.get("TF_CPP_MIN_LOG_LEVEL"):  # unset or empty
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_backend_quietly():
    """Import Keras's backend library (TensorFlow by default) silenced."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow" or "tensorflow" in sys.modules:
        return
    with native_logs_silenced():
        try:
            import tensorflow  # noqa: F401
        except ImportError:  # keras says so itself, loudly
            pass


def list_gpus_quietly():
    """TensorFlow's GPUs, found without its cuInit error on a CPU-only
    machine ([] under another backend or without TensorFlow)."""
    if "tensorflow" not in sys.modules:
        return []
    import tensorflow as tf

    with native_logs_silenced():
        return tf.config.list_physical_devices("GPU")
