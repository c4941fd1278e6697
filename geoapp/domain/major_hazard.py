"""Major hazard installations (危险化学品重大危险源): identification and grading.

Pure functions, no Flask and no database; the importer calls them on a ledger
row (``layers/major_hazard.toml``) with the table of substances
(``layers/substances.toml``, read by geoapp.domain.substances).

The rules, with their clauses:

* GB 18218-2018《危险化学品重大危险源辨识》4.1.2: the threshold Q (临界量) of
  a substance is that of 表1, or for one not in 表1 that of its hazard class
  in 表2. 4.2: a unit is a major hazard when S = Σ qᵢ/Qᵢ ≥ 1 (式(1)), q the
  quantity present (4.2.2: the design maximum), both in tonnes.
* GB 18218-2018 4.3 and 原国家安全监管总局令第40号 附件1《危险化学品重大危险源分级
  方法》: R = α · Σ βᵢ qᵢ/Qᵢ; β from 表3 (toxic gases) or 表4 (by hazard class),
  α from 表5 by the number of people within 500 m of the unit's boundary, the
  grade from 表6 (一级 R ≥ 100, 二级 50 ≤ R < 100, 三级 10 ≤ R < 50, 四级 R < 10).

S and R are summed with exact fractions of the decimal values given, so a
boundary case (S = 1, R = 10, 50 or 100) is decided as written, never by a
binary rounding error.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from numbers import Real

from geoapp.domain.substances import Substance, name_key

# A ledger item: (name, q in tonnes, explicit Q or None, explicit β or None).
Item = tuple[str, float, float | None, float | None]

GRADES = ("一级", "二级", "三级", "四级")

# GB 18218-2018 表5 (= 40号令 附件1 表3): people within 500 m → α, highest band first.
ALPHA_BANDS: tuple[tuple[int, float], ...] = ((100, 2.0), (50, 1.5), (30, 1.2), (1, 1.0), (0, 0.5))

# GB 18218-2018 表6 (= 40号令 附件1 表4): lower bound of R for each grade; 四级 below 10.
GRADE_BOUNDS: tuple[tuple[int, str], ...] = ((100, "一级"), (50, "二级"), (10, "三级"))


@dataclass(frozen=True)
class Term:
    """One substance's share of S and R: q, the Q and β used, and the table row.

    ``substance`` is the matched ``substances.toml`` row, or None for a
    substance not in the table (Q and β then came from the ledger).
    """

    name: str
    q: float
    threshold_t: float
    beta: float
    substance: Substance | None

    @property
    def ratio(self) -> float:
        """q/Q, this substance's part of S."""
        return float(_exact(self.q) / _exact(self.threshold_t))


@dataclass(frozen=True)
class Assessment:
    """Result of :func:`assess`.

    ``grade`` is None when ``is_major`` is false (S < 1): the unit is not a
    major hazard, so it has no grade, although R is still reported.
    """

    s: float
    r: float
    alpha: float
    grade: str | None
    is_major: bool
    terms: tuple[Term, ...]


# ---------------------------------------------------------------- the ledger cell

_ITEM_SEPARATORS = ";\n\r"
_LIST_COMMAS = ",、"
_QUANTITY = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(t|吨)?$", re.IGNORECASE)
_NUMBER = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)$")
_SHAPE = "应为 名称:数量(吨)，未列入临界量表的物质写 名称:数量:临界量:校正系数"


def _split_items(text: str) -> list[str]:
    """Cut a cell into items at ; and newlines, and at , or 、 between items.

    A comma inside a name ("1,3-丁二烯") stays: before an item's first colon, a
    comma with a digit on both sides belongs to the name.
    """
    items: list[str] = []
    current: list[str] = []
    for i, ch in enumerate(text):
        if ch in _ITEM_SEPARATORS:
            items.append("".join(current))
            current = []
            continue
        if ch in _LIST_COMMAS:
            in_name = ":" not in current
            digits_around = (i > 0 and text[i - 1].isdigit()
                             and i + 1 < len(text) and text[i + 1].isdigit())
            if not (in_name and digits_around):
                items.append("".join(current))
                current = []
                continue
        current.append(ch)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _number(raw: str, pattern: re.Pattern) -> float | None:
    m = pattern.match("".join(raw.split()))
    return float(m.group(1)) if m else None


