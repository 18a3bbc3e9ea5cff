"""A saved model read without running it: its layer graph and arrays,
the Maxout check, and re-measuring its accuracy on the grader's test set."""
