"""Demo data: one idempotent loader made of hooks, one module per domain (see framework.py)."""
