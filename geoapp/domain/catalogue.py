"""Admission catalogues (安全生产禁止和限制类产业目录) and the GB/T 4754-2017 list, as data.

No national catalogue exists: each city or park issues its own, so the
catalogues are files an administrator edits, in the admission folder
(``<layers>/admission/`` by default, ``GEOAPP_ADMISSION_DIR`` otherwise):

* ``industries.csv``: ``code,name`` of GB/T 4754-2017 industries (every
  division 01–97 and at least every group and class a catalogue names);
  the planner's page searches it and a code outside it is refused.
* ``settings.toml``: search radius around major hazard installations per
  grade, and how far outside the territory a site may lie.
* ``catalogues/*.toml``: one file per functional zone (``zone = "GNQ-02"``),
  or ``zone = "outside"`` for sites (and parts of sites) outside every zone,
  with ``[[entries]]`` of prohibited (禁止类) and restricted (限制类, with
  ``conditions``) codes.

Everything is validated at start-up (pydantic, as geoapp.domain.layers); an error
names the file and line, e.g. ``catalogues/GNQ-02.toml:14: entries.1.codes:
行业代码 2699 不在行业目录 industries.csv 中``. Whether a catalogue's zone
exists can only be known against the stored zones: :func:`check_zones`, run
by every admission check and after the demo import.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from geoapp.domain.industry import normalise_industry

OUTSIDE = "outside"  # the catalogue for sites outside every functional zone
GRADES = ("一级", "二级", "三级", "四级")
# verdicts, most restrictive first
VERDICTS = ("prohibited", "restricted", "allowed")
VERDICT_LABELS = {"prohibited": "禁止", "restricted": "限制", "allowed": "允许"}


class CatalogueError(ValueError):
    """A catalogue, the industry list or the settings are invalid; names file and line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Validated item by item (not as a whole tuple) so that an error's location carries the
# item's index and _line_of can point at the line holding the bad code.
IndustryCode = Annotated[str, AfterValidator(normalise_industry)]


class Entry(_Strict):
    """One clause: the industries it lists, prohibited or restricted, and its text."""

    list: Literal["prohibited", "restricted"]
    codes: tuple[IndustryCode, ...] = Field(min_length=1)
    clause: str = ""  # clause number in the source document, e.g. 第三条第（一）项
    text: str = Field(min_length=1)
    conditions: tuple[str, ...] = ()
    source: str | None = None  # when it differs from the catalogue's

    @model_validator(mode="after")
    def _conditions_match_list(self):
        if self.list == "restricted" and not self.conditions:
            raise ValueError("a restricted entry needs its conditions (conditions = [...])")
        if self.list == "prohibited" and self.conditions:
            raise ValueError("conditions only go with list = 'restricted'")
        return self


class CatalogueFile(_Strict):
    zone: Annotated[str, Field(min_length=1)]
    title: str
    source: str
    synthetic: bool = False
    entries: tuple[Entry, ...] = ()

    @field_validator("zone")
    @classmethod
    def _zone_code(cls, zone: str) -> str:
        # caught here, not by check_zones: such a zone matches no stored zone, so every
        # check would fail with 500 until an administrator found the file
        if not zone.strip() or zone != zone.strip():
            raise ValueError(f"zone {zone!r}: 功能区代码不能为空或带首尾空格")
        if zone.lower() == OUTSIDE and zone != OUTSIDE:
            raise ValueError(f"zone {zone!r}: 功能区以外区域的目录应写 zone = \"{OUTSIDE}\""
                             f"（小写）；{OUTSIDE!r} 为保留字，不能作为功能区代码")
        return zone


class Extent(_Strict):
    margin_m: Annotated[float, Field(ge=0, le=100000)] = 5000.0


class Settings(_Strict):
    major_hazard_radius_m: dict[Literal["一级", "二级", "三级", "四级", "default"],
                                Annotated[float, Field(gt=0, le=20000)]]
    extent: Extent = Extent()