def parse_substances(text: str) -> list[Item]:
    """Parse a ledger cell "危险物质及数量" into (name, q, Q or None, β or None).

    Items are separated by ``;`` ``；`` ``、`` ``,`` ``，`` or a newline; name
    and quantity by ``:`` or ``：``. The quantity is in tonnes, optionally
    followed by ``t`` or ``吨``. A substance not in ``substances.toml`` is
    written with its threshold and β, ``名称:数量:临界量:β``; ``名称:数量::β``
    overrides β alone. Quantities and thresholds must be > 0, β ≥ 1. Anything
    else raises ``ValueError`` with a Chinese message naming the bad part.

    Examples
    --------
    >>> parse_substances("氯：12.5；液氨：30吨")
    [('氯', 12.5, None, None), ('液氨', 30.0, None, None)]
    >>> parse_substances("某物质:5:50:1.5, 1,3-丁二烯:2t")
    [('某物质', 5.0, 50.0, 1.5), ('1,3-丁二烯', 2.0, None, None)]
    >>> parse_substances("氯12.5; 液氨:30")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 无法解析危险物质“氯12.5”：应为 名称:数量(吨)...
    """
    if not isinstance(text, str):
        raise ValueError(f"危险物质应为文字，而不是 {text!r}")
    # NFKC turns ；：， and full-width digits into their ASCII forms; 、 stays.
    items = _split_items(unicodedata.normalize("NFKC", text))
    if not items:
        raise ValueError("未给出危险物质")
    out: list[Item] = []
    for item in items:
        parts = [p.strip() for p in item.split(":")]
        if len(parts) not in (2, 3, 4):
            raise ValueError(f"无法解析危险物质“{item}”：{_SHAPE}")
        name = parts[0]
        if not name:
            raise ValueError(f"无法解析危险物质“{item}”：缺少名称")
        q = _number(parts[1], _QUANTITY)
        if q is None or q <= 0:
            raise ValueError(f"危险物质“{name}”的数量“{parts[1]}”无效：应为大于0的吨数")
        threshold = None
        if len(parts) >= 3 and parts[2]:
            threshold = _number(parts[2], _QUANTITY)
            if threshold is None or threshold <= 0:
                raise ValueError(f"危险物质“{name}”的临界量“{parts[2]}”无效：应为大于0的吨数")
        beta = None
        if len(parts) == 4:
            beta = _number(parts[3], _NUMBER)
            if beta is None or beta < 1:
                raise ValueError(f"危险物质“{name}”的校正系数β“{parts[3]}”无效：应为不小于1的数")
        if len(parts) >= 3 and threshold is None and beta is None:
            raise ValueError(f"无法解析危险物质“{item}”：{_SHAPE}")
        out.append((name, q, threshold, beta))
    return out


# ---------------------------------------------------------------- α, grade, R


def alpha_for_people(people: int | None) -> float:
    """α for the number of people within 500 m (GB 18218-2018 表5).

    ≥ 100 → 2.0; 50–99 → 1.5; 30–49 → 1.2; 1–29 → 1.0; 0 → 0.5. The count is
    required: None raises ``ValueError("缺少500米内人数")`` rather than
    guessing a band, since α can double or halve R.

    Examples
    --------
    >>> alpha_for_people(120), alpha_for_people(30), alpha_for_people(0)
    (2.0, 1.2, 0.5)
    """
    if people is None:
        raise ValueError("缺少500米内人数")
    if isinstance(people, bool) or not isinstance(people, Real) or not math.isfinite(people):
        raise ValueError(f"500米内人数应为整数，而不是 {people!r}")
    if people != int(people):
        raise ValueError(f"500米内人数应为整数，而不是 {people!r}")
    if people < 0:
        raise ValueError(f"500米内人数不能为负数：{people}")
    return next(alpha for lowest, alpha in ALPHA_BANDS if people >= lowest)


def _grade(r) -> str:
    return next((grade for lowest, grade in GRADE_BOUNDS if r >= lowest), "四级")


