"""Launching many training runs, each as its own lab4.py process:

    jobs.py    a job: name, run folder, lab4.py flags, settings to match
    local.py   jobs one after another on this machine, and their summary
"""
