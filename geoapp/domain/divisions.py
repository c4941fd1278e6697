"""Names of the 97 industry divisions (大类) of 国民经济行业分类 GB/T 4754-2017.

Reports group hazards and points by division (the first two digits of a
code, see geoapp.domain.industry); the names make the tables readable.
"""

from __future__ import annotations

import functools

from geoapp.domain.industry import normalise_industry, section_of
from geoapp.domain.industry_list import standard


@functools.cache
def division_names() -> dict[str, str]:
    """The 97 division names (GB/T 4754-2017 表1, 大类 01–97), from the bundled industry list.

    ``layers/admission/industries.csv`` is the one copy of the standard's names:
    the admission check searches it, the reports label their divisions from it.

    >>> len(division_names()), division_names()["26"]
    (97, '化学原料和化学制品制造业')
    """
    return {code: name for code, name in standard().names.items() if len(code) == 2}


# Points without an industry code (idle premises, or an owner not in the ledger).
UNCLASSIFIED = ""


def division_of(industry: str | None) -> str:
    """The two-digit division of an industry code, or "" when there is none or it is invalid.

    The code goes through geoapp.domain.industry's rule first, so a stored code with
    its section letter ("C2614") or spaces is classified like its digits.

    Examples
    --------
    >>> division_of("2614"), division_of("C2614"), division_of(" 59 "), division_of(None)
    ('26', '26', '59', '')
    >>> division_of("A2614"), division_of("98"), division_of("化工")
    ('', '', '')
    """
    try:
        digits = normalise_industry(industry or "")
    except ValueError:
        return UNCLASSIFIED
    return digits[:2] if digits[:2] in division_names() else UNCLASSIFIED


def division_label(division: str) -> str:
    """``C26 化学原料和化学制品制造业``; "未分类" for no division.

    Examples
    --------
    >>> division_label("26"), division_label("")
    ('C26 化学原料和化学制品制造业', '未分类')
    """
    names = division_names()
    if division not in names:
        return "未分类"
    return f"{section_of(int(division))}{division} {names[division]}"
