"""Layer and rule files: ``layers/*.toml`` read and validated at start-up.

Each point layer (enterprise, idle_site, …) is one file declaring its ledger
fields with Chinese labels, its stable key and its risk rules; ``cell``,
``zone`` and ``hazard`` files declare the attribute fields of boundaries and of
the hazard ledger; ``risk.toml`` holds the four levels, escalation and the area
rule; ``supervision.toml`` 挂牌督办 and the working-day calendar (optional: its
defaults apply without it). A further point layer is a new file here, not new code.

Validation uses pydantic; an error names the file and the key path, e.g.
``layers/enterprise.toml: risk.rules.2.level: Input should be 'red', …``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from geoapp.domain.departments import FIELD as AUTHORITY
from geoapp.domain.departments import FIELD_ALIASES as AUTHORITY_ALIASES
from geoapp.domain.departments import FIELD_LABEL as AUTHORITY_LABEL
from geoapp.domain.departments import DepartmentMap, DepartmentsFile
from geoapp.domain.duties import StepsSpec
from geoapp.domain.inspection import InspectionSpec
from geoapp.domain.public_reports import PublicReportFile
from geoapp.domain.reminders import RemindersSpec
from geoapp.domain.standing import StandingFile

LevelCode = Literal["red", "orange", "yellow", "blue"]
FieldType = Literal[
    "str", "int", "float", "date", "bool", "choice", "choices", "uscc", "industry", "substances"
]


# The bound of a field that declares no max_length (a number, a date, or text in
# a layer file written before max_length existed): its value lands in a JSON
# column, where nothing else stops a pasted page.
TEXT_LIMIT = 500


class LayerFileError(ValueError):
    """A layer or rule file is missing, unreadable or invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str
    label_en: str | None = None
    aliases: tuple[str, ...] = ()
    type: FieldType
    required: bool = False
    choices: tuple[str, ...] = ()
    # Longest text accepted on import, in characters. PostgreSQL refuses what
    # exceeds a VARCHAR(n) column and SQLite silently stores it, so this check
    # on import is the one place both backends agree; the bundled files declare
    # it for every text field (tests/store/test_import_hardening.py checks each fits
    # the column it lands in). A field without one gets TEXT_LIMIT.
    max_length: Annotated[int, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _choices_match_type(self):
        if self.type in ("choice", "choices") and not self.choices:
            raise ValueError(f"field {self.name!r} of type {self.type} needs choices")
        if self.type not in ("choice", "choices") and self.choices:
            raise ValueError(f"field {self.name!r}: choices only go with choice/choices")
        return self

    @property
    def length_limit(self) -> int:
        """The longest text a ledger cell may hold for this field.

        Numbers, dates and choices are bounded too, so that a pasted page is
        refused by its length before a report quotes it back whole.
        """
        return self.max_length if self.max_length is not None else TEXT_LIMIT

    def headers(self) -> tuple[str, ...]:
        """Every column header that names this field in a ledger."""
        return (self.label, self.name, *self.aliases)


class Rule(_Strict):
    """One risk rule: if the point's ``field`` matches, its level is at least ``level``.

    Exactly one test per rule: ``in`` (value is one of), ``prefix`` (value
    starts with one of, e.g. GB/T 4754 divisions), ``gte`` (number ≥),
    ``contains_any`` (a multi-choice field holds one of), ``equals`` (bool or
    text equal), ``missing`` (the field is empty).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    field: str
    level: LevelCode
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    prefix: tuple[str, ...] | None = None
    gte: float | None = None
    contains_any: tuple[str, ...] | None = None
    equals: bool | str | None = None
    missing: bool | None = None

    @model_validator(mode="after")
    def _one_test(self):
        tests = [self.in_, self.prefix, self.gte, self.contains_any, self.equals, self.missing]
        if sum(t is not None for t in tests) != 1:
            raise ValueError(
                "a rule needs exactly one of: in, prefix, gte, contains_any, equals, missing"
            )
        return self


class RiskSpec(_Strict):
    default: LevelCode
    rules: tuple[Rule, ...] = ()


class EvidenceSpec(_Strict):
    """Photo rules of the hazard file (local policy, ``[evidence]`` in hazard.toml)."""

    # 提请验收 of a 重大 hazard needs at least one photo of the work done
    major_submit_needs_photo: bool = True


class ExtensionSpec(_Strict):
    """Extension (延期) limits of the hazard file (local policy, ``[extensions]`` in
    hazard.toml; the rules: geoapp.domain.extensions)."""

    # extensions granted per hazard at most
    max_count: int = Field(default=2, ge=0)
    # the days all extensions together may add to the original deadline: a number,
    # or "original_period" (the original deadline − the day found)
    max_total: Literal["original_period"] | int = "original_period"

    @model_validator(mode="after")
    def _not_negative(self):
        if isinstance(self.max_total, int) and self.max_total < 0:
            raise ValueError("extensions.max_total must be \"original_period\" or days ≥ 0")
        return self


class TableFile(_Strict):
    """A file declaring ledger fields: a point layer (``layer``) or a table (``table``)."""

    layer: str | None = None
    table: Literal["cell", "zone", "hazard", "accident"] | None = None
    order: int = 100  # position of a point layer in lists, legends and tables
    label: str
    label_en: str
    # what a point layer's ledger holds, in a sentence (the export page); without one
    # the page says it from the label
    description: str | None = None
    description_en: str | None = None
    key: tuple[str, ...] = Field(min_length=1)
    fields: tuple[FieldSpec, ...] = Field(min_length=1)
    risk: RiskSpec | None = None
    inspection: InspectionSpec | None = None  # point layers: visits (geoapp.domain.inspection)
    evidence: EvidenceSpec | None = None  # the hazard table: photo rules
    steps: StepsSpec | None = None  # the hazard table: who takes which step (duties)
    extensions: ExtensionSpec | None = None  # the hazard table: extension limits
    reminders: RemindersSpec | None = None  # the hazard table: inbox days (geoapp.domain.reminders)

    @model_validator(mode="after")
    def _consistent(self):
        if (self.layer is None) == (self.table is None):
            raise ValueError("give exactly one of `layer` (a point layer) or `table`")
        names = [f.name for f in self.fields]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"duplicate field names: {sorted(dupes)}")
        for k in self.key:
            if k not in names:
                raise ValueError(f"key field {k!r} is not among the fields")
        if self.layer is not None:
            if self.risk is None:
                raise ValueError("a point layer needs a [risk] table")
            if "name" not in names:
                raise ValueError("a point layer needs a `name` field")
            for i, rule in enumerate(self.risk.rules):
                if rule.field not in names:
                    raise ValueError(f"risk.rules.{i}.field {rule.field!r} is not a field")
            if self.inspection is None:
                raise ValueError("a point layer needs an [inspection] table")
            ledger_field = self.inspection.ledger_field
            if ledger_field is not None and (
                    ledger_field not in names or self.field(ledger_field).type != "date"):
                raise ValueError(f"inspection.ledger_field {ledger_field!r} is not a date field")
        elif self.inspection is not None:
            raise ValueError("only a point layer has an [inspection] table")
        if self.evidence is not None and self.table != "hazard":
            raise ValueError("only the hazard file has an [evidence] table")
        if self.steps is not None and self.table != "hazard":
            raise ValueError("only the hazard file has a [steps] table")
        if self.extensions is not None and self.table != "hazard":
            raise ValueError("only the hazard file has an [extensions] table")
        if self.reminders is not None and self.table != "hazard":
            raise ValueError("only the hazard file has a [reminders] table")
        return self

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


class Level(_Strict):
    code: LevelCode
    label: str
    label_en: str
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Escalation(_Strict):
    open_major_hazard_is_red: bool = True


class AreaScore(_Strict):
    weights: dict[LevelCode, float]
    thresholds: dict[Literal["red", "orange", "yellow"], float]


class AreaRule(_Strict):
    rule: Literal["max", "score"] = "max"
    empty_level: LevelCode = "blue"
    score: AreaScore | None = None

    @model_validator(mode="after")
    def _score_given(self):
        if self.rule == "score" and self.score is None:
            raise ValueError("rule = 'score' needs an [area.score] table")
        return self


class ZoneRule(_Strict):
    grade_levels: dict[Literal["A", "B", "C", "D"], LevelCode]


class HazardRule(_Strict):
    stock_cutoff: dt.date = dt.date(2024, 1, 1)
    timezone: str = "Asia/Shanghai"


class RiskFile(_Strict):
    levels: tuple[Level, ...]
    escalation: Escalation = Escalation()
    area: AreaRule = AreaRule()
    zones: ZoneRule
    hazards: HazardRule = HazardRule()

    @model_validator(mode="after")
    def _four_levels(self):
        codes = [lv.code for lv in self.levels]
        if sorted(codes) != sorted(["red", "orange", "yellow", "blue"]):
            raise ValueError("levels must list red, orange, yellow and blue once each")
        return self


class ListingRule(_Strict):
    """挂牌督办 (``[listing]`` in supervision.toml): who lists, the deadline, publication clocks."""

    roles: tuple[str, ...] = ("supervisor", "leader", "admin")
    max_deadline_days: Annotated[int, Field(gt=0)] = 365
    publish_within_working_days: Annotated[int, Field(ge=0)] = 5
    delist_publish_within_working_days: Annotated[int, Field(ge=0)] = 5

    @model_validator(mode="after")
    def _grid_does_not_list(self):
        # the rule: grid members record hazards, the supervising side lists them
        if not self.roles:
            raise ValueError("roles: at least one role lists hazards")
        if "grid" in self.roles:
            raise ValueError("roles: grid members may not list hazards (挂牌督办)")
        return self


class WorkCalendar(_Strict):
    """Working days: Monday–Friday, minus ``holidays``, plus ``workdays`` (调休 weekend days)."""

    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()

    @model_validator(mode="after")
    def _consistent(self):
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"{both[0]} is both a holiday and a working day")
        weekday = next((d for d in self.workdays if d.weekday() < 5), None)
        if weekday is not None:
            raise ValueError(f"workdays: {weekday} is a weekday (list only 调休 weekend days)")
        return self


class SupervisionFile(_Strict):
    """supervision.toml: 挂牌督办 and the working-day calendar (geoapp.domain.listing)."""

    listing: ListingRule = ListingRule()
    calendar: WorkCalendar = WorkCalendar()


# Without layers/departments.toml every point answers to one department (安全生产法 第三条's
# sectors are then not told apart)
DEFAULT_DEPARTMENTS = DepartmentMap(("应急管理",), "应急管理", {})

# Severity order, highest first; fixed by the four-colour scheme itself.
LEVEL_ORDER: tuple[str, ...] = ("red", "orange", "yellow", "blue")
LEVEL_RANK = {code: len(LEVEL_ORDER) - i for i, code in enumerate(LEVEL_ORDER)}  # red 4 … blue 1


@dataclass(frozen=True)
class Rules:
    """Everything read from a layers folder."""

    folder: Path
    layers: dict[str, TableFile]  # point layers by code, by their `order`
    tables: dict[str, TableFile]  # cell, zone, hazard
    risk: RiskFile
    substances: dict = field(default_factory=dict)  # name/alias → substances.Substance
    supervision: SupervisionFile = SupervisionFile()  # supervision.toml, or its defaults
    public_report: PublicReportFile = PublicReportFile()  # public_report.toml, or its defaults
    standing: StandingFile | None = None  # standing.toml (红黑榜), when the folder has one
    # departments.toml: 行业主管部门 of every point (geoapp.domain.departments)
    departments: DepartmentMap = DEFAULT_DEPARTMENTS

    def layer_by_label(self, label: str) -> TableFile | None:
        return next((t for t in self.layers.values() if label in (t.label, t.layer)), None)


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise LayerFileError(f"{path}: not valid TOML: {exc}") from exc


def _validate(model: type[BaseModel], path: Path, data: dict):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{path}: {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise LayerFileError("\n".join(lines)) from None


# The length of the VARCHAR column each field's value is stored in (the store's
# models declare their columns with these). ``point`` stands for every point
# layer: its ``name`` and its key; other fields of a point layer live in a JSON
# column (no length).
STORED_LENGTHS: dict[tuple[str, str], int] = {
    ("cell", "code"): 50, ("cell", "name"): 200, ("cell", "village"): 100,
    ("cell", "village_code"): 50, ("cell", "town"): 100, ("cell", "supervising_unit"): 200,
    ("cell", "supervisor"): 100, ("zone", "code"): 50, ("zone", "name"): 200,
    ("hazard", "code"): 60, ("hazard", "point_key"): 100, ("hazard", "responsible_unit"): 200,
    ("hazard", "responsible_person"): 100, ("point", "name"): 300, ("point", "key"): 100,
    ("listing", "unit"): 200,
}


def _fit_columns(path: Path, spec: TableFile) -> TableFile:
    """The spec with every stored text field bounded by its column.

    A field without ``max_length`` takes the column's length; one declaring
    more than the column holds is an error here, at start-up, rather than a
    truncation error from PostgreSQL in the middle of an import.
    """
    lengths = STORED_LENGTHS
    fields = []
    for i, f in enumerate(spec.fields):
        if spec.layer is None:
            column = lengths.get((spec.table, f.name))
        elif f.name in spec.key:
            column = lengths["point", "key"]
        else:
            column = lengths.get(("point", f.name))
        if column is not None and f.type in ("str", "substances"):
            if f.max_length is None:
                f = f.model_copy(update={"max_length": column})
            elif f.max_length > column:
                raise LayerFileError(f"{path}: fields.{i}.max_length: {f.max_length} is more than "
                                     f"the database column of {f.name!r} holds ({column})")
        fields.append(f)
    return spec.model_copy(update={"fields": tuple(fields)})


def load_rules(folder: Path) -> Rules:
    """Read and validate every file in a layers folder.

    Examples
    --------
    >>> from geoapp.resources import bundled
    >>> rules = load_rules(bundled("layers"))
    >>> list(rules.layers)[:4], len(rules.layers)
    (['enterprise', 'idle_site', 'confined_space', 'major_hazard'], 10)
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise LayerFileError(f"{folder}: layers folder not found")
    risk_path = folder / "risk.toml"
    if not risk_path.is_file():
        raise LayerFileError(f"{risk_path}: missing (the four levels and area rule live here)")
    risk = _validate(RiskFile, risk_path, _read(risk_path))
    layers: dict[str, TableFile] = {}
    tables: dict[str, TableFile] = {}
    declared_in: dict[tuple[str, str], Path] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.name in ("risk.toml", "substances.toml", "supervision.toml",
                         "public_report.toml", "standing.toml", "departments.toml"):
            continue
        spec = _validate(TableFile, path, _read(path))
        kind, name = ("layer", spec.layer) if spec.layer is not None else ("table", spec.table)
        if (kind, name) in declared_in:
            raise LayerFileError(
                f"{path}: {kind} {name!r} is already declared in {declared_in[kind, name]}")
        declared_in[kind, name] = path
        spec = _fit_columns(path, spec)
        if spec.layer is not None:
            layers[spec.layer] = spec
        else:
            tables[spec.table] = spec
    for needed in ("cell", "zone", "hazard"):
        if needed not in tables:
            raise LayerFileError(f"{folder}: no file declares table = {needed!r}")
    substances = {}
    if (folder / "substances.toml").is_file():
        from geoapp.domain.substances import load_substances

        try:
            substances = load_substances(folder / "substances.toml")
        except ValueError as exc:
            raise LayerFileError(str(exc)) from None
    supervision_path = folder / "supervision.toml"
    supervision = (_validate(SupervisionFile, supervision_path, _read(supervision_path))
                   if supervision_path.is_file() else SupervisionFile())
    public_path = folder / "public_report.toml"
    public_report = (_validate(PublicReportFile, public_path, _read(public_path))
                     if public_path.is_file() else PublicReportFile())
    layers = dict(sorted(layers.items(), key=lambda kv: (kv[1].order, kv[0])))
    departments = _departments(folder / "departments.toml", layers)
    layers = {code: _with_authority(spec, departments.names) for code, spec in layers.items()}
    if public_report.verify.new_point_layer not in layers:
        raise LayerFileError(f"{public_path}: verify.new_point_layer: no layer "
                             f"{public_report.verify.new_point_layer!r}")
    return Rules(folder=folder, layers=layers, tables=tables, risk=risk, substances=substances,
                 supervision=supervision, public_report=public_report,
                 standing=_standing(folder / "standing.toml", layers), departments=departments)


def _standing(path: Path, layers: dict[str, TableFile]) -> StandingFile | None:
    """standing.toml checked, with the enterprise fields its rules name."""
    if not path.is_file():
        return None
    spec = _validate(StandingFile, path, _read(path))
    if "enterprise" not in layers:
        raise LayerFileError(f"{path}: the 红黑榜 needs the enterprise layer")
    problems = spec.check_fields({f.name: f.choices for f in layers["enterprise"].fields})
    if problems:
        raise LayerFileError("\n".join(f"{path}: {p}" for p in problems))
    return spec


def _departments(path: Path, layers: dict) -> DepartmentMap:
    """departments.toml checked (its layers must exist); without the file, one department."""
    if not path.is_file():
        return DEFAULT_DEPARTMENTS
    spec = _validate(DepartmentsFile, path, _read(path))
    try:
        return DepartmentMap.of(spec, layers)
    except ValueError as exc:
        raise LayerFileError(f"{path}: {exc}") from None


def _with_authority(spec: TableFile, names: tuple[str, ...]) -> TableFile:
    """Every point layer takes the optional ledger column 主管部门 (one of ``names``), unless
    its file declares the field itself: the shared mechanism, not a line in each file."""
    if any(f.name == AUTHORITY for f in spec.fields):
        return spec
    extra = FieldSpec(name=AUTHORITY, label=AUTHORITY_LABEL, label_en="Department",
                      aliases=AUTHORITY_ALIASES, type="choice", choices=names, max_length=40)
    return spec.model_copy(update={"fields": (*spec.fields, extra)})
