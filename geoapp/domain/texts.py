"""Marking the domain's texts for translation without translating them here (no Flask).

``N_("待整改")`` returns its argument; pybabel extracts it into the UI
catalogue (babel.cfg), and a page translates the value when it shows it.
"""

from __future__ import annotations


def N_(text: str) -> str:
    """Marks a core text for the UI catalogue; pages translate it when shown."""
    return text