def grade_for_r(r: float) -> str:
    """The grade for an R value (GB 18218-2018 表6): a band's lower edge is in it.

    一级 R ≥ 100; 二级 50 ≤ R < 100; 三级 10 ≤ R < 50; 四级 R < 10.

    Examples
    --------
    >>> grade_for_r(100), grade_for_r(99.9), grade_for_r(50), grade_for_r(10), grade_for_r(9.99)
    ('一级', '二级', '二级', '三级', '四级')
    """
    if isinstance(r, bool) or not isinstance(r, Real) or not math.isfinite(r) or r < 0:
        raise ValueError(f"R值应为不小于0的数，而不是 {r!r}")
    return _grade(r)


def _exact(x) -> Fraction:
    """The decimal value as written: 0.1 is 1/10, not the nearest binary float."""
    if isinstance(x, Fraction | int):
        return Fraction(x)
    if isinstance(x, Decimal):
        return Fraction(x)
    return Fraction(repr(float(x)))


def _positive(value) -> bool:
    return (not isinstance(value, bool) and isinstance(value, Real)
            and math.isfinite(value) and value > 0)


def assess(substances: Sequence[Item], people_500m: int | None,
           table: Mapping[str, Substance]) -> Assessment:
    """S, R, α and grade of a unit from its substances (GB 18218-2018 4.2, 4.3).

    Each item is (name, q, Q or None, β or None) as :func:`parse_substances`
    returns. Q and β come from the item when given, else from ``table``
    (a name or alias, see :func:`load_substances`); a substance in neither
    raises ``ValueError``. S = Σ q/Q; R = α · Σ β·q/Q; a unit with S < 1 is
    not a major hazard and gets no grade.

    Examples
    --------
    A worked case (also in the tests): 12.5 t chlorine and 30 t liquid ammonia,
    120 people within 500 m. S = 12.5/5 + 30/10 = 5.5;
    R = 2.0 × (4 × 2.5 + 2 × 3) = 32, so 三级.

    >>> chlorine = Substance("氯", ("液氯",), "7782-50-5", 5.0, 4.0, "表3")
    >>> ammonia = Substance("氨", ("液氨",), "7664-41-7", 10.0, 2.0, "表3")
    >>> table = {"氯": chlorine, "液氯": chlorine, "氨": ammonia, "液氨": ammonia}
    >>> result = assess(parse_substances("氯:12.5; 液氨:30"), 120, table)
    >>> result.s, result.r, result.alpha, result.grade, result.is_major
    (5.5, 32.0, 2.0, '三级', True)
    >>> assess([("氨", 5, None, None)], 120, table).grade is None  # S = 0.5 < 1
    True
    """
    alpha = alpha_for_people(people_500m)
    if not substances:
        raise ValueError("未给出危险物质")
    terms: list[Term] = []
    s = Fraction(0)
    weighted = Fraction(0)
    for item in substances:
        try:
            name, q, threshold, beta = item
        except (TypeError, ValueError):
            raise ValueError(f"危险物质条目应为 (名称, 数量, 临界量, β)，而不是 {item!r}") from None
        if not _positive(q):
            raise ValueError(f"危险物质“{name}”的数量应大于0，而不是 {q!r}")
        row = table.get(name_key(str(name)))
        if threshold is None:
            threshold = row.threshold_t if row else None
        if beta is None:
            beta = row.beta if row else None
        if threshold is None or beta is None:
            raise ValueError(f"危险物质“{name}”不在临界量表中，请在台账中给出临界量和校正系数"
                             "（名称:数量:临界量:校正系数）")
        if not _positive(threshold):
            raise ValueError(f"危险物质“{name}”的临界量应大于0，而不是 {threshold!r}")
        if not _positive(beta) or beta < 1:
            raise ValueError(f"危险物质“{name}”的校正系数β应不小于1，而不是 {beta!r}")
        ratio = _exact(q) / _exact(threshold)  # qᵢ/Qᵢ, GB 18218-2018 4.2 式(1)
        s += ratio
        weighted += _exact(beta) * ratio  # βᵢ·qᵢ/Qᵢ, 4.3 式(2); β per 表3 or 表4
        terms.append(Term(name=name, q=float(q), threshold_t=float(threshold), beta=float(beta),
                          substance=row))
    r = _exact(alpha) * weighted
    is_major = s >= 1  # 4.2: S ≥ 1 → 重大危险源
    return Assessment(s=float(s), r=float(r), alpha=alpha, grade=_grade(r) if is_major else None,
                      is_major=is_major, terms=tuple(terms))
