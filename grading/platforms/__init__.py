"""Where a class is graded besides this machine: Slurm (a task per
student) and Gradescope (the autograder bundle and one submission)."""
