"""Grade a class's Lab 4 submissions safely (`python labs/grade.py`), on
a Slurm cluster (`--slurm`) or on Gradescope (`--gradescope-bundle`).

    archive.py        safe .zip extraction, folder checks
    inspect_model.py  model.keras read as JSON + arrays, never as code
    measure.py        the facts of each run (in the sandbox); event files
                      through nin.report.events, size-capped
    remeasure.py      rebuild from our code, load weights, evaluate; the
                      bf16 recheck that keeps float32's accuracy
    inference.py      the compiled inference graph (BN folded, fused)
    context.py        a worker's test set, graphs, precision, batch size
    fingerprint.py    a run's fingerprint for copy detection (sandbox)
    maxout.py         Maxout = max over k pieces, checked numerically
    worker.py         the sandboxed child process
    sandbox.py        rlimits, timeout, no network; GPU mode
    machine.py        memory from /proc, the CPU quota from cgroups
    checks.py         rubric items: facts -> credit + explanation
    scoring.py        every run's facts through the checks -> a result
    rubric.py         rubric.json loading and validation (rubric.md)
    copies.py         copied runs across the class -> flags
    report.py         results.json (Gradescope), feedback.md, gradebook
    progress.py       one line per student with an ETA
    grader.py         the class loop: one student at a time
    cli.py            the command line of labs/grade.py
    slurm.py          a class on Slurm: a task per student, then the
                      gradebook job (nin.launch.slurm submits)
    gradescope.py     one Gradescope submission (run_autograder runs it)
    bundle.py         the Gradescope autograder zip; autograder/ holds
                      its setup.sh and run_autograder
    bench.py          labs/bench_grading.py: bench_speed.py,
                      bench_student.py, bench_precision.py,
                      bench_copies.py (benchmarks; no test runs them)
"""
