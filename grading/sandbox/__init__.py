"""The isolated worker that touches student files: its process limits,
its entry point, the machine facts they are sized from, and the worker's
test set and compiled graphs."""
