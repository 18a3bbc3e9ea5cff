"""Grade a class's Lab 4 submissions safely (`python labs/grade.py`), on
a Slurm cluster (`--slurm`) or on Gradescope (`--gradescope-bundle`).

The flow, one room per step: a hand-in -> the runs found in it -> facts
measured in the sandbox -> rubric checks -> score -> reports; then copies
across the class.

    grader.py         the class loop: one student at a time
    cli.py            the command line of labs/grade.py
    rubric.py         rubric.json loading and validation (rubric.md)
    inputs/           archive.py: safe .zip extraction, folder checks;
                      run_names.py: run names as students spell them;
                      manifest.py: an optional manifest.json;
                      finding.py: each run's candidates in any layout;
                      training_logs.py: Keras TensorBoard logs (3, 2,
                      2.0), history.json, CSVLogger, one shape;
                      measure.py: the facts of each run (in the sandbox);
                      foreign_run.py: those of a student's own Keras run;
                      event files through nin.report.events, size-capped
    models/           inspect_model.py: model.keras read as JSON + arrays,
                      never as code; saved_model.py: a student's .keras /
                      .h5 as data; layer_graph.py: its layers as conv-net
                      stages; maxout_pattern.py: a Maxout of standard
                      layers; nin_comparison.py: those against the lab's
                      NIN, in words; maxout.py: Maxout = max over k pieces,
                      checked numerically; remeasure.py: rebuild from our
                      code, load weights, evaluate, the bf16 recheck;
                      inference.py: the compiled inference graph
    sandbox/          process.py: rlimits, timeout, no network, GPU mode;
                      worker.py: the sandboxed child process; context.py:
                      a worker's test set, graphs, precision, batch size;
                      machine.py: memory from /proc, CPU quota (cgroups)
    checks/           items.py: rubric items, facts -> credit +
                      explanation; scoring.py: every run through the items
    copies/           fingerprint.py: a run's fingerprint (sandbox);
                      similarity.py: copied runs across the class -> flags
    report/           results.py: results.json (Gradescope), feedback.md,
                      gradebook; run_records.py: extra_data.runs; progress.py: a line per student, an ETA
    platforms/        slurm.py: a task per student, then the gradebook job
                      (nin.launch.slurm submits); gradescope.py: one
                      Gradescope submission; bundle.py: the autograder zip,
                      autograder/ holds its setup.sh and run_autograder
    assignment/       the lab as an assignment (labs/release.py): markers.py
                      blanks the solution blocks, release.json says which;
                      release.py writes the starter kit and the autograder
    bench/            labs/bench_grading.py (cli.py): speed, student,
                      precision, copies (benchmarks; no test runs them)
"""
