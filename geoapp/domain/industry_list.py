"""The GB/T 4754-2017 industry list (国民经济行业分类), as read from ``industries.csv``.

The bundled ``layers/admission/industries.csv`` holds the whole standard as
amended in 2019 (第1号修改单): the 20 sections (门类, letters A–T), 97
divisions (大类), 473 groups (中类) and 1,381 classes (小类), each
``code,name,name_en`` in the standard's order; English names are given for
sections and divisions. ``layers/admission/INDUSTRIES.md`` says which public
copies it was built from and how their differences were resolved.

An administrator's admission folder may carry its own list; the older
``code,name`` form (digits only, no sections) is still read.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from geoapp.domain.industry import SECTIONS, normalise_industry
from geoapp.resources import bundled

HEADERS = (["code", "name", "name_en"], ["code", "name"])


class IndustryListError(ValueError):
    """The industry list is invalid; the message names file and line."""


@dataclass(frozen=True)
class Industries:
    """GB/T 4754-2017 codes (digits) → Chinese names, in file order; sections apart.

    ``names`` holds divisions, groups and classes (the codes a site or an
    enterprise can have); ``sections`` the 门类 letters → names; ``names_en``
    English names by code or section letter (sections and divisions).
    """

    names: dict[str, str]
    path: Path
    sections: dict[str, str] = field(default_factory=dict)
    names_en: dict[str, str] = field(default_factory=dict)

    def name(self, code: str) -> str | None:
        return self.names.get(code)

    def level(self, code: str) -> str | None:
        """``section``, ``division``, ``group`` or ``class``; None for a code not listed.

        Examples
        --------
        >>> inds = Industries({"65": "软件和信息技术服务业", "6513": "应用软件开发"}, Path(),
        ...                   {"I": "信息传输、软件和信息技术服务业"})
        >>> inds.level("I"), inds.level("65"), inds.level("6513"), inds.level("6599")
        ('section', 'division', 'class', None)
        """
        if code in self.sections:
            return "section"
        if code not in self.names:
            return None
        return {2: "division", 3: "group", 4: "class"}[len(code)]

    def search(self, text: str, limit: int = 20) -> list[dict]:
        """Industries whose code starts with, or whose Chinese or English name contains,
        ``text``; by name, the narrower first where both match (a class before its group,
        a group before its division), else in the list's order. A bare section letter
        lists that section's divisions.

        Examples
        --------
        >>> inds = Industries({"26": "化学原料和化学制品制造业",
        ...                    "264": "涂料、油墨、颜料及类似产品制造",
        ...                    "2641": "涂料制造", "2614": "有机化学原料制造"}, Path(),
        ...                   names_en={"26": "Manufacture of chemical raw materials"})
        >>> [i["code"] for i in inds.search("涂料")], [i["code"] for i in inds.search("C26")]
        (['2641', '264'], ['26', '264', '2641', '2614'])
        >>> [i["code"] for i in inds.search("c")], [i["code"] for i in inds.search("chemical")]
        (['26'], ['26'])
        """
        q = text.strip().upper()
        if not q:
            return []
        if q in SECTIONS:
            lo, hi = SECTIONS[q]
            found = [c for c in self.names if len(c) == 2 and lo <= int(c) <= hi]
        else:
            digits = re.sub(r"^[A-T](?=\d)", "", q)
            if digits.isdigit():
                found = [c for c in self.names if c.startswith(digits)]
            else:
                low = q.lower()
                found = sorted((c for c, n in self.names.items()
                                if q in n or low in self.names_en.get(c, "").lower()),
                               key=_narrow_first)
        return [{"code": c, "name": self.names[c], "name_en": self.names_en.get(c)}
                for c in found[:limit]]


def _narrow_first(code: str) -> str:
    """Sort key placing a code after every code under it: 2641 < 264 < 2649 < 26 < 27.

    Padding with "~" (after the digits) makes a group sort after its classes and a
    division after its groups.
    """
    return code.ljust(4, "~")


def load_industries(path: Path) -> Industries:
    """Read ``code,name[,name_en]`` rows: every code well-formed and unique, every division
    present, and the group and division of every listed class (the division of every group).
    """
    if not path.is_file():
        raise IndustryListError(f"{path}: missing (the GB/T 4754-2017 industry list)")
    names: dict[str, str] = {}
    sections: dict[str, str] = {}
    names_en: dict[str, str] = {}
    lines: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header not in HEADERS:
            raise IndustryListError(f"{path}:1: the header must be code,name,name_en")
        for row in reader:
            line = reader.line_num
            if not row or row[0].startswith("#"):
                continue
            # name_en may be left off (groups and classes have none)
            if not 2 <= len(row) <= len(header) or not row[1].strip():
                raise IndustryListError(f"{path}:{line}: expected {','.join(header)}")
            code, name = row[0].strip().upper(), row[1].strip()
            if code in SECTIONS:
                if code in sections:
                    raise IndustryListError(f"{path}:{line}: 门类 {code} 重复")
                sections[code] = name
            else:
                try:
                    code = normalise_industry(row[0])
                except ValueError as exc:
                    raise IndustryListError(f"{path}:{line}: {exc}") from None
                if code in names:
                    raise IndustryListError(f"{path}:{line}: 行业代码 {code} 重复")
                names[code] = name
                lines[code] = line
            if len(row) > 2 and row[2].strip():
                names_en[code] = row[2].strip()
    # a class without its group (or a group without its division) breaks the cautious
    # "partial" match: a planner who cannot find the group falls back to the division,
    # which then meets every listed class of it and reads as prohibited
    for code, line in lines.items():
        for parent in (code[:n] for n in range(2, len(code))):
            if parent not in names:
                raise IndustryListError(f"{path}:{line}: 行业代码 {code} 的上级 {parent} 不在"
                                        "行业目录中（须列出每个小类所属的中类和大类）")
    missing = [f"{d:02d}" for d in range(1, 98) if f"{d:02d}" not in names]
    if missing:
        raise IndustryListError(f"{path}: 缺少大类 {', '.join(missing)}（须含 01–97 全部大类）")
    return Industries(names, path, sections, names_en)


@functools.cache
def standard() -> Industries:
    """The bundled list, the whole standard: what ledgers and reports check codes against
    (an admission folder's own list only governs the admission check)."""
    return load_industries(bundled("layers") / "admission" / "industries.csv")


def listed_industry(text: str) -> str:
    """The digits of a code the standard lists, at any level; ValueError with the reason.

    Examples
    --------
    >>> listed_industry("I6513"), listed_industry("65"), listed_industry(" 651 ")
    ('6513', '65', '651')
    >>> listed_industry("2618")
    Traceback (most recent call last):
    ...
    ValueError: 行业代码 2618 不是 GB/T 4754-2017 的行业（261 基础化学原料制造 下没有 2618）
    """
    code = normalise_industry(text)
    names = standard().names
    if code in names:
        return code
    # every division is listed, so a longer code always has a listed ancestor to name
    known = next((code[:n] for n in range(len(code) - 1, 1, -1) if code[:n] in names), None)
    where = f"（{known} {names[known]} 下没有 {code[:len(known) + 1]}）" if known else ""
    raise ValueError(f"行业代码 {code} 不是 GB/T 4754-2017 的行业{where}")
