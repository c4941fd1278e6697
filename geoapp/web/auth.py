"""Accounts on the web: log-in, the read policy, and who may change which cell.

``init_app(app)`` attaches Flask-Login (sessions), Flask-WTF's CSRFProtect
(every POST: form field ``csrf_token`` or header ``X-CSRFToken``) and
Flask-Limiter (failed POST /login, per IP and per username at an IP), and registers
the read policy: with no account at all (a fresh install) reads are open;
once one exists, every page and API read needs a logged-in user — API paths
(/api/…) answer 401 JSON, pages redirect to /login?next=…. Writes always need
a user who may write the cell: ``require_cell_write``. The rules themselves
are geoapp.store.accounts.

Desktop GIS clients read with a personal access token (geoapp.store.tokens)
instead of a session: ``Authorization: Bearer gat_…`` or ``?token=gat_…``,
taken by Flask-Login's request loader on GET/HEAD of /ogc/… and /api/export/…
only (geoapp.web.token_auth), so a token never writes and is no log-in anywhere else. A
request that brings one is the token's (its session cookie is ignored, and it
gets none back); a token that does not count (unknown, revoked, its account
deactivated) is 401 ``invalid_token``.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from geoapp import settings
from geoapp.domain import duties
from geoapp.store import accounts, departments, ownership, scopes
from geoapp.store import audit as audit_log
from geoapp.store.accounts import can_write_cell
from geoapp.store.models import ROLES, Hazard, User
from geoapp.web import db, navigation, token_auth
from geoapp.web.errors import ApiError, error_json, is_api

__all__ = ["actor_name", "can_write_cell", "current_user", "init_app", "may_take",
           "read_scope", "require_in_scope", "require_sector",
           "require_cell_read", "require_cell_write", "require_own_point", "require_point_read",
           "require_point_write",
           "require_role", "steps_allowed"]

bp = Blueprint("auth", __name__)

# Reachable without logging in even once accounts exist (request.endpoint names).
OPEN_ENDPOINTS = frozenset({"auth.login", "auth.logout", "static", "assets.vendor",
                            "assets.favicon"})
# All an enterprise account may open (its own page, its points' checklists, self-checks,
# hazards and photos, its own account); every other endpoint answers it 403. The views
# check besides that the point is its own (require_point_read / require_point_write).
ENTERPRISE_ENDPOINTS = frozenset({
    "enterprise.page", "enterprise.api", "hazards.hazard", "hazards.new_hazard",
    "hazards.move_hazard", "photos.photo", "photos.thumb", "photos.add_hazard_photo",
    "inspections.checklist", "inspections.point_inspections", "inspections.new_inspection",
    "account.page", "account.me", "account.change_password"})
# All a department's account (a supervisor given a 行业主管部门) may open: its sector's page,
# its points' hazards and photos, the measures it records and reads, its own account.
# The views check besides that the point is in its sector (require_own_point …).
DEPARTMENT_ENDPOINTS = frozenset({
    "department.page", "department.api", "hazards.hazard", "photos.photo", "photos.thumb",
    "measures.new_measure", "measures.measures", "measures.attachment",
    "account.page", "account.me", "account.change_password"})
# the public's report form, its filing and the receipt (geoapp.web.public_reports)
# the readiness probe of load balancers (geoapp.web.warmup): says nothing about the data
OPEN_ENDPOINTS |= {"warmup.ready"}
OPEN_ENDPOINTS |= {"public_reports.report_form", "public_reports.file_report",
                   "public_reports.status_page", "public_reports.status"}


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=1024)])


def init_app(app: Flask) -> None:
    for key in ("GEOAPP_RATELIMIT_STORAGE_URI", "GEOAPP_LOGIN_RATE_LIMIT",
                "GEOAPP_LOGIN_ACCOUNT_RATE_LIMIT"):
        app.config[key] = settings.get(key, app.config)
    # a page left open on a phone all day can still post: the token lives as long as the session
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = (settings.get("GEOAPP_SECRET_KEY", app.config)
                                    or instance_secret_key(app.instance_path))
    app.extensions["geoapp.auth"] = {"accounts_exist": False}

    login_manager = LoginManager()
    login_manager.user_loader(_load_user)
    # personal access tokens: GET/HEAD of TOKEN_PATHS only (desktop GIS clients)
    login_manager.request_loader(token_auth.load_user)
    login_manager.init_app(app)
    app.session_interface = token_auth.NoSessionForTokens()
    app.after_request(token_auth.challenge)
    # before CSRFProtect's own hook, so that an anonymous POST gets 401, not 400
    app.before_request(_read_policy)
    CSRFProtect(app)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_blueprint(bp)
    _limit_login(app)
    app.context_processor(lambda: {"can_write_cell": can_write_cell,
                                   "role_labels": accounts.ROLE_LABELS})
    app.add_template_filter(role_label, "role_label")


def role_label(role: str) -> str:
    """A role's name in the page's language (an unknown role as its code)."""
    label = accounts.ROLE_LABELS.get(role)
    return _(label) if label else role


def _limit_login(app: Flask) -> None:
    """Failed log-ins: at most GEOAPP_LOGIN_RATE_LIMIT per client IP, and
    GEOAPP_LOGIN_ACCOUNT_RATE_LIMIT per username *at one IP*.

    The second counts name and address together, so a stranger who knows a
    username locks out only his own address, never the owner elsewhere; its
    longer window slows patient guessing at one account from one address.

    The storage is per app (memory:// is per process: point
    GEOAPP_RATELIMIT_STORAGE_URI at redis when several workers serve).
    """
    limiter = Limiter(get_remote_address, storage_uri=app.config["GEOAPP_RATELIMIT_STORAGE_URI"],
                      key_prefix="geoapp", headers_enabled=True)
    limiter.init_app(app)
    rate = app.config["GEOAPP_LOGIN_RATE_LIMIT"]
    account_rate = app.config["GEOAPP_LOGIN_ACCOUNT_RATE_LIMIT"]

    def failed(response) -> bool:
        return response.status_code != 302  # success redirects

    view = app.view_functions["auth.login"]
    view = limiter.limit(rate, methods=["POST"], deduct_when=failed)(view)
    view = limiter.limit(account_rate, key_func=_account_key, methods=["POST"],
                         deduct_when=failed)(view)
    app.view_functions["auth.login"] = view
    app.extensions["geoapp.limiter"] = limiter


def _account_key() -> str:
    name = (request.form.get("username") or "").strip().casefold()
    return f"user:{name}@{get_remote_address()}"


# ------------------------------------------------------------------ sessions and policy

def _load_user(session_id: str) -> User | None:
    if token_auth.presented_token() is not None:
        return None  # a request with a token is the token's: its session cookie counts not
    user_id, _sep, _fingerprint = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit()):
        return None
    user = accounts.session_user(db.session(), int(user_id))
    if user is None or not user.active or not hmac.compare_digest(
            user.get_id().encode(), session_id.encode()):
        return None  # gone, deactivated, or the password changed since this session began
    return user


def _accounts_exist() -> bool:
    state = current_app.extensions["geoapp.auth"]
    if not state["accounts_exist"]:  # once true it stays true: accounts are deactivated, not lost
        state["accounts_exist"] = accounts.any_user(db.session())
    return state["accounts_exist"]


def _read_policy():
    """Before every request: once accounts exist, nothing but log-in and assets is public."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if token_auth.presented_token() is not None and not current_user.is_authenticated:
        # unknown, revoked, or its account deactivated: 401 whether accounts exist or not
        raise ApiError(401, "invalid_token", _("访问令牌无效、已吊销或账号已停用"))
    if current_user.is_authenticated:
        if (current_user.role == duties.ENTERPRISE and request.endpoint is not None
                and request.endpoint not in ENTERPRISE_ENDPOINTS):
            _abort(403, "forbidden", _("您的账号无权查看此页面"))
        if (departments.is_department(current_user) and request.endpoint is not None
                and request.endpoint not in DEPARTMENT_ENDPOINTS):
            _abort(403, "forbidden", _("部门账号只能查看本行业的点位和隐患"))
        if current_user.role in ROLES:
            return None
        _abort(403, "forbidden", _("您的账号无权查看此页面"))
    if not _accounts_exist():
        return None
    if is_api():
        _abort(401, "unauthorized", _("请先登录"))
    target = None
    if request.method == "GET":
        target = request.script_root + request.path
        if request.query_string:
            target += "?" + request.query_string.decode("utf-8", "replace")
    return redirect(url_for("auth.login", next=target))


