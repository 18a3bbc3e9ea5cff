"""Launching many training runs, each as its own lab4.py process:

    jobs.py      a job: name, run folder, lab4.py flags, settings to match
    here.py      run_here(jobs, at_once, gpus): on this machine
    local.py     one after another, output streamed
    parallel.py  several at once, output in run folders, progress + ETA
    devices.py   which GPU and what share of its memory each run gets
    progress.py  the overall progress bar, from the run folders
    records.py   each job's outcome, the summary table, the exit code
    slurm.py     one Slurm job array, one task per unfinished run
    status.py    where each run stands (folder and Slurm queue)
"""
