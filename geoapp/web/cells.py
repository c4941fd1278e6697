"""The grid member's cell page (/cells/<code>), built for a phone on a round.

The page is a view of its JSON twin ``/api/cells/<code>`` (cell, points with
their visit status, hazards with history): the scripts under static/cell/
draw it, record visits and hazards and move hazards through the routes of
geoapp.web.hazards and the inspection API. Texts the scripts show come from
here, translated (``page_config.t``).
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from geoapp.domain import duties, extensions, hazard_input, measures, workflow
from geoapp.domain import listing as listing_rules
from geoapp.store import accounts
from geoapp.store.models import Cell
from geoapp.store.reads import territory
from geoapp.web import auth, clock, db, hazards
from geoapp.web.assets import vendor_url

bp = Blueprint("cells", __name__)

# A new hazard's responsible unit, person and phone, pre-filled from the point's ledger:
# the first of these fields the point has a value in (the layers name them differently:
# an enterprise is its own unit, a confined space belongs to an enterprise, an idle
# site has an owner and a named person in charge).
PREFILL = {
    "unit": ("enterprise_name", "owner", "@name"),
    "person": ("responsible", "contact"),
    # each phone beside the one it belongs to: an idle site's 产权人 (the unit), an
    # enterprise's contact (the person)
    "unit_phone": ("owner_phone",),
    "person_phone": ("phone",),
}
# deadline shortcuts, in days from the day found
DEADLINE_DAYS = (3, 7, 15, 30)
MAX_PHOTOS = 9


def _rules():
    return current_app.extensions["geoapp.rules"]


@bp.get("/cells/<code>")
def cell_page(code: str):
    """The grid member's page for one cell (JSON twin: /api/cells/<code>)."""
    row = territory.cell_with_names(db.session(), code)
    if row is None:
        return render_template("cells/cell.html", cell=None, code=code), 404
    auth.require_in_scope(code)
    cell, village, town = row
    rules = _rules()
    user = auth.current_user
    can_write = auth.can_write_cell(user, cell.code)
    page = _page_data(cell.code, rules)
    config = {**page, "can_write": can_write,
              # points outside every cell: only for those who may write there (admin)
              "can_write_outside": auth.can_write_cell(user, None),
              # level and listing are the supervising authority's (the edit form shows them)
              "can_decide": accounts.can_decide(user) and can_write,
              # 挂牌督办's steps (geoapp.web.listings): the roles of layers/supervision.toml
              "can_list": hazards.may_list(user),
              # extensions (延期): the responsible side asks, a supervisor decides
              "can_request_extension": can_write and extensions.may_request(
                  getattr(user, "role", "")),
              "can_decide_extension": extensions.may_decide(getattr(user, "role", "")),
              # supervisory measures: supervisors, leaders, admins (geoapp.domain.measures)
              "can_measure": measures.may_record(getattr(user, "role", None))
              and getattr(user, "is_authenticated", False),
              "me": _me(user), "t": _strings()}
    return render_template(
        "cells/cell.html", cell=cell, village=village, town=town, can_write=can_write,
        members=[{**m, "tel": _tel(m.get("phone"))} for m in cell.members or []],
        my_cells=_my_cells(user, cell.code), page=page, page_config=config,
        leaflet_css=vendor_url("leaflet", "leaflet.css"),
        leaflet_js=vendor_url("leaflet", "leaflet.js"),
    )


def _me(user) -> dict | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return {"username": user.username, "name": user.display_name or user.username,
            "role": user.role}


def _my_cells(user, current: str) -> list[dict]:
    """The cells the logged-in grid member works, for the switcher (only when more than one)."""
    codes = list(getattr(user, "cell_codes", None) or []) if getattr(
        user, "is_authenticated", False) else []
    if len(codes) < 2:
        return []
    names = dict(db.session().execute(
        Cell.__table__.select().with_only_columns(Cell.code, Cell.name)
        .where(Cell.code.in_(codes))).all())
    return [{"code": c, "name": names.get(c, c), "current": c == current,
             "url": url_for("cells.cell_page", code=c)} for c in codes]


