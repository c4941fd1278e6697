"""行业主管部门 (三管三必须): which department answers for a point, from layers/departments.toml.

安全生产法 第三条 puts safety on every sector's department ("管行业必须管安全、管业务
必须管安全、管生产经营必须管安全"); which department a kind of place or an industry
belongs to is decided locally, so the mapping is data: the configured departments,
a default, and rules naming a layer, an industry code prefix (GB/T 4754-2017: a section
letter, a division, group or class), or both. The most specific rule that matches wins:
the longer industry prefix first (class > group > division > section > none), then a
rule naming the point's layer over one for every layer. A point's own ledger column
主管部门 (the field ``authority``; ``department`` is the confined spaces' 所属部门)
overrides the rules when it names one of the configured departments.

A point without an industry code of its own takes its owner enterprise's (the reports
do the same); a point with neither falls to the layer rules, then the default.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from geoapp.domain.industry import SECTIONS, normalise_industry, section_of
from geoapp.domain.industry_list import listed_industry

# The ledger field every point layer gets (its column 主管部门), and the JSON key.
FIELD = "authority"
FIELD_LABEL = "主管部门"
FIELD_ALIASES = ("行业主管部门", "行业管理部门")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DepartmentRule(_Strict):
    layer: str | None = None
    industry: str | None = None  # a section letter or 2–4 digits of the standard
    department: str

    @model_validator(mode="after")
    def _something(self):
        if self.layer is None and self.industry is None:
            raise ValueError("a rule names a `layer`, an `industry`, or both")
        return self


class DepartmentsFile(_Strict):
    departments: tuple[str, ...] = Field(min_length=1)
    default: str
    rules: tuple[DepartmentRule, ...] = ()

    @model_validator(mode="after")
    def _consistent(self):
        names = list(self.departments)
        if len(set(names)) != len(names) or any(not n.strip() or len(n) > 40 for n in names):
            raise ValueError("departments: each a distinct name of 1–40 characters")
        if self.default not in names:
            raise ValueError(f"default {self.default!r} is not among the departments")
        seen = set()
        for i, rule in enumerate(self.rules):
            if rule.department not in names:
                raise ValueError(f"rules.{i}.department {rule.department!r} is not among "
                                 "the departments")
            try:
                key = (rule.layer, industry_prefix(rule.industry) if rule.industry else None)
            except ValueError as exc:
                raise ValueError(f"rules.{i}.industry: {exc}") from None
            if key in seen:
                raise ValueError(f"rules.{i}: a second rule for the same layer and industry")
            seen.add(key)
        return self


def industry_prefix(text: str) -> str:
    """A rule's industry as matched: a section letter, or the digits of a listed code.

    >>> industry_prefix("e"), industry_prefix("C26"), industry_prefix("4710")
    ('E', '26', '4710')
    """
    code = text.strip().upper()
    if code in SECTIONS:
        return code
    return listed_industry(code)


def prefixes(industry: str | None) -> list[str]:
    """What a point's code matches, most specific first: class, group, division, section.

    >>> prefixes("2614"), prefixes("E47"), prefixes(None), prefixes("化工")
    (['2614', '261', '26', 'C'], ['47', 'E'], [], [])
    """
    try:
        digits = normalise_industry(industry or "")
    except ValueError:
        return []
    out = [digits[:n] for n in range(len(digits), 1, -1)]
    section = section_of(int(digits[:2]))
    return out + ([section] if section else [])


@dataclass(frozen=True)
class DepartmentMap:
    """The mapping in force: ``names`` in the file's order, the default, rules by key."""

    names: tuple[str, ...]
    default: str
    by_key: dict  # (layer or None, industry prefix or None) → department

    @classmethod
    def of(cls, spec: DepartmentsFile, layers: Iterable[str]) -> DepartmentMap:
        known = set(layers)
        by_key = {}
        for i, rule in enumerate(spec.rules):
            if rule.layer is not None and rule.layer not in known:
                raise ValueError(f"rules.{i}.layer {rule.layer!r} is not a point layer")
            # the file's own check has read every industry already
            by_key[rule.layer, industry_prefix(rule.industry) if rule.industry else None] = (
                rule.department)
        return cls(spec.departments, spec.default, by_key)

    def department_of(self, layer: str, industry: str | None = None,
                      own: str | None = None) -> str:
        """The department of a point of ``layer`` with ``industry`` (own or its owner's);
        ``own``: its ledger's 主管部门, which wins when it is a configured department.

        >>> m = DepartmentMap(("应急管理", "住建", "交通运输", "消防救援"), "应急管理",
        ...     {(None, "E"): "住建", (None, "54"): "交通运输", ("idle_site", None): "消防救援",
        ...      ("idle_site", "E"): "应急管理"})
        >>> m.department_of("enterprise", "4710"), m.department_of("enterprise", "5411")
        ('住建', '交通运输')
        >>> m.department_of("idle_site"), m.department_of("idle_site", "47")
        ('消防救援', '应急管理')
        >>> m.department_of("enterprise", "2614"), m.department_of("enterprise", "4710", "交通运输")
        ('应急管理', '交通运输')
        """
        if own in self.names:
            return own
        for prefix in prefixes(industry):
            for which in (layer, None):
                found = self.by_key.get((which, prefix))
                if found is not None:
                    return found
        return self.by_key.get((layer, None), self.default)


def checked(text: str, names: Iterable[str]) -> str:
    """A ledger's or a form's department: one of ``names``; ValueError naming the choices."""
    names = tuple(names)
    value = text.strip()
    if value not in names:
        raise ValueError(f"主管部门 {value!r} 不在配置的部门中（{'、'.join(names)}）")
    return value
