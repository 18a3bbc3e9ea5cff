"""Seed 003's batch-norm study: vanilla vs BN on the MLP and the CNN.

    runs.py            every experiment of the thesis as RunConfigs
    thesis_numbers.py  seed 003's appendix B tables
    results.py         what a finished study run says
    tables.py          Tables B.1-B.4-style, ours next to the thesis's
    figures.py         the thesis-style figures
    report.py          LOGDIR/DATASET/report/
"""