def _strings() -> dict:
    """Every UI text the page's scripts show, already translated (they have none of their own)."""
    return {
        "states": {k: _(v) for k, v in workflow.STATE_LABELS.items()},
        "hazard_levels": {k: _(v) for k, v in workflow.LEVEL_LABELS.items()},
        "sources": {k: _(v) for k, v in workflow.SOURCE_LABELS.items()},
        "actions": {k: _(t.label) for k, t in workflow.TRANSITIONS.items()},
        "event_actions": {"extension_request": _("申请延期"), "extension_approve": _("批准延期"),
                          "extension_refuse": _("不批准延期"),
                          "create": _("登记"), "import": _("台账导入"), "edit": _("修改"),
                          "photo": _("添加照片"), "list": _("挂牌督办"),
                          "publish": _("登记公布"), "delist": _("摘牌"),
                          "measure": _("督办措施")},
        "measure_kinds": {k: _(v) for k, v in measures.KIND_LABELS.items()},
        "measure": {"title": _("督办措施"), "none": _("暂无督办措施"),
                    "record": _("记录督办措施"), "save": _("保存措施"),
                    "saved": _("督办措施已记录"), "kind": _("措施类型"), "date": _("日期"),
                    "unit": _("发出单位"), "recipient": _("对象"), "note": _("说明（可选）"),
                    "referred_to": _("移送部门"), "attachment": _("附件"),
                    "attachment_hint": _("（可选，PDF 或图片）"), "recorded_by": _("记录人"),
                    "enterprise_id": _("企业"), "hazard_id": _("隐患")},
        "visit": {"overdue": _("逾期未巡查"), "due": _("待巡查"), "visited": _("已巡查")},
        "results": {"ok": _("合格"), "fail": _("不合格"), "na": _("不适用")},
        "overdue": _("逾期"),
        "listed": _("挂牌督办"),
        "yes": _("是"), "no": _("否"), "none": _("无"),
        "note": _("备注（可选）"),
        "submitted_by": _("提请验收人"), "hazard": _("隐患"),
        # the confirmation of a review step (审核把关销号): what will happen, the note it needs
        "confirm": {
            "title": _("确认："), "ok": _("确认"),
            "accept": {"what": _("验收通过后隐患销号（已销号），记入处理记录，不能撤回。"),
                       "note": _("验收意见（必填）"), "note_missing": _("请填写验收意见")},
            "reject": {"what": _("退回后隐患回到“整改中”，由责任方重新整改后再提请验收。"),
                       "note": _("退回原因（必填）"), "note_missing": _("请填写退回原因")},
            "start": {"what": "", "note": _("备注"), "note_missing": _("请填写意见")},
            "submit": {"what": "", "note": _("备注"), "note_missing": _("请填写意见")},
        },
        "history": _("处理记录"),
        "plan": _("治理方案"),
        "conflict": _("该隐患刚被他人修改，已重新加载最新状态，请确认后再操作。"),
        "failed": _("操作失败"),
        "network": _("网络错误，请稍后重试。"),
        "load_failed": _("数据加载失败"),
        "stale": _("下面显示的是上次加载的数据，可能已过时"),
        "moved": _("已更新"),
        "created": _("已登记隐患 {code}"),
        "saved": _("已保存"),
        "name": _("名称"), "key": _("编号"), "risk": _("风险等级"),
        "open_hazards": _("未销号隐患"), "details": _("详情"),
        "inherent": _("固有"), "record": _("登记隐患"), "visit_action": _("巡查"),
        "level_reasons": _("定级依据"),
        "distance": _("距网格"), "metres": _("米"),
        "outside": _("网格外就近点位"),
        "no_points": _("无"),
        "figures": {"open": _("未销号"), "overdue": _("逾期"), "major_open": _("重大未销号"),
                    "listed_open": _("挂牌未销号"), "total": _("隐患总数")},
        "choose_point": _("请选择点位"),
        "todo": {"due": _("待巡查"), "all": _("查看全部 {n} 项"), "overdue_visits": _("逾期未巡查"),
                 "mine": _("待我处理"), "deadline": _("逾期及7日内到期"), "empty": _("暂无待办"),
                 "late": _("已逾期 {n} 天"),
                 "days_left": _("还剩 {n} 天"), "today": _("今天到期")},
        "closed_fold": _("已销号 {n} 条"),
        "listing": {
            "levels": {k: _(v) for k, v in listing_rules.LEVELS.items()},
            "level": _("挂牌级别"), "unit": _("督办单位"), "listed_on": _("挂牌日期"),
            "deadline": _("督办期限"), "published_on": _("挂牌公布"),
            "delisted_on": _("摘牌日期"), "delisting_published_on": _("摘牌公布"),
            "unknown": _("不详"), "unknown_date": _(listing_rules.UNKNOWN_DATE),
            "due_by": _("未公布，应于 {d} 前公布"), "not_published": _("未公布"),
            "late": _("（逾期）"),
            "list": _("挂牌督办"), "publish_listing": _("登记挂牌公布"), "delist": _("摘牌"),
            "publish_delisting": _("登记摘牌公布"), "published_date": _("公布日期"),
            "delisted_date": _("摘牌日期"),
            "fields": {"level": _("挂牌级别"), "unit": _("督办单位"), "deadline": _("督办期限"),
                       "date": _("日期"), "kind": _("公布事项")}},
        "last_visit": _("上次巡查"), "next_due": _("下次应巡查"), "never": _("从未巡查"),
        "phone": _("电话"), "call": _("拨打"),
        "edit": _("编辑"), "cancel": _("取消"), "save": _("保存"),
        "edited": _("已保存修改"),
        "photos": _("照片"), "after_photos": _("整改后照片"),
        "photos_hint": _("1–9 张，上传前自动压缩"), "photo_count": _("已选 {n} 张"),
        "too_many_photos": _("最多 9 张照片"),
        "photo_failed": _("照片无法读取：{name}"),
        "photo_required": _("重大隐患提请验收须附至少一张整改后照片"),
        "visit_title": _("巡查记录"), "visit_note": _("总体情况（可选）"),
        "item_note": _("说明（可选）"),
        "visit_saved": _("巡查已记录"), "visit_distance": _("距点位 {d} 米"),
        "visit_no_position": _("未获取定位"),
        "position": _("定位"), "position_wait": _("正在获取定位…"),
        "position_ok": _("已定位，精度约 {a} 米"),
        "position_none": _("无法获取定位（可不定位保存）"),
        "checklist_missing": _("请为每一项选择 合格 / 不合格 / 不适用"),
        "failed_item": _("不合格项"), "record_from_item": _("登记隐患"),
        "inspections": _("巡查记录"), "no_inspections": _("暂无巡查记录"),
        "point_history": _("点位变更"),
        "submit_visit": _("保存巡查"), "submit_hazard": _("登记"),
        "deadline_in": _("{n}天"),
        "offline": _("离线：已保存的内容会在联网后自动发送"),
        "online_again": _("已恢复联网"),
        "queued": _("已保存在手机上，联网后自动发送"),
        "queue_count": _("待发送 {n} 条"), "queue_send": _("立即发送"),
        "queue_discard": _("放弃"), "queue_sent": _("离线保存的记录已发送"),
        "queue_failed": _("未能保存：{label}（{message}）"),
        "draft": _("草稿"),
        "needs_online": _("此操作需要联网"),
        "login_title": _("登录已过期，请重新登录，填写的内容不会丢失"),
        "username": _("用户名"), "password": _("密码"), "login": _("登录"),
        "login_failed": _("用户名或密码错误"),
        "changes": _("修改"),
        "extensions": _extension_strings(),
        "switch_cell": _("切换网格"),
        # the fields a form or an event's changes name (hazard_input.FIELD_LABELS: edits
        # and ledger re-imports), and the form's own
        "fields": {**{k: _(v) for k, v in hazard_input.FIELD_LABELS.items()},
                   "coordinates": _("坐标"), "name": _("名称"),
                   "point_id": _("点位"), "level": _("隐患等级"),
                   "source": _("隐患来源"), "description": _("隐患描述"), "found_on": _("发现日期"),
                   "deadline": _("整改期限"), "responsible_unit": _("责任单位"),
                   "responsible_person": _("责任人"), "listed": _("挂牌督办"),
                   "authority": _("主管部门"),
                   "plan": _("治理方案"), "plan.goal": _("治理目标和任务"),
                   "plan.measures": _("治理方法和措施"), "plan.funds": _("经费和物资落实"),
                   "plan.emergency_plan": _("安全措施和应急预案"), "photos": _("照片"),
                   "checklist": _("检查项"), "note": _("备注")},
    }


