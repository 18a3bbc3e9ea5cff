"""Benchmarks of training speed (they print ratios; no test times them):

    timing.py          fair timing: warm-up, turns, medians of ratios
    training_speed.py  one lab run's throughput, overheads, utilization
    torch_nin.py       the same NIN in PyTorch, timed next to ours
"""
