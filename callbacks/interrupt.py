"""Ctrl-C during training, taken at the next batch end.

Python raises KeyboardInterrupt wherever the main thread happens to be
when SIGINT arrives. Inside `fit` that can be TensorFlow's input
iterator, which then reports the end of the data: Keras ends the epoch
early, training goes on and the run finishes as if Ctrl-C had never been
pressed (seen once in CI: exit 0 instead of 130). While a
`BatchEndInterrupt` is entered, the first SIGINT only records the
request and sets the model's `stop_training`, which Keras reads after
each batch: the epoch stops at the next batch end, and the callback,
first in the list, raises KeyboardInterrupt at that epoch's end before
any other callback (the checkpoint) takes the cut epoch for a whole one.
`check()` raises it between epochs. No batch hook is added (they would
cost a synchronisation per step). A second SIGINT raises at once, as a
plain Ctrl-C does. Outside the main thread (where no signal handler can
be set) nothing changes.
"""

import signal
import threading

import keras


class BatchEndInterrupt(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.requested = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
        return self

    def __exit__(self, *exc_info):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False

    def _on_signal(self, signum, frame):
        if self.requested:  # a second Ctrl-C: now
            raise KeyboardInterrupt
        self.requested = True
        model = getattr(self, "_model", None)  # `.model` syncs JAX state
        if model is not None:
            model.stop_training = True
            model.stop_evaluating = True

    def check(self):
        """Raise KeyboardInterrupt if Ctrl-C was pressed."""
        if self.requested:
            raise KeyboardInterrupt

    def on_epoch_end(self, epoch, logs=None):
        self.check()
