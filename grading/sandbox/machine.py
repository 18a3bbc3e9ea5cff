"""What the machine allows: memory from Linux's /proc, CPUs from cgroups.

The grader reports each worker's peak memory, sizes its batches from the
address space the worker may still map, and in GPU mode enforces the
memory limit on the worker's resident memory; all of it comes from
`/proc/PID/status` and `/proc/meminfo`. In a container with a CPU quota
(Gradescope's "CPU allocation", Docker's `--cpus`) TensorFlow would still
start a thread per core of the host; `cpu_quota` reads the quota so the
worker can be told how many threads to use. Where /proc or the cgroup
files are missing the figures are None.
"""

import math
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


def _field_megabytes(path, field):
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) // 1024  # kB -> MB
    except (OSError, ValueError, IndexError):
        pass
    return None


def process_megabytes(field, pid="self"):
    """A `/proc/PID/status` figure in MB: VmRSS (resident now), VmHWM
    (peak resident), VmSize (address space now), VmPeak (its peak)."""
    return _field_megabytes(f"/proc/{pid}/status", field)


def available_megabytes():
    """The machine's available memory (MemAvailable) in MB."""
    return _field_megabytes("/proc/meminfo", "MemAvailable")


def peak_memory():
    """{"peak_rss_mb", "peak_address_space_mb"} of this process so far."""
    return {"peak_rss_mb": process_megabytes("VmHWM"),
            "peak_address_space_mb": process_megabytes("VmPeak")}


def cpu_quota(cgroup=CGROUP):
    """CPUs this process may use under a cgroup CPU quota (v2 `cpu.max`,
    or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), or None."""
    try:
        quota, period = (Path(cgroup) / "cpu.max").read_text().split()[:2]
        if quota == "max":
            return None
        return int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        folder = Path(cgroup) / "cpu"
        quota = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


def worker_threads(cgroup=CGROUP):
    """Threads for the worker's TensorFlow: the CPU quota rounded up, or
    None where there is no quota (TensorFlow's own choice then)."""
    quota = cpu_quota(cgroup)
    return max(1, math.ceil(quota)) if quota else None
