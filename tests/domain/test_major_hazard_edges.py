"""Edges of domain/major_hazard.py that the mutation check (scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""
