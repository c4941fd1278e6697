"""The admission register (准入核查登记): every stored check, listed, filtered, exported and
reprinted by its sheet number.

* ``GET /admission/checks``: the register page (newest first, 50 to a page);
* ``GET /api/admission/checks``: its JSON twin {total, checks};
* ``GET /admission/checks.xlsx`` and ``.csv``: every check matching the filters;
* ``GET /admission/checks/<number>/print``: the sheet as it was answered;
* ``GET /api/admission/checks/<number>``: one check with its whole answer.

Planner, leader and admin, like the check itself; each reads the checks of
its area scope (a check belongs to the cells its site lies in) and the
ones it made. Filters: ``verdict``, ``from`` and ``to`` (local days),
``industry`` (a code or its start), ``number`` (a part of it).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from geoapp.admission import register
from geoapp.store import admission_checks as store
from geoapp.store.reads import admission_data
from geoapp.web import admission, auth, db, params
from geoapp.web.errors import ApiError

bp = Blueprint("admission_checks", __name__)
PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER = re.compile(r"准入-\d{4}-\d{6}")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.extensions["geoapp.rules"].risk.hazards.timezone)


def _me() -> str | None:
    return current_user.username if current_user.is_authenticated else None


def _filters() -> dict:
    verdict = params.choice("verdict", store.VERDICTS,
                            _("verdict：应为 prohibited、restricted 或 allowed"))
    out: dict = {"verdict": verdict, **params.day_range(_zone())}
    industry = (request.args.get("industry") or "").strip().upper()
    industry = re.sub(r"^[A-T](?=\d)", "", industry)
    if industry and not (industry.isascii() and industry.isdigit() and len(industry) <= 4):
        raise params.bad("industry", _("industry：应为行业代码（1–4 位数字，可加门类字母）"))
    out["industry"] = industry or None
    number = (request.args.get("number") or "").strip()[:20]
    out["number"] = number or None
    return out


def _verdict_labels() -> dict:
    return admission._page_strings()["verdicts"]


def _rows(filters: dict, limit: int | None, offset: int) -> tuple[int, list[dict]]:
    total, rows = store.checks(db.session(), filters, cells=auth.read_scope().cells, me=_me(),
                               limit=limit, offset=offset)
    zone = _zone()
    for r in rows:
        r["checked_at"] = r["checked_at"].astimezone(zone).isoformat(timespec="seconds")
    return total, rows


def _public(r: dict) -> dict:
    site = r["site"]
    centre = site if site.geom_type == "Point" else site.centroid
    return {**{k: v for k, v in r.items() if k != "site"},
            "site_type": site.geom_type, "lon": round(centre.x, 6), "lat": round(centre.y, 6)}


@bp.get("/admission/checks")
def page():
    """The register, newest first, filtered, 50 to a page."""
    auth.require_role(*admission.ROLES)
    offset = params.whole_number("offset", "0", 0, 10**9, _("offset：应为不小于 0 的整数"))
    total, rows = _rows(_filters(), PAGE, offset)
    args = {k: v for k, v in request.args.items() if k != "offset"}
    return render_template("admission/checks.html", rows=[_public(r) for r in rows],
                           total=total, offset=offset, page=PAGE, args=args,
                           verdicts=_verdict_labels())


@bp.get("/api/admission/checks")
def api():
    """The register as JSON: {total, checks}; ``limit`` 1–1000 (50), ``offset``."""
    auth.require_role(*admission.ROLES)
    limit = params.whole_number("limit", str(PAGE), 1, 1000, _("limit：应为 1–1000 的整数"))
    offset = params.whole_number("offset", "0", 0, 10**9, _("offset：应为不小于 0 的整数"))
    total, rows = _rows(_filters(), limit, offset)
    return jsonify({"total": total, "checks": [_public(r) for r in rows]})


def _export_rows() -> tuple[list[str], list[list]]:
    _total, rows = _rows(_filters(), None, 0)
    labels = _verdict_labels()
    headers = [_("编号"), _("核查时间"), _("核查人"), _("行业代码"), _("行业名称"), _("结论"),
               _("经度（WGS84）"), _("纬度（WGS84）"), _("功能区"), _("网格"),
               _("目录版本（SHA-256）")]
    return headers, [register.columns(r, labels[r["verdict"]]) for r in rows]


def _download(body: bytes, mimetype: str, ext: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="admission-checks.{ext}"'
    return response


@bp.get("/admission/checks.xlsx")
def export_xlsx():
    """Every check matching the filters (in the reader's scope) as XLSX."""
    auth.require_role(*admission.ROLES)
    headers, rows = _export_rows()
    return _download(register.as_xlsx(_("准入核查登记"), headers, rows), XLSX, "xlsx")


@bp.get("/admission/checks.csv")
def export_csv():
    """The same as CSV (UTF-8 with BOM)."""
    auth.require_role(*admission.ROLES)
    headers, rows = _export_rows()
    return _download(register.as_csv(headers, rows), "text/csv; charset=utf-8", "csv")


def _check(number: str) -> dict:
    """The stored check ``number`` the reader may read: 404 for none (or a malformed
    number), 403 for one beyond its scope."""
    found = store.find(db.session(), number) if NUMBER.fullmatch(number) else None
    if found is None:
        raise ApiError(404, "not_found", _("没有编号为 %(number)s 的核查记录", number=number),
                       "number")
    if not store.readable(found, auth.read_scope().cells, _me()):
        raise ApiError(403, "out_of_scope", _("该核查记录不在您的辖区范围内"), "number")
    return found


@bp.get("/api/admission/checks/<number>")
def api_one(number: str):
    """One stored check: number, time, actor, catalogue files and the whole answer."""
    auth.require_role(*admission.ROLES)
    found = _check(number)
    return jsonify({
        "number": found["number"], "actor": found["actor"],
        "checked_at": found["checked_at"].astimezone(_zone()).isoformat(timespec="seconds"),
        "verdict": found["verdict"], "cell_codes": found["cell_codes"],
        "catalogue_sha256": found["catalogue_sha256"], "catalogues": found["catalogues"],
        "result": found["result"]})


@bp.get("/admission/checks/<number>/print")
def print_check(number: str):
    """The stored check's sheet, as answered then (its number, its verdict and reasons)."""
    auth.require_role(*admission.ROLES)
    found = _check(number)
    result = found["result"]
    territory = admission_data.territory(db.session(), auth.read_scope().cells)
    inp = result["input"]
    echo = {"site": inp["site"], "crs": inp["crs"], "industry": inp["industry"]}
    return admission.sheet(result, territory, number=found["number"], error=None,
                           inputs_echo=echo, checked_by=found["actor"])
