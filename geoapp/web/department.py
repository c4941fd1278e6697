"""A department's own page (三管三必须): /department and GET /api/department.

A supervisor given a 行业主管部门 (User.department, set on /admin/accounts) is that
department's account: it reads its sector's points and their hazards (the points whose
department, geoapp.store.departments, is its own; within its area scope when it has one)
and records supervisory measures on them through POST /api/measures, which checks the
sector again. Every other page and API answers it 403 (geoapp.web.auth.DEPARTMENT_ENDPOINTS).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import gettext as _

from geoapp.domain import measures as measure_rules
from geoapp.store import departments
from geoapp.store.reads import department_data
from geoapp.web import auth, clock, db, i18n
from geoapp.web.errors import ApiError

bp = Blueprint("department", __name__)


def _data() -> dict:
    auth.actor_name()  # 401 without a session
    user = auth.current_user
    if not departments.is_department(user):
        raise ApiError(403, "forbidden", _("此页面只供行业主管部门账号使用"))
    rules = current_app.extensions["geoapp.rules"]
    labels = {c: i18n.localized(t) for c, t in rules.layers.items()}
    return i18n.hazard_page_labels(department_data.page(
        db.session(), rules, user.department, auth.read_scope().cells,
        clock.today(rules.risk.hazards.timezone), labels))


@bp.get("/api/department")
def api():
    """{department, points, hazards, measures} of the account's sector."""
    return jsonify(_data())


@bp.get("/department")
def page():
    """The sector's hazards (open first) with a form to record a measure, then its points."""
    data = _data()
    today = clock.today(current_app.extensions["geoapp.rules"].risk.hazards.timezone)
    kinds = [(k, _(label)) for k, label in measure_rules.labels_in_order()]
    return render_template(
        "department/department.html", data=data, kinds=kinds, today=today.isoformat(),
        page_config={"t": {"failed": _("操作失败"), "saved": _("已保存")}})
