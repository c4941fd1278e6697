"""Edges of domain/admission.py that the mutation check (scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""
