"""Keep TensorFlow out of a process that trains with another backend.

Colab and most GPU images install TensorFlow beside JAX, and two things
import it even under `KERAS_BACKEND=jax`: tensorboard's event writers
and readers reach the file system through `tensorboard.compat.tf`, which
imports the real TensorFlow whenever it is installed, and Keras's
`set_random_seed` seeds TensorFlow too if it can import it. A TensorFlow
loaded next to JAX costs seconds and host memory, and can take the GPU.

- `keep_tensorflow_out()`: tensorboard's own switch, a module
  `tensorboard.compat.notf`, makes it use its TensorFlow-free stub (whose
  local `io.gfile` writes and reads the same event files). Registered
  unless the backend is TensorFlow; every writer and reader calls it.
- `tensorflow_hidden()`: `import tensorflow` fails inside the block (for
  Keras's seeding), unless TensorFlow is already loaded.
- `hide_gpus_from_tensorflow()`: if something else loaded TensorFlow
  anyway, it gets no GPU.
"""

import contextlib
import importlib.abc
import sys
import types

import keras

NO_TENSORFLOW = "tensorboard.compat.notf"


def _other_backend():
    return keras.backend.backend() != "tensorflow"


def keep_tensorflow_out():
    """Make tensorboard use its stub when Keras does not run on
    TensorFlow (before it loads `tensorboard.compat.tf`)."""
    if _other_backend() and NO_TENSORFLOW not in sys.modules:
        sys.modules[NO_TENSORFLOW] = types.ModuleType(NO_TENSORFLOW)


class _RefuseTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ImportError(f"{name} is kept out of this process")
        return None


@contextlib.contextmanager
def tensorflow_hidden():
    """Inside, `import tensorflow` fails (under another backend)."""
    refuse = _RefuseTensorFlow()
    hide = _other_backend() and "tensorflow" not in sys.modules
    if hide:
        sys.meta_path.insert(0, refuse)
    try:
        yield
    finally:
        if hide:
            sys.meta_path.remove(refuse)


def hide_gpus_from_tensorflow():
    """A TensorFlow loaded under another backend sees no GPU (a no-op if
    it is not loaded, or is the backend). True if it had to act."""
    tensorflow = sys.modules.get("tensorflow")
    if not _other_backend() or tensorflow is None:
        return False
    try:
        tensorflow.config.set_visible_devices([], "GPU")
    except RuntimeError:  # its devices are already set up: too late
        pass
    return True
