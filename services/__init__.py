"""Use cases: one class per area, plain Python, no Flask."""
