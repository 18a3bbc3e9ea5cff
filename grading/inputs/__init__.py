"""What a student hands in, read as data: safe archive extraction and the
readers that turn a submission's files into run facts (sandbox only)."""
