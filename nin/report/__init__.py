"""The lab report (seed 001's results section) from a folder of runs:

    events.py      the one TensorBoard event reader (report and grader)
    lab_runs.py    the lab's 10 runs and seed 001's reference numbers
    records.py     one run read back from its folder: status, curves
    table.py       Table 2: rows, markdown, CSV
    figures.py     Figures 3, 4, 6 and per-run curves (matplotlib, Agg)
    lab_report.py  write_report(logdir): LOGDIR/report/
"""
