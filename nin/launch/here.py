"""Launch jobs on this machine: one after another with their output
streamed (`local`), or several at once with their output in their run
folders (`parallel`), placed on the GPUs asked for (`devices`)."""

from nin.launch import local, parallel
from nin.launch.devices import slot_environments


def run_here(jobs, at_once=1, gpus=()):
    """Train the jobs, `at_once` at a time; one record per job."""
    environments = slot_environments(at_once, list(gpus))
    if at_once == 1:
        return local.run_jobs(jobs, environments[0])
    return parallel.run_jobs_at_once(jobs, environments)