@dataclass(frozen=True)
class Catalogue:
    zone: str
    title: str
    source: str
    synthetic: bool
    entries: tuple[Entry, ...]
    path: Path
    zone_line: int


@dataclass(frozen=True)
class Industries:
    """GB/T 4754-2017 codes (digits) → Chinese names, in file order."""

    names: dict[str, str]
    path: Path

    def name(self, code: str) -> str | None:
        return self.names.get(code)

    @property
    def names_en(self) -> dict[str, str]:
        """English names by code; none while industries.csv has no ``name_en`` column."""
        return {}

    def search(self, text: str, limit: int = 20) -> list[dict]:
        """Industries whose code starts with, or whose Chinese or English name contains,
        ``text``; by name, the narrower first where both match (a class before its group,
        a group before its division), else in the list's order.

        Examples
        --------
        >>> inds = Industries({"26": "化学原料和化学制品制造业",
        ...                    "264": "涂料、油墨、颜料及类似产品制造",
        ...                    "2641": "涂料制造", "2614": "有机化学原料制造"}, Path())
        >>> [i["code"] for i in inds.search("涂料")], [i["code"] for i in inds.search("C26")]
        (['2641', '264'], ['26', '264', '2641', '2614'])
        """
        q = text.strip().upper()
        if not q:
            return []
        digits = re.sub(r"^[A-T](?=\d)", "", q)
        if digits.isdigit():
            found = [c for c in self.names if c.startswith(digits)]
        else:
            en, low = self.names_en, q.lower()
            found = sorted((c for c, n in self.names.items()
                            if q in n or low in en.get(c, "").lower()), key=_narrow_first)
        return [{"code": c, "name": self.names[c], "name_en": self.names_en.get(c)}
                for c in found[:limit]]


def _narrow_first(code: str) -> str:
    """Sort key placing a code after every code under it: 2641 < 264 < 2649 < 26 < 27.

    Padding with "~" (after the digits) makes a group sort after its classes, a
    division after its groups, and a section letter after every number.
    """
    return code.ljust(4, "~") if code.isdigit() else "~~~~" + code


@dataclass(frozen=True)
class Admission:
    """Everything read from an admission folder."""

    folder: Path
    industries: Industries
    settings: Settings
    catalogues: dict[str, Catalogue]  # by zone code (and OUTSIDE)


# ---------------------------------------------------------------- loading


def _line_of(lines: list[str], loc: tuple) -> int:
    """The 1-based line a pydantic error location points at in a catalogue file.

    tomllib keeps no positions, so the file is scanned: ``entries.N…`` is the
    N-th ``[[entries]]`` block, and within it (or at the top) the line that
    sets the key named next in ``loc``; the block's header when not found.
    """
    start, end = 0, len(lines)
    rest = list(loc)
    if rest and rest[0] == "entries" and len(rest) > 1 and isinstance(rest[1], int):
        headers = [i for i, ln in enumerate(lines) if re.match(r"\s*\[\[\s*entries\s*\]\]", ln)]
        if rest[1] < len(headers):
            start = headers[rest[1]]
            end = headers[rest[1] + 1] if rest[1] + 1 < len(headers) else len(lines)
        rest = rest[2:]
    elif rest:
        first_table = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("[")),
                           len(lines))
        end = first_table
    if rest and isinstance(rest[0], str):
        key = re.compile(rf"\s*{re.escape(rest[0])}\s*=")
        for i in range(start, end):
            if key.match(lines[i]):
                line = i
                # a code in a multi-line list: the line that holds it
                if len(rest) > 1 and isinstance(rest[1], int):
                    line = _nth_item_line(lines, i, end, rest[1])
                return line + 1
    return start + 1