def _abort(status: int, code: str, message: str):
    """Stop the request: JSON {error, message} under /api/, the plain error page elsewhere."""
    if is_api():
        raise ApiError(status, code, message)
    abort(status, description=message)


def read_scope() -> scopes.Scope:
    """The logged-in account's area scope (geoapp.store.scopes), resolved once per request.

    Nobody logged in: the whole territory, which only the app without accounts
    reaches (the read policy sends everyone else to log in first).
    """
    if "geoapp_scope" not in g:
        user = current_user if current_user.is_authenticated else None
        g.geoapp_scope = scopes.scope_of(db.session(), user)
    return g.geoapp_scope


def require_in_scope(cell_code: str | None) -> None:
    """403 unless the cell ``cell_code`` (None: outside every cell) is in the account's scope."""
    if not read_scope().has_cell(cell_code):
        _abort(403, "out_of_scope", _("该网格不在您的辖区范围内"))


def require_cell_write(cell_code: str | None) -> None:
    """Abort unless the logged-in user may change hazards in ``cell_code``.

    401 when nobody is logged in, 403 for a role or cell that may not
    (admin: any cell, also None = outside every cell; grid: own cells only;
    leader, planner: none). Under /api/ the error is JSON {error, message}.
    """
    if not current_user.is_authenticated:
        _abort(401, "unauthorized", _("请先登录"))
    if not can_write_cell(current_user, cell_code) or not read_scope().has_cell(cell_code):
        _abort(403, "forbidden", _("您的账号无权修改该网格的隐患"))


