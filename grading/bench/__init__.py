"""The grader's benchmarks (`labs/bench_grading.py`); nothing else
imports them and no test runs them."""
