"""Memory figures from Linux's /proc, the one reader of them.

The grader reports each worker's peak memory, sizes its batches from the
address space the worker may still map, and in GPU mode enforces the
memory limit on the worker's resident memory; all of it comes from
`/proc/PID/status` and `/proc/meminfo`. Where /proc is missing the
figures are None.
"""


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