def _extension_strings() -> dict:
    """The texts of the extension (延期) block (static/cell/extensions.js)."""
    return {
        "title": _("延期申请"), "request": _("申请延期"), "submit": _("提交延期申请"),
        "until": _("延期至"), "reason": _("延期理由"),
        "reason_hint": _("说明不能按期完成整改的原因"),
        "rule": _("须在整改期限届满前申请，由监管人员审批"),
        "states": {k: _(v) for k, v in extensions.STATE_LABELS.items()},
        "decide_title": _("申请将整改期限由 {old} 延至 {until}"),
        "note": _("审批意见"), "note_hint": _("审批意见（不批准时必填）"),
        "approve": _("批准延期"), "refuse": _("不批准"),
        "requested": _("已提交延期申请"), "approved": _("已批准延期"), "refused": _("已不批准延期"),
        "original": _("（原期限 {date}）"), "extended": _("已延期"),
        "fields": {"until": _("延期至"), "reason": _("延期理由"), "note": _("审批意见"),
                   "approve": _("审批")},
    }


def _tel(phone) -> str:
    """A phone number as a tel: target: digits and a leading + only."""
    return re.sub(r"[^0-9+]", "", str(phone or ""))


def _page_data(code: str, rules) -> dict:
    """What the scripts need besides the cell's data: URLs, labels in the UI language."""
    en = str(get_locale() or "zh") == "en"

    def label(spec):
        return (spec.label_en if en else None) or spec.label

    evidence = rules.tables["hazard"].evidence if "hazard" in rules.tables else None
    return {
        "code": code,
        "data_url": url_for("api.cell", code=code),
        "hazard_url": url_for("hazards.hazard", hazard_id=0).removesuffix("0"),
        "point_url": url_for("hazards.new_hazard", point_id=0).removesuffix("0/hazards"),
        "new_hazard_url": url_for("hazards.new_hazard", point_id=0).removesuffix("0/hazards"),
        "photo_url": url_for("api.cell", code="x").removesuffix("cells/x") + "photos/",
        "login_url": url_for("auth.login"),
        # + "<id>/decision" (geoapp.web.extensions)
        "extension_url": url_for("extensions.decide_extension", extension_id=0)
        .removesuffix("0/decision"),
        "timezone": rules.risk.hazards.timezone,
        "today": clock.today(rules.risk.hazards.timezone).isoformat(),
        "prefill": PREFILL,
        "deadline_days": list(DEADLINE_DAYS),
        "max_photos": MAX_PHOTOS,
        "major_submit_needs_photo": evidence.major_submit_needs_photo if evidence else True,
        # the steps that ask for confirmation and a note (accept, reject: [steps] needs_note)
        "needs_note": list((rules.tables["hazard"].steps or duties.StepsSpec()).needs_note),
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
        "measures_url": url_for("measures.measures"),  # + "/<id>/attachment"
    }


def _inspection(spec, label) -> dict | None:
    """A layer's visit rules for the page (a point's items: its ``checklist`` keys)."""
    if spec is None:
        return None
    return {"every_days": spec.every_days, "remind_days": spec.remind_days,
            "checklist": [{"key": item.key, "label": label(item)} for item in spec.checklist]}
