"""Each epoch's shuffled training set, copied while the previous epoch trains.

`nin.training.loop` runs one `fit` per epoch on `x[order]`, a copy of the whole
training set in that epoch's order (614 MB for CIFAR-10 in float32). Made
between epochs, the copy leaves the accelerator idle: on an H100 it was
most of the 17% by which the full pipeline trailed the bare train step.
NumPy releases the GIL while it copies, so a background thread can make
the next epoch's copy during this epoch's `fit`. The orders are unchanged,
and at most one copy is made ahead.
"""

from concurrent.futures import ThreadPoolExecutor


class ShuffledEpochs:
    """`take(epoch)` gives `(x[order], y[order])` with `order =
    order_of(epoch)`; `prepare(epoch)` starts that copy in the background.

    An error raised while copying (a KeyboardInterrupt too) is raised again
    by the `take` or `wait` that collects the copy.
    """

    def __init__(self, x, y, order_of):
        if len(x) != len(y):
            raise ValueError(
                f"x and y must have as many rows. Received: {len(x)} images "
                f"and {len(y)} labels"
            )
        self.x, self.y, self.order_of = x, y, order_of
        self._pool = ThreadPoolExecutor(max_workers=1,
                                        thread_name_prefix="epoch-prefetch")
        self._pending = None  # (epoch, future)

    def _copy(self, epoch):
        order = self.order_of(epoch)
        return self.x[order], self.y[order]

    def prepare(self, epoch):
        """Start copying `epoch`'s data in the background."""
        if self._pending is None or self._pending[0] != epoch:
            self._pending = (epoch, self._pool.submit(self._copy, epoch))

    def take(self, epoch):
        """`epoch`'s (x, y): the prepared copy, else one made now."""
        if self._pending is not None and self._pending[0] == epoch:
            future = self._pending[1]
            self._pending = None
            return future.result()
        return self._copy(epoch)

    def wait(self):
        """Block until the prepared copy is made (a benchmark counts it)."""
        if self._pending is not None:
            self._pending[1].result()

    def close(self):
        self._pending = None
        self._pool.shutdown(wait=True, cancel_futures=True)
