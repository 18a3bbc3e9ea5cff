"""Copy detection across a class: each run's fingerprint (made in the
sandbox) and the similarities that flag copies."""
