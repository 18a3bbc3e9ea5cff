"""The command lines: each `labs/X.py` calls `nin.cli.X.main`.

    lab4.py         one training run (the student's entry point)
    grid.py         the lab's 10 runs
    report.py       Table 2 and the figures of a folder of runs
    bn_study.py     seed 003's batch-norm study
    ensemble.py     the softmax average of saved runs
    bench.py        training speed; bench_torch.py: the PyTorch twin
    check.py        the starter kit's public checks (nin.assignment)
    submit.py       the starter kit's submission.zip
    run_flags.py    the training flags, made from RunConfig's fields
    exit_codes.py   the exit codes every entry point uses

The grader's command line is `grading.cli`; the release's (labs/
release.py) is `grading.assignment.cli`.
"""
