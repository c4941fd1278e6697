"""Where the bundled folders (layers/, templates/, data/) are.

In a checkout (and an editable install) they sit at the top of the repository,
as the README's "How it is built" shows; a wheel carries them inside the package under
``_bundled/`` (see pyproject.toml). One function finds either.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """Path of a bundled top-level folder: ``layers``, ``templates`` or ``data``."""
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name
