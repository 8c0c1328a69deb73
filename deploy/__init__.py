"""The production topology (docs/deploy.md) and `make prod-local` (deploy/local.py)."""
