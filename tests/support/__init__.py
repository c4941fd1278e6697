"""Fixtures and helpers shared by the test suite (registered in tests/conftest.py).

Tests import helpers from here by their full name, e.g.
``from tests.support.apps import make_user``.
"""
