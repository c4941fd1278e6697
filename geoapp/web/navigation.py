"""The top bar's links: one entry per page, shown to the roles that may open it."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from geoapp.domain import duties
from geoapp.store.departments import is_department

# (endpoint, label, roles that see the link; None = every role but enterprise, which opens
# its own page only: geoapp.web.auth.ENTERPRISE_ENDPOINTS)
PAGES = (
    ("map.map_page", _l("风险地图"), None),
    ("admission.page", _l("准入核查"), ("planner", "leader", "admin")),
    ("zones.index", _l("功能区"), ("leader", "supervisor", "admin", "planner")),
    ("admission_checks.page", _l("核查登记"), ("planner", "leader")),
    ("reports.page", _l("统计报表"), None),
    ("dashboard.page", _l("驾驶舱"), None),  # who reads the reports reads their dashboard
    ("listings.due_page", _l("挂牌督办"), ("leader", "supervisor", "admin")),
    ("accidents.page", _l("事故台账"), ("leader", "supervisor", "admin")),
    ("accounts_admin.page", _l("账号管理"), ("admin",)),
    ("imports_admin.page", _l("数据导入"), ("admin",)),
    ("basemap.page", _l("离线底图"), ("admin",)),
    ("rules_admin.page", _l("规则与目录"), ("admin",)),
    ("audit.page", _l("审计日志"), ("admin",)),
    ("export.page", _l("数据导出"), ("leader", "supervisor", "admin", "planner", "grid")),
    ("enterprise.page", _l("本企业"), ("enterprise",)),
    ("department.page", _l("本部门"), None),  # a department's account only (links() below)
    ("public_reports.queue_page", _l("群众举报"), ("grid", "supervisor", "admin", "leader")),
)


# pages opened now and then: under the top bar's 更多 (base.html), so that the daily pages
# keep one line at 1440 px in either language
MORE = {"zones.index", "admission_checks.page", "accidents.page", "export.page",
        "basemap.page", "rules_admin.page", "audit.page"}


def links() -> list[dict]:
    """The links for the current user; pages whose blueprint is not registered are left out.
    ``more``: the link goes under the top bar's 更多 menu."""
    role = current_user.role if current_user.is_authenticated else None
    sector = is_department(current_user)  # opens its own page only (DEPARTMENT_ENDPOINTS)
    out = []
    for endpoint, label, roles in PAGES:
        if endpoint not in current_app.view_functions:
            continue
        if sector != (endpoint == "department.page"):
            continue
        if roles is not None and role is not None and role not in roles:
            continue
        if roles is None and role == "enterprise":
            continue
        out.append({"url": url_for(endpoint), "label": str(label),
                    "current": request.endpoint == endpoint, "more": endpoint in MORE})
    if role == "grid" and current_user.cell_codes:
        code = current_user.cell_codes[0]
        out.append({"url": url_for("cells.cell_page", code=code), "label": str(_l("我的网格")),
                    "current": request.view_args == {"code": code}, "more": False})
    return out


def home_for(user) -> tuple[str, str]:
    """A user's home page and its link text: where they land after logging in, and where an
    error page sends them back to (a grid member's first cell, an enterprise's own page, else
    the risk map)."""
    views = current_app.view_functions
    try:
        if user.role == duties.ENTERPRISE and "enterprise.page" in views:
            return url_for("enterprise.page"), str(_l("返回本企业页面"))
        if is_department(user) and "department.page" in views:
            return url_for("department.page"), str(_l("返回本部门页面"))
        if user.role == "grid" and user.cell_codes and "cells.cell_page" in views:
            return (url_for("cells.cell_page", code=user.cell_codes[0]),
                    str(_l("返回我的网格")))
        if "map.map_page" in views:
            return url_for("map.map_page"), str(_l("返回风险地图"))
    except BuildError:
        pass
    return request.script_root + "/", str(_l("返回首页"))


def init_app(app: Flask) -> None:
    app.context_processor(lambda: {"nav_links": links})
