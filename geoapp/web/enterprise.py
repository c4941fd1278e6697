"""The enterprise account's own page: /enterprise and GET /api/enterprise.

What its 主要负责人 is shown: the enterprise's points (its own and the
confined spaces and major hazard installations it owns, geoapp.store.ownership),
their hazards with state and deadline, its self-checks (企业自查), the
supervisory measures (督办措施) addressed to it, and its status, 标准化 level,
安责险 and 红黑榜 standing with the reasons. The page records a self-check,
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
from geoapp.domain.standing import LIST_LABELS
from geoapp.store.reads import enterprise_data, standing_data
from geoapp.web import auth, clock, db, i18n

bp = Blueprint("enterprise", __name__)


def _data() -> dict:
    auth.actor_name()  # 401 without a session
    auth.require_role(ENTERPRISE)
    rules = current_app.extensions["geoapp.rules"]
    labels = {c: i18n.localized(t) for c, t in rules.layers.items()}
    data = i18n.hazard_page_labels(enterprise_data.page(
        db.session(), auth.current_user.enterprise_uscc or "",
        clock.today(rules.risk.hazards.timezone), labels))
    data["standing"] = _standing(rules, data["enterprise"])
    return data


# the ledger fields the page shows under the enterprise's name (status and standing)
PROFILE_FIELDS = ("status", "status_since", "standardisation", "insured", "insured_until")


def _standing(rules, own: dict | None) -> dict | None:
    """The enterprise's ledger status fields and its 红黑榜 standing with the reasons
    (geoapp.store.reads.standing_data, the same as /standing); None without its point."""
    if own is None:
        return None
    attrs = own.get("attrs") or {}
    layer = rules.layers["enterprise"]
    english = i18n.english()
    profile = []
    for f in layer.fields:
        if f.name in PROFILE_FIELDS and attrs.get(f.name) not in (None, ""):
            value = attrs[f.name]
            if isinstance(value, bool):
                value = _("是") if value else _("否")
            profile.append({"name": f.name, "value": str(value),
                            "label": (f.label_en or f.label) if english else f.label})
    verdict = None
    if rules.standing is not None:
        verdict = standing_data.of_enterprise(
            db.session(), rules.standing, clock.today(rules.risk.hazards.timezone), own["id"])
    if verdict is not None:
        verdict["label"] = _(LIST_LABELS[verdict["list"]]) if verdict["list"] else None
        for r in verdict["reasons"]:
            r["text"] = (r["label_en"] or r["label"]) if english else r["label"]
    return {"profile": profile, **(verdict or {"list": None, "reasons": []})}


@bp.get("/api/enterprise")
def api():
    """{uscc, enterprise, points, hazards, self_checks, measures, standing} of the account's
    enterprise (``standing``: {profile, list, label, reasons}, or None)."""
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
