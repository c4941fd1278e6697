"""The grid member's cell page (/cells/<code>).

The page is a view of its JSON twin ``/api/cells/<code>`` (cell, points,
hazards with history): cell.js draws the map and tables from it, records
hazards and moves them through the routes of geoapp.web.hazards.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from geoapp.domain import workflow
from geoapp.store.reads import territory
from geoapp.web import auth, clock, db
from geoapp.web.assets import vendor_url

bp = Blueprint("cells", __name__)


def _rules():
    return current_app.extensions["geoapp.rules"]


@bp.get("/cells/<code>")
def cell_page(code: str):
    """The grid member's page for one cell (JSON twin: /api/cells/<code>)."""
    row = territory.cell_with_names(db.session(), code)
    if row is None:
        return render_template("cells/cell.html", cell=None, code=code), 404
    cell, village, town = row
    rules = _rules()
    can_write = auth.can_write_cell(auth.current_user, cell.code)
    page = _page_data(cell.code, rules)
    return render_template(
        "cells/cell.html", cell=cell, village=village, town=town, can_write=can_write,
        members=[{**m, "tel": _tel(m.get("phone"))} for m in cell.members or []],
        page=page, page_config={**page, "can_write": can_write, "t": _strings()},
        leaflet_css=vendor_url("leaflet", "leaflet.css"),
        leaflet_js=vendor_url("leaflet", "leaflet.js"),
    )


def _strings() -> dict:
    """Every UI text cell.js shows, already translated (cell.js has none of its own)."""
    return {
        "states": {k: _(v) for k, v in workflow.STATE_LABELS.items()},
        "hazard_levels": {k: _(v) for k, v in workflow.LEVEL_LABELS.items()},
        "sources": {k: _(v) for k, v in workflow.SOURCE_LABELS.items()},
        "actions": {k: _(t.label) for k, t in workflow.TRANSITIONS.items()},
        "event_actions": {"create": _("登记"), "import": _("台账导入")},
        "overdue": _("逾期"),
        "listed": _("挂牌督办"),
        "yes": _("是"), "no": _("否"), "none": _("无"),
        "note": _("备注（可选）"),
        "history": _("处理记录"),
        "plan": _("治理方案"),
        "conflict": _("该隐患刚被他人修改，已重新加载最新状态，请确认后再操作。"),
        "failed": _("操作失败"),
        "network": _("网络错误，请稍后重试。"),
        "load_failed": _("数据加载失败"),
        "moved": _("已更新"),
        "created": _("已登记隐患 {code}"),
        "name": _("名称"), "key": _("编号"), "risk": _("风险等级"),
        "open_hazards": _("未销号隐患"), "details": _("详情"),
        "inherent": _("固有"), "record": _("登记隐患"),
        "distance": _("距网格"), "metres": _("米"),
        "outside": _("网格外就近点位"),
        "no_points": _("无"),
        "figures": {"open": _("未销号"), "overdue": _("逾期"), "major_open": _("重大未销号"),
                    "listed_open": _("挂牌未销号"), "total": _("隐患总数")},
        "choose_point": _("请选择点位"),
        "fields": {"point_id": _("点位"), "level": _("隐患等级"),
                   "source": _("隐患来源"), "description": _("隐患描述"), "found_on": _("发现日期"),
                   "deadline": _("整改期限"), "responsible_unit": _("责任单位"),
                   "responsible_person": _("责任人"), "listed": _("挂牌督办"),
                   "plan": _("治理方案"), "plan.goal": _("治理目标和任务"),
                   "plan.measures": _("治理方法和措施"), "plan.funds": _("经费和物资落实"),
                   "plan.emergency_plan": _("安全措施和应急预案")},
    }


def _tel(phone) -> str:
    """A phone number as a tel: target: digits and a leading + only."""
    return re.sub(r"[^0-9+]", "", str(phone or ""))


def _page_data(code: str, rules) -> dict:
    """What cell.js needs besides the cell's data: URLs, labels in the UI language."""
    en = str(get_locale() or "zh") == "en"

    def label(spec):
        return (spec.label_en if en else None) or spec.label

    return {
        "code": code,
        "data_url": url_for("api.cell", code=code),
        "hazard_url": url_for("hazards.hazard", hazard_id=0).removesuffix("0"),
        "new_hazard_url": url_for("hazards.new_hazard", point_id=0).removesuffix("0/hazards"),
        "timezone": rules.risk.hazards.timezone,
        "today": clock.today(rules.risk.hazards.timezone).isoformat(),
        "levels": {lv.code: {"label": label(lv), "colour": lv.colour}
                   for lv in rules.risk.levels},
        "layers": [{"code": c, "label": label(layer),
                    "fields": [{"name": f.name, "label": label(f), "type": f.type}
                               for f in layer.fields if f.name != "name"],
                    "inspection": _inspection(layer.inspection, label)}
                   for c, layer in rules.layers.items()],
        # + "<id>/checklist", "<id>/inspections" (geoapp.web.inspections)
        "inspections_url": url_for("inspections.new_inspection", point_id=0)
        .removesuffix("0/inspections"),
    }


def _inspection(spec, label) -> dict | None:
    """A layer's visit rules for the page (a point's items: its ``checklist`` keys)."""
    if spec is None:
        return None
    return {"every_days": spec.every_days, "remind_days": spec.remind_days,
            "checklist": [{"key": item.key, "label": label(item)} for item in spec.checklist]}
