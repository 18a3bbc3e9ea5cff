"""Where each of several runs at once goes: which GPU, what share of it.

Runs started together are placed round-robin on the GPUs asked for
(`--gpus`, by default every visible one), through each child's
`CUDA_VISIBLE_DEVICES`, so N runs spread evenly over the GPUs. Runs that
share a GPU share its memory: under JAX each process preallocates only
its share (`XLA_PYTHON_CLIENT_MEM_FRACTION`, instead of JAX's default
75% for the first process and an out-of-memory error for the second),
under TensorFlow memory grows as needed (`TF_FORCE_GPU_ALLOW_GROWTH`).
The GPUs are found without importing a framework: `CUDA_VISIBLE_DEVICES`
if it is set, else `nvidia-smi`, else none (a CPU machine).
"""

import collections
import os
import shutil
import subprocess

GPU_MEMORY_SHARED = 0.9  # of each GPU, divided among the runs on it


def visible_gpus(environ=None):
    """The GPU ids this process may use, as strings ([] on a CPU)."""
    environ = os.environ if environ is None else environ
    listed = environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [gpu.strip() for gpu in listed.split(",")
                if gpu.strip() and not gpu.strip().startswith("-")]
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        found = subprocess.run(
            ["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if found.returncode != 0:
        return []
    return [line.strip() for line in found.stdout.splitlines()
            if line.strip()]


def slot_environments(slots, gpus):
    """One environment update per slot (a run at a time per slot): slot
    i on `gpus[i % len(gpus)]` with its share of that GPU's memory; {}
    for every slot on a machine without GPUs."""
    if not gpus:
        return [{} for _ in range(slots)]
    placed = [gpus[index % len(gpus)] for index in range(slots)]
    sharing = collections.Counter(placed)
    return [{"CUDA_VISIBLE_DEVICES": gpu,
             "XLA_PYTHON_CLIENT_MEM_FRACTION":
                 f"{GPU_MEMORY_SHARED / sharing[gpu]:.3f}",
             "TF_FORCE_GPU_ALLOW_GROWTH": "true"}
            for gpu in placed]
