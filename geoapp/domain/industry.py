"""Industry codes: 国民经济行业分类 GB/T 4754-2017.

A code is a section letter (门类, optional) followed by 2–4 digits: division
(大类, 2), group (中类, 3), class (小类, 4). The 97 divisions are numbered
01–97 without gaps; each section covers a fixed run of them.
"""

from __future__ import annotations

import re

# section letter → (first division, last division), GB/T 4754-2017 表1
SECTIONS = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72),
    "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90),
    "S": (91, 96), "T": (97, 97),
}
_SHAPE = re.compile(r"^([A-T])?(\d{2,4})$")


def section_of(division: int) -> str | None:
    return next((s for s, (lo, hi) in SECTIONS.items() if lo <= division <= hi), None)


def normalise_industry(text: str) -> str:
    """The digits of a GB/T 4754-2017 code; raises ValueError with a Chinese reason.

    Examples
    --------
    >>> normalise_industry("C2614"), normalise_industry("2614"), normalise_industry(" 59 ")
    ('2614', '2614', '59')
    >>> normalise_industry("A2614")
    Traceback (most recent call last):
    ...
    ValueError: 行业代码 A2614 的门类应为 C
    """
    code = text.strip().upper()
    m = _SHAPE.match(code)
    if not m:
        raise ValueError(f"行业代码 {text!r} 格式不符（应为门类字母加 2–4 位数字，如 C2614）")
    letter, digits = m.groups()
    division = int(digits[:2])
    section = section_of(division)
    if section is None:
        raise ValueError(f"行业代码 {code} 的大类 {digits[:2]} 不存在（01–97）")
    if letter and letter != section:
        raise ValueError(f"行业代码 {code} 的门类应为 {section}")
    return digits
