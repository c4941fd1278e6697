"""The admission register (准入核查登记): every check stored with its sheet number, read back.

A check is stored as answered (``models.AdmissionCheck``, append-only): the
site, the industry, the verdict with its reasons, the catalogue files in
force (their SHA-256), and the whole answer for a reprint. Sheet numbers are
准入-YYYY-NNNNNN, sequential per (local) year, taken from the year's counter
row with one upsert that locks it until the taker commits
(``dialect.take_number``), so concurrent checks never share a number on
either backend.

Area scope: a check belongs to the cells its site lies in
(``admission_check_cell``); an account with an area scope reads the checks
with a cell in its scope and the ones it made itself.
"""

from __future__ import annotations

import datetime as dt
import json

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.store import dialect
from geoapp.store.models import AdmissionCheck, AdmissionCheckCell, AdmissionCounter

PREFIX = "准入"
VERDICTS = ("prohibited", "restricted", "allowed")
# kept out of the stored answer: the site is the geometry column, the input its own column
_STRIPPED = ("site", "input")


def sheet_number(year: str, n: int) -> str:
    """The sheet number of the ``n``-th check of ``year``.

    >>> sheet_number("2026", 42)
    '准入-2026-000042'
    """
    return f"{PREFIX}-{year}-{n:06d}"


def record(session: Session, result: dict, *, actor: str | None, now: dt.datetime,
           catalogue_sha256: str, catalogues: list[dict]) -> AdmissionCheck:
    """Store one answered check (flushed, not committed) under the next number of ``now``'s
    year (``now``: aware, in the territory's time zone)."""
    year = f"{now:%Y}"
    n = dialect.take_number(session, AdmissionCounter.__table__, "year", year, "last", 1)
    inp = result["input"]
    row = AdmissionCheck(
        number=sheet_number(year, n), checked_at=now, actor=actor,
        geom=shapely.from_geojson(json.dumps(result["site"])),
        site_input=inp["site"] if isinstance(inp["site"], dict) else {"raw": inp["site"]},
        crs=result["crs_used"], industry_code=result["industry"]["code"],
        industry_name=result["industry"]["name"], verdict=result["verdict"],
        reasons=result["reasons"], zone_codes=[z["code"] for z in result["zones"]],
        catalogue_sha256=catalogue_sha256, catalogues=catalogues,
        result={k: v for k, v in result.items() if k not in _STRIPPED})
    session.add(row)
    session.flush()
    for code in sorted({c["code"] for c in result["cells"]}):
        session.add(AdmissionCheckCell(check_id=row.id, cell_code=code))
    session.flush()
    return row


def _where(filters: dict, cells: frozenset[str] | None, me: str | None) -> list:
    c = AdmissionCheck
    clauses = []
    if filters.get("verdict"):
        clauses.append(c.verdict == filters["verdict"])
    if filters.get("since"):
        clauses.append(c.checked_at >= filters["since"])
    if filters.get("until"):
        clauses.append(c.checked_at < filters["until"])
    if filters.get("industry"):
        clauses.append(c.industry_code.startswith(filters["industry"], autoescape=True))
    if filters.get("number"):
        clauses.append(c.number.contains(filters["number"], autoescape=True))
    if cells is not None:  # an area scope: its cells' checks and one's own
        in_scope = sa.exists().where(AdmissionCheckCell.check_id == c.id,
                                     AdmissionCheckCell.cell_code.in_(sorted(cells)))
        clauses.append(sa.or_(in_scope, c.actor == me) if me else in_scope)
    return clauses


def checks(session: Session, filters: dict, *, cells: frozenset[str] | None = None,
           me: str | None = None, limit: int | None = 100,
           offset: int = 0) -> tuple[int, list[dict]]:
    """(how many match, the page of them, newest first). ``filters``: verdict, since/until
    (aware, until exclusive), industry (a code prefix), number (a part of it); ``cells``:
    the reader's area scope (None: everything), ``me``: the reader, who sees their own."""
    c = AdmissionCheck
    where = _where(filters, cells, me)
    total = session.scalar(sa.select(sa.func.count()).select_from(c).where(*where))
    query = (sa.select(c.id, c.number, c.checked_at, c.actor, c.crs, c.industry_code,
                       c.industry_name, c.verdict, c.zone_codes, c.catalogue_sha256,
                       dialect.raw_geometry(c.geom))
             .where(*where).order_by(c.checked_at.desc(), c.id.desc()).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    geoms = dialect.decode_raw([r[-1] for r in rows]) if rows else []
    cells_of = _cells_of(session, [r.id for r in rows])
    return total, [{
        "number": r.number, "checked_at": r.checked_at, "actor": r.actor, "crs": r.crs,
        "industry_code": r.industry_code, "industry_name": r.industry_name,
        "verdict": r.verdict, "zone_codes": list(r.zone_codes or []),
        "cell_codes": cells_of.get(r.id, []), "catalogue_sha256": r.catalogue_sha256,
        "site": g,
    } for r, g in zip(rows, geoms, strict=True)]


def _cells_of(session: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not ids:
        return out
    t = AdmissionCheckCell
    for check_id, code in session.execute(
            sa.select(t.check_id, t.cell_code).where(t.check_id.in_(ids))
            .order_by(t.check_id, t.cell_code)):
        out.setdefault(check_id, []).append(code)
    return out


def find(session: Session, number: str) -> dict | None:
    """One stored check by its number, with its answer as it was given (``result``, the
    site and the input restored), its cells, catalogues; None when there is none."""
    row = session.scalar(sa.select(AdmissionCheck).where(AdmissionCheck.number == number))
    if row is None:
        return None
    result = dict(row.result)
    result["site"] = json.loads(shapely.to_geojson(row.geom))
    site = row.site_input.get("raw") if set(row.site_input) == {"raw"} else row.site_input
    result["input"] = {"site": site, "crs": row.crs, "industry": result["industry"]["input"]}
    return {"number": row.number, "checked_at": row.checked_at, "actor": row.actor,
            "site": row.geom, "verdict": row.verdict, "result": result,
            "catalogue_sha256": row.catalogue_sha256, "catalogues": list(row.catalogues),
            "cell_codes": _cells_of(session, [row.id]).get(row.id, [])}


def readable(check: dict, cells: frozenset[str] | None, me: str | None) -> bool:
    """May a reader with area scope ``cells`` (None: everything) who is ``me`` read it?

    >>> c = {"cell_codes": ["A"], "actor": "wang"}
    >>> readable(c, None, None), readable(c, frozenset({"A"}), "li")
    (True, True)
    >>> readable(c, frozenset(), "wang")
    True
    >>> readable(c, frozenset({"B"}), "li")
    False
    """
    if cells is None:
        return True
    return bool(me and check["actor"] == me) or bool(set(check["cell_codes"]) & cells)
