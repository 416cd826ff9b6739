"""`make bench`: the production stack under load, measured against raw PostgreSQL baselines."""
