"""The table of dangerous chemicals (``layers/substances.toml``): threshold Q and β per substance.

GB 18218-2018 表1 gives the threshold Q (临界量) of each listed substance;
β (校正系数) comes from 表3 for toxic gases or 表4 by hazard class. The table
is data: an office adds a substance with its source, and a bad entry stops
start-up naming the file and the entry.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Substance:
    """One row of ``substances.toml``: a GB 18218-2018 表1 substance.

    ``threshold_t`` is Q in tonnes (表1); ``beta`` is β (表3, or 表4 by hazard
    class) and ``beta_basis`` says which.
    """

    name: str
    aliases: tuple[str, ...]
    cas: str | None
    threshold_t: float
    beta: float
    beta_basis: str





def name_key(name: str) -> str:
    """The form under which a substance name is looked up.

    Unicode NFKC (full-width brackets, colons and digits become ASCII) with all
    whitespace removed.

    Examples
    --------
    >>> name_key("氯化氢 （无水）")
    '氯化氢(无水)'
    """
    return "".join(unicodedata.normalize("NFKC", name).split())


_FIELDS = {"name", "aliases", "cas", "threshold_t", "beta", "beta_basis"}
_REQUIRED = ("name", "threshold_t", "beta", "beta_basis")
_CAS = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def _cas_ok(cas: str) -> bool:
    """CAS registry number format and check digit."""
    m = _CAS.match(cas)
    if not m:
        return False
    digits = m.group(1) + m.group(2)
    total = sum(int(d) * i for i, d in enumerate(reversed(digits), start=1))
    return total % 10 == int(m.group(3))


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _substance(entry, where: str) -> Substance:
    """Validate one ``[[substances]]`` table; errors start with ``where``."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: not a table")
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        where = f"{where} ({name})"
    for key in _REQUIRED:
        if key not in entry:
            raise ValueError(f"{where}: missing field {key!r}")
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}")
    if not isinstance(name, str) or not name_key(name):
        raise ValueError(f"{where}: 'name' must be a non-empty string")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(
            isinstance(a, str) and name_key(a) for a in aliases):
        raise ValueError(f"{where}: 'aliases' must be a list of non-empty strings")
    cas = entry.get("cas")
    if cas is not None and (not isinstance(cas, str) or not _cas_ok(cas)):
        raise ValueError(f"{where}: 'cas' {cas!r} is not a CAS number (format or check digit)")
    q = entry["threshold_t"]
    if not _is_number(q) or q <= 0:
        raise ValueError(f"{where}: 'threshold_t' must be a number > 0, not {q!r}")
    beta = entry["beta"]
    if not _is_number(beta) or beta < 1:
        raise ValueError(f"{where}: 'beta' must be a number ≥ 1, not {beta!r}")
    basis = entry["beta_basis"]
    if not isinstance(basis, str) or not basis.strip():
        raise ValueError(f"{where}: 'beta_basis' must be a non-empty string")
    return Substance(name=name.strip(), aliases=tuple(a.strip() for a in aliases),
                     cas=cas, threshold_t=float(q), beta=float(beta), beta_basis=basis.strip())


def load_substances(path) -> dict[str, Substance]:
    """Read ``substances.toml``: every name and alias → its :class:`Substance`.

    Keys are :func:`name_key` forms. A bad entry — missing or unknown field,
    threshold not > 0, β < 1, bad CAS number, a name or alias used twice —
    raises ``ValueError`` naming the file and the entry.

    Examples
    --------
    >>> from geoapp.resources import bundled
    >>> table = load_substances(bundled("layers") / "substances.toml")
    >>> ammonia = table["液氨"]
    >>> ammonia.name, ammonia.threshold_t, ammonia.beta
    ('氨', 10.0, 2.0)
    >>> table["氯化氢(无水)"] is table["氯化氢"]
    True
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"substances"})
    if unknown:
        raise ValueError(f"{path}: unknown top-level key {unknown[0]!r}")
    entries = data.get("substances")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: no [[substances]] tables")
    table: dict[str, Substance] = {}
    for i, entry in enumerate(entries):
        sub = _substance(entry, f"{path}: substances[{i}]")
        for label in (sub.name, *sub.aliases):
            key = name_key(label)
            if key in table:
                first = table[key].name
                raise ValueError(
                    f"{path}: substances[{i}] ({sub.name}): name or alias {label!r} is already "
                    f"used by {first!r}")
            table[key] = sub
    return table
