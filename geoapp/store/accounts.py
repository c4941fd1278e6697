"""Accounts: users, roles, passwords and who may change which cell (no Flask here).

Six roles: ``leader`` and ``planner`` read; ``grid``
members change hazards in the cells they work (``user_cell``);
``supervisor`` (安监站 or a sector department's staff) reviews hazards in
every cell: the steps each role may take are geoapp.domain.duties; ``admin``
changes anything; an ``enterprise`` account speaks for one enterprise of the
ledger (``enterprise_uscc``) and reads and writes its own points only
(geoapp.store.ownership). Passwords are stored as argon2id hashes (argon2-cffi's
defaults, RFC 9106) and rehashed at log-in when those parameters change.
The web side (sessions, CSRF, rate limits) is geoapp.web.auth.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import orm
from sqlalchemy.orm import Session

from geoapp.domain import duties
from geoapp.domain.identifiers import uscc_problem
from geoapp.store import scopes
from geoapp.store.models import ROLES, Cell, Point, User, UserCell

__all__ = ["ROLES", "AccountError", "authenticate", "can_read_cell", "can_write_cell",
           "create_user",
           "end_sessions", "hash_password", "set_active", "set_cells", "set_password"]

ROLE_LABELS = duties.ROLE_LABELS
MIN_PASSWORD = 8
# letters (any script, so 张三 is a valid name), digits and . _ @ -
_USERNAME = re.compile(r"[\w.@-]{1,64}")

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A username, role, cell or password that cannot be used; the message says why."""


def hash_password(password: str) -> str:
    """An argon2id PHC string for ``password``.

    Examples
    --------
    >>> hash_password("correct horse").startswith("$argon2id$")
    True
    """
    return _hasher.hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return hash_password("no such user")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None.

    An unknown name costs one hash verification too, so response times do
    not tell which names exist. A hash made with older parameters is
    replaced (the caller commits).
    """
    user = find_user(session, username)
    if user is None:
        check_password(_dummy_hash(), password)
        return None
    if not check_password(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(sa.select(User).where(User.username == (username or "").strip()))


def session_user(session: Session, user_id: int) -> User | None:
    """The account a session cookie names, its cells and areas left to load when read.

    On every request: the relationships' own eager loading (selectin) would add two
    queries to each, though an administrator reads neither, a grid member only its
    cells and a scoped account only its areas (geoapp.store.scopes.scope_of)."""
    return session.get(User, user_id,
                       options=[orm.lazyload(User.cell_links), orm.lazyload(User.area_links)])


def any_user(session: Session) -> bool:
    """True once any account exists (then every read needs a log-in)."""
    return session.scalar(sa.select(User.id).limit(1)) is not None


def can_write_cell(user, cell_code: str | None) -> bool:
    """May ``user`` change hazards in the cell ``cell_code`` (None: outside every cell)?

    Admin and supervisor: any, including points outside every cell (which
    steps a supervisor may take there is geoapp.domain.duties); grid: only
    their own cells; leader and planner: none; nobody logged in: none.

    Examples
    --------
    >>> grid = User(username="g", role="grid", active=True, cell_links=[UserCell(cell_code="A")])
    >>> can_write_cell(grid, "A"), can_write_cell(grid, "B"), can_write_cell(grid, None)
    (True, False, False)
    >>> can_write_cell(User(role="admin", active=True), None)
    True
    >>> can_write_cell(User(role="supervisor", active=True), "B")
    True
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in ("admin", "supervisor"):
        return True
    return user.role == "grid" and cell_code is not None and cell_code in user.cell_codes


