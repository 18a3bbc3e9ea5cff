"""Evaluating saved runs on their test sets:

    ensemble.py   the softmax average of several runs (seed 004)
"""