def hazard_to_write(hazard_id: int) -> tuple[str, Hazard]:
    """The logged-in actor and the hazard they may change: 401, then 404, then 403.

    In that order, so that nobody learns whether a hazard exists before logging in.
    """
    actor = actor_name()
    hazard = db.session().get(Hazard, hazard_id)
    if hazard is None:
        raise ApiError(404, "not_found", f"no hazard {hazard_id}")
    require_point_write(hazard.point)
    return actor, hazard


def require_point_write(point) -> None:
    """As require_cell_write for the point's cell; an enterprise account: its own points only
    (geoapp.store.ownership), 403 for any other."""
    if ownership.is_enterprise(current_user):
        if not ownership.owns_point(current_user, point):
            _abort(403, "forbidden", _("您的账号只能办理本企业的点位"))
        return
    require_cell_write(point.cell_code)


def require_sector(point) -> None:
    """For a department's account, 403 ``out_of_sector`` unless ``point`` is in its sector."""
    if departments.is_department(current_user) and not departments.in_sector(
            db.session(), current_app.extensions["geoapp.rules"], current_user, point):
        _abort(403, "out_of_sector", _("该点位不属于您部门主管的行业"))


def require_own_point(point) -> None:
    """Before a read of ``point``: for an enterprise account 403 unless the point is its own;
    for any other, 403 unless its home cell (its cell, or the nearest for a point outside
    every cell) is in the account's area scope, and for a department's account its sector."""
    if ownership.is_enterprise(current_user):
        if not ownership.owns_point(current_user, point):
            _abort(403, "forbidden", _("您的账号只能查看本企业的点位"))
        return
    require_sector(point)
    require_in_scope(point.cell_code or point.nearest_cell_code)


def require_point_read(point) -> None:
    """As require_cell_read for the point's cell (None: a photo of no point, e.g. a public
    report's); an enterprise account: its own points only, 403 for any other."""
    if ownership.is_enterprise(current_user):
        if not ownership.owns_point(current_user, point):
            _abort(403, "forbidden", _("您的账号只能查看本企业的点位"))
        return
    require_sector(point)
    require_cell_read(None if point is None else point.cell_code)


def steps_allowed(hazard: dict, cell_code: str | None, point=None) -> list[str]:
    """The workflow steps the logged-in user may take on a hazard (its JSON, with events).

    What the cell page offers (``my_actions``): the hazard's cell (``cell_code``,
    None: outside every cell) must be one the user writes, then the
    hazard file's ``[steps]`` (geoapp.domain.duties). An enterprise account
    writes its own points (``point``) instead of cells. The server checks every
    step again when it is taken.
    """
    user = current_user
    if departments.is_department(user):
        return []  # a department records measures; the hazard's steps are the cell's people's
    if ownership.is_enterprise(user):
        if not ownership.owns_point(user, point):
            return []
    elif (not user.is_authenticated or not can_write_cell(user, cell_code)
          or not read_scope().has_cell(cell_code)):
        return []
    steps = current_app.extensions["geoapp.rules"].tables["hazard"].steps
    return duties.permitted(steps, user.role, user.username, hazard["state"], hazard["level"],
                            hazard.get("submitted_by"))


