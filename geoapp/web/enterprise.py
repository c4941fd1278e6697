"""The enterprise account's own page: /enterprise and GET /api/enterprise.

What its 主要负责人 is shown: the enterprise's points (its own and the
confined spaces and major hazard installations it owns, geoapp.store.ownership),
their hazards with state and deadline, its self-checks (企业自查) and the
supervisory measures (督办措施) addressed to it. The page records a self-check,
registers a hazard and moves it on through the same APIs as every other
account (geoapp.web.inspections, geoapp.web.hazards), which check ownership
again. Only enterprise accounts open it (403 for the other roles: they
have the map and the cell pages).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import gettext as _

from geoapp.domain import workflow
from geoapp.domain.duties import ENTERPRISE
from geoapp.store.reads import enterprise_data
from geoapp.web import auth, clock, db, i18n

bp = Blueprint("enterprise", __name__)


def _data() -> dict:
    auth.actor_name()  # 401 without a session
    auth.require_role(ENTERPRISE)
    rules = current_app.extensions["geoapp.rules"]
    labels = {c: i18n.localized(t) for c, t in rules.layers.items()}
    return i18n.hazard_page_labels(enterprise_data.page(
        db.session(), auth.current_user.enterprise_uscc or "",
        clock.today(rules.risk.hazards.timezone), labels))


@bp.get("/api/enterprise")
def api():
    """{uscc, enterprise, points, hazards, self_checks, measures} of the account's enterprise."""
    return jsonify(_data())


@bp.get("/enterprise")
def page():
    """The enterprise's page, made for a phone: its points with the self-check and hazard
    forms, its hazards with the next step, its self-checks and the measures addressed to it."""
    data = _data()
    rules = current_app.extensions["geoapp.rules"]
    today = clock.today(rules.risk.hazards.timezone)
    steps = {k: _(t.label) for k, t in workflow.TRANSITIONS.items()}
    return render_template(
        "enterprise/enterprise.html", data=data, steps=steps, today=today.isoformat(),
        page_config={"today": today.isoformat(),
                     "t": {"failed": _("操作失败"), "saved": _("已保存"),
                           "ok": _("合格"), "fail": _("不合格"), "na": _("不适用"),
                           "loading": _("正在读取检查表…")}})