def _nth_item_line(lines: list[str], first: int, end: int, n: int) -> int:
    seen = -1
    for i in range(first, end):
        body = lines[i].split("=", 1)[1] if i == first else lines[i]
        seen += len(re.findall(r'"(?:[^"\\]|\\.)*"', body.split("#", 1)[0]))
        if seen >= n:
            return i
        if "]" in body:
            break
    return first


def _read_toml(path: Path) -> tuple[dict, list[str]]:
    text = path.read_text(encoding="utf-8")
    try:
        return tomllib.loads(text), text.splitlines()
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from None


def _validate(model, path: Path, data: dict, lines: list[str]):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        msgs = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if p != "__root__")
            where = ".".join(str(p) for p in loc) or "(top)"
            msg = err["msg"].removeprefix("Value error, ")
            msgs.append(f"{path}:{_line_of(lines, loc)}: {where}: {msg}")
        raise CatalogueError("\n".join(msgs)) from None


def load_industries(path: Path) -> Industries:
    """Read ``code,name`` rows: every code well-formed and unique, every division present,
    and the group and division of every listed class (the division of every group)."""
    if not path.is_file():
        raise CatalogueError(f"{path}: missing (the GB/T 4754-2017 industry list)")
    names: dict[str, str] = {}
    lines: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != ["code", "name"]:
            raise CatalogueError(f"{path}:1: the header must be code,name")
        for row in reader:
            line = reader.line_num
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 2 or not row[1].strip():
                raise CatalogueError(f"{path}:{line}: expected code,name")
            try:
                code = normalise_industry(row[0])
            except ValueError as exc:
                raise CatalogueError(f"{path}:{line}: {exc}") from None
            if code in names:
                raise CatalogueError(f"{path}:{line}: 行业代码 {code} 重复")
            names[code] = row[1].strip()
            lines[code] = line
    # a class without its group (or a group without its division) breaks the cautious
    # "partial" match: a planner who cannot find the group falls back to the division,
    # which then meets every listed class of it and reads as prohibited
    for code, line in lines.items():
        for parent in (code[:n] for n in range(2, len(code))):
            if parent not in names:
                raise CatalogueError(f"{path}:{line}: 行业代码 {code} 的上级 {parent} 不在"
                                     "行业目录中（须列出每个小类所属的中类和大类）")
    missing = [f"{d:02d}" for d in range(1, 98) if f"{d:02d}" not in names]
    if missing:
        raise CatalogueError(f"{path}: 缺少大类 {', '.join(missing)}（须含 01–97 全部大类）")
    return Industries(names, path)


