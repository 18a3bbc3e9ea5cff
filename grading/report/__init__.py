"""What grading writes: results.json, feedback.md and the gradebook, and
the progress line per student."""
