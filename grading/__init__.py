"""Grade a class's Lab 4 submissions safely (`python labs/grade.py`).

    archive.py        safe .zip extraction, folder checks
    inspect_model.py  model.keras read as JSON + arrays, never as code
    measure.py        the facts of each run (in the sandbox); event files
                      through nin.report.events, size-capped
    remeasure.py      rebuild from our code, load weights, evaluate
    maxout.py         Maxout = max over k pieces, checked numerically
    worker.py         the sandboxed child process
    sandbox.py        rlimits, timeout, no network
    checks.py         rubric items: facts -> credit + explanation
    rubric.py         rubric.json loading and validation (rubric.md)
    report.py         results.json (Gradescope), feedback.md, gradebook
    grader.py         the class loop: one student at a time
    cli.py            the command line of labs/grade.py
"""