def load_admission(folder: Path) -> Admission:
    """Read and validate an admission folder: industries, settings, every catalogue.

    Examples
    --------
    >>> from geoapp.resources import bundled
    >>> adm = load_admission(bundled("layers") / "admission")
    >>> sorted(adm.catalogues)[:2], adm.industries.name("2614")
    (['GNQ-01', 'GNQ-02'], '有机化学原料制造')
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CatalogueError(f"{folder}: admission folder not found")
    industries = load_industries(folder / "industries.csv")
    settings_path = folder / "settings.toml"
    if not settings_path.is_file():
        raise CatalogueError(f"{settings_path}: missing (search radii per major hazard grade)")
    settings = _validate(Settings, settings_path, *_read_toml(settings_path))
    if "default" not in settings.major_hazard_radius_m:
        raise CatalogueError(f"{settings_path}: major_hazard_radius_m needs a `default` radius "
                             "(for installations without a grade)")
    catalogues: dict[str, Catalogue] = {}
    for path in sorted((folder / "catalogues").glob("*.toml")):
        data, lines = _read_toml(path)
        spec = _validate(CatalogueFile, path, data, lines)
        zone_line = _line_of(lines, ("zone",))
        for i, entry in enumerate(spec.entries):
            for j, code in enumerate(entry.codes):
                if code not in industries.names:
                    line = _line_of(lines, ("entries", i, "codes", j))
                    raise CatalogueError(
                        f"{path}:{line}: entries.{i}.codes: 行业代码 {code} 不在行业目录 "
                        f"{industries.path.name} 中（先在那里加上它的 GB/T 4754-2017 名称）")
        if spec.zone in catalogues:
            other = catalogues[spec.zone].path
            raise CatalogueError(f"{path}:{zone_line}: zone {spec.zone!r} already has a "
                                 f"catalogue in {other}")
        catalogues[spec.zone] = Catalogue(spec.zone, spec.title, spec.source, spec.synthetic,
                                          spec.entries, path, zone_line)
    return Admission(folder, industries, settings, catalogues)


def check_zones(admission: Admission, zone_codes) -> None:
    """Raise CatalogueError (file and line) if a catalogue names a zone that is not stored.

    Run after zones are (re-)imported and before every check: a catalogue
    for a zone that no longer exists would otherwise silently apply to nothing.

    Examples
    --------
    >>> from geoapp.resources import bundled
    >>> adm = load_admission(bundled("layers") / "admission")
    >>> check_zones(adm, ["GNQ-01", "GNQ-02", "GNQ-03", "GNQ-04", "GNQ-05"])
    >>> try:
    ...     check_zones(adm, ["GNQ-01", "GNQ-02", "GNQ-03"])
    ... except CatalogueError as exc:
    ...     print(str(exc).split("catalogues/")[1])
    GNQ-04.toml:6: zone 'GNQ-04' 不是已导入的功能区（现有：GNQ-01, GNQ-02, GNQ-03）
    """
    known = set(zone_codes)
    bad = [c for code, c in admission.catalogues.items() if code != OUTSIDE and code not in known]
    if bad:
        listed = ", ".join(sorted(known)) or "（无）"
        raise CatalogueError("\n".join(
            f"{c.path}:{c.zone_line}: zone {c.zone!r} 不是已导入的功能区（现有：{listed}）"
            for c in bad))


# ---------------------------------------------------------------- matching


def matches(catalogue: Catalogue | None, code: str, industries: Industries) -> list[dict]:
    """The reasons a catalogue gives for industry ``code`` (digits), most restrictive first.

    An entry matches when its code is a prefix of ``code`` (a division covers its
    groups and classes: ``match = "covers"``, or ``"exact"``), and also when
    ``code`` is a prefix of the entry's (``"partial"``: the project was given
    only as a division or group and some of its classes are listed; the
    cautious reading applies, 严格准入, and the reason says to give the class).

    Examples
    --------
    >>> e = Entry(list="restricted", codes=("26",), text="限制", conditions=("须进园区",))
    >>> cat = Catalogue("Z", "t", "s", True, (e,), Path(), 1)
    >>> inds = Industries({"26": "化学原料和化学制品制造业", "2614": "有机化学原料制造"}, Path())
    >>> [(r["list"], r["code"], r["match"]) for r in matches(cat, "2614", inds)]
    [('restricted', '26', 'covers')]
    """
    if catalogue is None:
        return []
    out = []
    for entry in catalogue.entries:
        for listed in entry.codes:
            if code == listed:
                kind = "exact"
            elif code.startswith(listed):
                kind = "covers"
            elif listed.startswith(code):
                kind = "partial"
            else:
                continue
            out.append({
                "list": entry.list,
                "code": listed,
                "industry_name": industries.name(listed),
                "match": kind,
                "clause": entry.clause,
                "text": entry.text,
                "conditions": list(entry.conditions),
                "source": entry.source or catalogue.source,
                "catalogue": catalogue.title,
            })
    out.sort(key=lambda r: (VERDICTS.index(r["list"]), -len(r["code"])))
    return out


def most_restrictive(verdicts) -> str:
    """The most restrictive of some verdicts ('allowed' when there are none).

    Examples
    --------
    >>> most_restrictive(["allowed", "restricted"]), most_restrictive([])
    ('restricted', 'allowed')
    """
    found = set(verdicts)
    return next((v for v in VERDICTS if v in found), "allowed")