def can_read_cell(user, cell_code: str | None) -> bool:
    """May ``user`` see the evidence (photos) of the cell ``cell_code`` (None: outside every cell)?

    Leader, planner, supervisor and admin: every cell, and points outside every cell;
    grid: only their own cells (a member's photos of a site are for the
    member's supervisors, not for the next cell's member); nobody logged in:
    none (the web side opens reads to everyone only while no account exists).

    Examples
    --------
    >>> grid = User(username="g", role="grid", active=True, cell_links=[UserCell(cell_code="A")])
    >>> can_read_cell(grid, "A"), can_read_cell(grid, "B"), can_read_cell(grid, None)
    (True, False, False)
    >>> can_read_cell(User(role="leader", active=True), None)
    True
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in ("leader", "planner", "supervisor", "admin"):
        return True
    return user.role == "grid" and cell_code is not None and cell_code in user.cell_codes


def validate_password(password: str) -> None:
    if not password or len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")


def missing_cells(session: Session, codes: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    found = set(session.scalars(sa.select(Cell.code).where(Cell.code.in_(codes))))
    return [c for c in codes if c not in found]


def checked_uscc(session: Session, uscc: str | None) -> str:
    """``uscc`` trimmed and upper-cased, if it is a valid USCC (its check character too,
    geoapp.domain.identifiers) of an enterprise in the ledger; else AccountError saying why.

    The ledger's enterprise is the point of layer enterprise keyed by it (the match
    geoapp.store.ownership makes).
    """
    code = (uscc or "").strip().upper()
    problem = uscc_problem(code)
    if problem is not None:
        raise AccountError(f"USCC {code!r}: {problem}")
    found = session.scalar(sa.select(Point.id).where(Point.layer == "enterprise",
                                                      Point.key == code).limit(1))
    if found is None:
        raise AccountError(f"USCC {code!r}: no enterprise with this code in the ledger "
                           "(import the enterprise ledger first)")
    return code


def create_user(session: Session, username: str, role: str, password: str,
                cells: Iterable[str] = (), display_name: str | None = None,
                enterprise: str | None = None,
                areas: Iterable[tuple[str, str]] = ()) -> User:
    """Add an account; raises AccountError naming what is wrong, and adds nothing then.

    A grid member needs at least one cell and every cell must exist; other
    roles take no cells. An enterprise account needs the USCC of an enterprise in
    the ledger (``enterprise``, checked_uscc); other roles take none. The
    password needs ``MIN_PASSWORD`` characters.
    """
    username = (username or "").strip()
    if not _USERNAME.fullmatch(username):
        raise AccountError(f"username {username!r}: use 1–64 letters, digits, '.', '_', '@' "
                           "or '-'")
    if role not in ROLES:
        raise AccountError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    cells = list(dict.fromkeys(cells))
    if role == "grid" and not cells:
        raise AccountError("a grid member needs at least one cell (--cell CODE)")
    if role != "grid" and cells:
        raise AccountError(f"only grid members work cells; role {role!r} takes no --cell")
    unknown = missing_cells(session, cells)
    if unknown:
        raise AccountError(f"no cell with code {', '.join(map(repr, unknown))}")
    if role == duties.ENTERPRISE:
        if not (enterprise or "").strip():
            raise AccountError("an enterprise account needs its enterprise's USCC "
                               "(--enterprise USCC)")
        enterprise = checked_uscc(session, enterprise)
    elif enterprise:
        raise AccountError(f"only enterprise accounts speak for an enterprise; role {role!r} "
                           "takes no --enterprise")
    taken = session.scalar(sa.select(User.username).where(
        sa.func.lower(User.username) == username.lower()))
    if taken is not None:  # "Zhang" beside "zhang" would only confuse
        raise AccountError(f"user {taken!r} already exists")
    areas = checked_areas(session, role, areas)
    validate_password(password)
    user = User(username=username, role=role, display_name=checked_name(display_name),
                password_hash=hash_password(password), active=True,
                enterprise_uscc=enterprise or None)
    set_cells(user, cells)
    scopes.set_areas(user, areas)
    session.add(user)
    return user


def checked_areas(session: Session, role: str, areas: Iterable[tuple[str, str]]
                  ) -> list[tuple[str, str]]:
    """The area scope of an account of ``role``: only leaders, planners and supervisors
    take areas (none: the whole territory); each must name a town, village, cell or zone."""
    areas = list(areas)
    if areas and role not in scopes.AREA_ROLES:
        reason = {"grid": "a grid member reads the cells they work (--cell)",
                  "admin": "an administrator reads the whole territory"}.get(
            role, f"role {role!r} is not scoped by area")
        raise AccountError(f"areas: {reason}; only {', '.join(scopes.AREA_ROLES)} take "
                           "--town/--village/--cell/--zone")
    try:
        return scopes.checked_areas(session, areas)
    except scopes.ScopeError as exc:
        raise AccountError(f"areas: {exc}") from None


def checked_name(name: str | None) -> str | None:
    """A person's real name as shown on visits and pages: trimmed, 1–100 printable characters.

    None or blank means no name (the username is shown instead).
    """
    name = (name or "").strip()
    if not name:
        return None
    if len(name) > 100 or not name.isprintable():
        raise AccountError(f"name {name[:20]!r}…: at most 100 printable characters"
                           if len(name) > 100 else f"name {name!r}: no control characters")
    return name


_PHONE = re.compile(r"\+?[0-9][0-9 -]{3,18}[0-9]")


def checked_phone(phone: str | None) -> str | None:
    """A phone number as offices write them (13800001234, 0510-8888 1234, +86 …);
    None for blank.

    >>> checked_phone(" 0510-88881234 "), checked_phone("")
    ('0510-88881234', None)
    """
    phone = (phone or "").strip()
    if not phone:
        return None
    if not _PHONE.fullmatch(phone):
        raise AccountError(f"phone {phone[:24]!r}: digits, spaces and '-' (5–20 characters)")
    return phone


def checked_email(address: str | None) -> str | None:
    """An address reminders can be mailed to, normalised; None for blank (no mail).

    Checked by email-validator for its form only, without a DNS look-up (the
    server may have no resolver): a domain with a dot, not a reserved one
    (``.local``, ``localhost``), at most 254 characters (the column's length).

    >>> checked_email(" Zhang.San@Example.COM ")
    'Zhang.San@example.com'
    >>> checked_email("") is None
    True
    """
    from email_validator import EmailNotValidError, validate_email

    address = (address or "").strip()
    if not address:
        return None
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise AccountError(f"email {address[:60]!r}: {exc}") from None


def set_password(user: User, password: str) -> None:
    """Replace the password; this ends the user's open sessions (see User.get_id)."""
    user.password_hash = hash_password(password)
    end_sessions(user)


def set_active(user: User, active: bool) -> None:
    """Deactivate or activate; either ends every session opened before.

    Without the bump, a cookie kept from before a deactivation would work
    again once the account is activated.
    """
    user.active = active
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every session of ``user`` (the caller commits): all devices, not only one.

    Done in SQL (generation + 1), so two log-outs at once both count. An
    account not yet stored has no sessions (and no row the SQL could read).
    """
    if sa.inspect(user).has_identity:
        user.session_generation = User.session_generation + 1


def set_cells(user: User, cells: Iterable[str]) -> None:
    """Make ``cells`` the cells ``user`` works (links that stay are kept as they are)."""
    wanted = list(dict.fromkeys(cells))
    kept = [link for link in user.cell_links if link.cell_code in wanted]
    have = {link.cell_code for link in kept}
    user.cell_links = kept + [UserCell(cell_code=c) for c in wanted if c not in have]


def can_decide(user) -> bool:
    """May ``user`` change a hazard's level or listing (挂牌督办)?

    That is the supervising authority's decision, not the grid member's who
    records the hazard: supervisors and admins (leaders and planners read).
    The fields are geoapp.domain.hazard_input.DECIDED.

    Examples
    --------
    >>> grid = User(username="g", role="grid", active=True, cell_links=[UserCell(cell_code="A")])
    >>> can_decide(grid), can_decide(User(role="admin", active=True))
    (False, True)
    >>> can_decide(User(role="supervisor", active=True))
    True
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in ("admin", "supervisor")
