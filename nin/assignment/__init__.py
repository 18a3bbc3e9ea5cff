"""The student's side of the lab assignment (issue 21), shipped in the
starter kit that `labs/release.py` writes:

    kit.py           the kit's own description (kit.json, written by the
                     release): the parts to write, the runs to hand in
    public_checks.py one public check per part: done / not yet / wrong
    smoke.py         a short training run on digits once every part is done
    submission.py    submission.zip: the student's code and required runs

`labs/check.py` and `labs/submit.py` (nin.cli.check, nin.cli.submit) are
their command lines. Nothing here imports the grader: the kit has none.
"""