def may_take(step: str) -> bool:
    """May the logged-in user take ``step`` (create, list…) by the hazard file's ``[steps]``?"""
    user = current_user
    if not user.is_authenticated:
        return False
    steps = current_app.extensions["geoapp.rules"].tables["hazard"].steps
    return duties.refusal(steps, user.role, user.username, step, level="general") is None


def require_cell_read(cell_code: str | None) -> None:
    """Abort unless the logged-in user may see the evidence (photos) of ``cell_code``.

    Follows the read policy (open while no account exists, then 401 without
    a session) and then accounts.can_read_cell: 403 for a grid member of
    other cells.
    """
    if not current_user.is_authenticated:
        if _accounts_exist():
            _abort(401, "unauthorized", _("请先登录"))
        return
    if not accounts.can_read_cell(current_user, cell_code) or not read_scope().has_cell(cell_code):
        _abort(403, "forbidden", _("您的账号无权查看该网格的照片"))


def require_role(*roles: str) -> None:
    """Abort unless the logged-in user has one of ``roles`` (views limited to some roles).

    Follows the read policy: while no account exists (a fresh install) the
    view is open; afterwards 401 without a session, 403 for another role.
    """
    if current_user.is_authenticated:
        if current_user.role not in roles:
            _abort(403, "forbidden", _("您的账号无权查看此页面"))
    elif _accounts_exist():
        _abort(401, "unauthorized", _("请先登录"))


def actor_name() -> str:
    """The username of the logged-in user: the actor recorded on every change."""
    if not current_user.is_authenticated:
        _abort(401, "unauthorized", _("请先登录"))
    return current_user.username


def _csrf_failed(exc: CSRFError):
    if is_api():
        return error_json(400, "csrf_failed", _("页面已过期，请刷新后重试"))
    if request.endpoint == "auth.login":
        return render_template("auth/login.html", form=LoginForm(),
                               error=_("页面已过期，请重新登录")), 400
    return exc


# ------------------------------------------------------------------ views

@bp.route("/login", methods=["GET", "POST"])
def login():
    """The log-in form (username, password, csrf_token); a good POST signs in and redirects."""
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(target or navigation.home_for(current_user)[0])
        return render_template("auth/login.html", form=form)
    if form.validate_on_submit():
        session = db.session()
        user = accounts.authenticate(session, form.username.data, form.password.data)
        if user is not None:
            audit_log.record(session, "login", user.username, target=user.username,
                             ip=request.remote_addr)
            session.commit()  # with it, a hash rehashed with today's parameters
            login_user(user)
            if user.role == duties.ENTERPRISE or departments.is_department(user):
                target = None  # a link into staff pages would only answer it 403
            return redirect(target or navigation.home_for(user)[0])
        # the name tried, never the password
        tried = form.username.data.strip()[:64]
        audit_log.record(session, "login_failed", tried, target=tried, ip=request.remote_addr)
        session.commit()
    # one message for unknown name, wrong password and inactive account: no enumeration
    return render_template("auth/login.html", form=form, error=_("用户名或密码错误"))


@bp.errorhandler(429)
def _too_many_attempts(_exc):
    return render_template("auth/login.html", form=LoginForm(),
                           error=_("登录失败次数过多，请稍后再试")), 429


@bp.post("/logout")
def logout():
    """End the session, and with it every session of this account (accounts.end_sessions).

    Clearing the cookie alone would leave a copied cookie valid: the server
    keeps no list of sessions, so it ends them all by raising the generation.
    """
    if current_user.is_authenticated:
        accounts.end_sessions(current_user._get_current_object())  # loaded by db.session()
        audit_log.record(db.session(), "logout", current_user.username,
                         target=current_user.username, ip=request.remote_addr)
        db.session().commit()
    logout_user()
    return redirect(url_for("auth.login"))


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects).

    Examples
    --------
    >>> [safe_next(t) for t in ["/cells/A?x=1", "//evil.example", "https://evil.example/",
    ...                         "/\\\\evil.example", "cells", None]]
    ['/cells/A?x=1', None, None, None, None, None]
    """
    if not target or not target.startswith("/") or "\\" in target:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


# ------------------------------------------------------------------ the secret key

def instance_secret_key(instance_path: str) -> str:
    """The key in ``<instance>/secret_key`` (mode 0600), made by the first process that asks.

    gunicorn workers start together: each writes a candidate to a private
    temporary file and hard-links it into place, which succeeds for exactly
    one of them; all then read the same file, so sessions made by one worker
    are valid in every other and survive restarts.
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it to have a new key made")
    return key
