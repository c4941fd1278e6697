"""The ``geoapp`` command: demo, import, assign, db, layers, users, report, notify, basemap.

Each command parses its options, calls one core function and prints the
result; bad input exits non-zero with the report of what is wrong.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click

from geoapp.ingest.problems import EngineError, ImportRejected


def _app(serving: bool = False):
    from geoapp.store.database import CLI_BUSY_TIMEOUT
    from geoapp.web.app import create_app

    if serving:  # web requests: the app's own (shorter) wait, then 503
        return create_app()
    # a command may wait for a running import to finish writing
    return create_app(SQLITE_BUSY_TIMEOUT=CLI_BUSY_TIMEOUT)


def _context(serving: bool = False):
    app = _app(serving)
    database = app.extensions["geoapp.db"]
    # close the pool when the command ends: a command run in-process (click's test
    # runner, a caller's script) would otherwise leave its connections open
    click.get_current_context().call_on_close(database.dispose)
    return app, database, app.extensions["geoapp.rules"]


def _fail(exc: Exception) -> None:
    click.echo(str(exc), err=True)
    sys.exit(1)


def _audit(session, action: str, target: str, detail: dict | None = None) -> None:
    """Record a command's act in the audit log, as the operating-system user who ran it."""
    import getpass

    from geoapp.store import audit

    audit.record(session, action, f"cli:{getpass.getuser()}", target=target, detail=detail,
                 via="cli")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """geoapp: grid cells, four-colour risk and hazard rectification on a map."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo-password", default=None, metavar="PW",
              help="password of the demo accounts leader, grid, planner, admin, supervisor, "
                   "town_leader, dept_zj, enterprise (default: a new random one, printed)")
def demo(host, port, demo_password):
    """Create the embedded database if missing, load the synthetic demo data, serve.

    The demo accounts (leader, grid, planner, admin, supervisor, town_leader, dept_zj,
    enterprise) are
    created, or have their password reset, on every start.
    """
    from geoapp.store.demo import ensure_demo_accounts, load_demo

    password = demo_password or secrets.token_urlsafe(12)
    app, database, rules = _context(serving=True)
    click.echo(f"database: {database.engine.url.render_as_string(hide_password=True)}")
    try:
        loaded = load_demo(database, rules, echo=click.echo, today=app.config.get("TODAY"))
    except ImportRejected as exc:
        _fail(exc)
    if not loaded:
        click.echo("database already has data; demo files not loaded again")
    names = ensure_demo_accounts(database, password)
    shown = "as given by --demo-password" if demo_password else password
    click.echo(f"demo accounts {', '.join(names)}; password: {shown}")
    app.run(host=host, port=port)


CRS_HELP = "coordinates: wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n"


@main.group(name="import")
def import_():
    """Validate a whole file, then write it in one transaction (or change nothing)."""


def _run_import(run, file: str, what: str) -> None:
    """Open the configured database, run one importer call, print its summary or report;
    the audit log records the file's name and SHA-256 with the outcome."""
    from geoapp.domain.audit import file_sha256
    from geoapp.store import importer, migrate

    app, database, rules = _context()
    migrate.upgrade(database)
    detail = {"what": what, "file": Path(file).name}
    if Path(file).is_file():
        detail["sha256"] = file_sha256(file)
    try:
        with app.app_context():
            summary = run(importer, database, rules)
    except ImportRejected as exc:
        with database.transaction() as s:
            _audit(s, "import_rejected", Path(file).name,
                   {**detail, "problems": len(exc.problems)})
        _fail(exc)
    with database.transaction() as s:
        _audit(s, "import", Path(file).name, {**detail, "created": summary.created,
                                               "updated": summary.updated,
                                               "unchanged": summary.unchanged,
                                               "outside": summary.outside})
    click.echo(str(summary))


def _boundary_options(command):
    """--crs, --layer (the file's layer) and --replace, shared by cells and zones."""
    command = click.option(
        "--replace", is_flag=True,
        help="delete the stored ones the file does not hold (refused without it)")(command)
    command = click.option(
        "--layer", default=None, metavar="NAME",
        help="the layer to read, in a GeoPackage holding several (refused without it)")(command)
    return click.option("--crs", default=None,
                        help=CRS_HELP + " (default: the file's own)")(command)


@import_.command(name="cells")
@click.argument("file", type=click.Path(dir_okay=False))
@_boundary_options
def import_cells(file, crs, layer, replace):
    """Replace the grid cells with those in FILE (GeoJSON, Shapefile .zip, GeoPackage).

    Cells not in FILE are deleted only with --replace.
    """
    _run_import(lambda imp, database, rules: imp.import_cells(
        database, rules, file, crs, layer=layer, allow_delete=replace), file, "cells")


@import_.command(name="zones")
@click.argument("file", type=click.Path(dir_okay=False))
@_boundary_options
def import_zones(file, crs, layer, replace):
    """Replace the functional zones with those in FILE (zones not in it: --replace)."""
    from flask import current_app

    from geoapp.domain.catalogue import check_zones

    def run(imp, database, rules):
        # every zone an admission catalogue names must still exist after the import
        admission = current_app.extensions["geoapp.admission"]
        return imp.import_zones(database, rules, file, crs,
                                check_codes=lambda codes: check_zones(admission, codes),
                                layer=layer, allow_delete=replace)

    _run_import(run, file, "zones")


@import_.command(name="points")
@click.option("--layer", required=True,
              help="a point layer: the `layer` code of any file in layers/ (e.g. enterprise)")
@click.option("--crs", default="wgs84", show_default=True, help=CRS_HELP)
@click.argument("file", type=click.Path(dir_okay=False))
def import_points(layer, crs, file):
    """Merge a point ledger (CSV/XLSX, Chinese headers) into a layer by its stable key."""
    _run_import(lambda imp, database, rules: imp.import_points(database, rules, file, layer, crs),
                file, layer)


@import_.command(name="hazards")
@click.argument("file", type=click.Path(dir_okay=False))
def import_hazards(file):
    """Merge a hazard ledger by 隐患编号; new hazards and state changes are logged."""
    _run_import(lambda imp, database, rules: imp.import_hazards(database, rules, file),
                file, "hazards")


@import_.command(name="accidents")
@click.argument("file", type=click.Path(dir_okay=False))
def import_accidents(file):
    """Merge an accident ledger (生产安全事故, CSV/XLSX, Chinese headers) by 事故编号."""
    from geoapp.store import accidents
    from geoapp.web import clock

    def run(_imp, database, rules):  # in the app's context: today as the app counts it
        return accidents.import_accidents(database, rules, file,
                                          clock.today(rules.risk.hazards.timezone))
    _run_import(run, file, "accidents")


@main.command()
@click.option("--cells", "cells_file", required=True, type=click.Path(dir_okay=False))
@click.option("--points", "points_file", required=True, type=click.Path(dir_okay=False))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False))
@click.option("--zones", "zones_file", default=None, type=click.Path(dir_okay=False))
@click.option("--points-crs", default="wgs84", show_default=True, help=CRS_HELP)
@click.option("--cells-crs", default=None, help=CRS_HELP + " (default: the file's own)")
# a plain string checked by assign_files, so a wrong value is one line, not click's usage text
@click.option("--engine", default="inprocess", show_default=True,
              help="inprocess | dask (the join on a dask cluster; needs geoapp[dask])")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
@click.option("--partitions", default=None, type=int,
              help="dask partitions of the points (default: one per million, at least "
                   "one per worker thread)")
def assign(cells_file, points_file, out_file, zones_file, points_crs, cells_crs, engine,
           scheduler, partitions):
    """Assign points to cells and zones, on files, without a database; write a CSV.

    Points: CSV/XLSX ledger, GeoJSON, GeoPackage or GeoParquet; cells and zones:
    GeoJSON, zipped Shapefile, GeoPackage or GeoParquet. --out FILE.parquet writes
    GeoParquet (the same columns, each point as its geometry). --engine dask
    writes the same file, the join run on a dask cluster.
    """
    from geoapp.ingest.batch import assign_files

    try:
        stats = assign_files(cells_file, points_file, out_file, zones_file, points_crs,
                             cells_crs, engine=engine, scheduler=scheduler,
                             partitions=partitions)
    except (ImportRejected, EngineError) as exc:
        _fail(exc)
    click.echo(f"{stats['points']} points → {out_file}: {stats['inside']} in a cell, "
               f"{stats['outside']} outside every cell, {stats['in_zones']} in a zone "
               f"(points read as {stats['crs']})")


@main.group()
def db():
    """Database schema."""


@db.command()
@click.option("--revision", default="head", show_default=True)
def upgrade(revision):
    """Create the schema in an empty database, or migrate an existing one."""
    from geoapp.store import migrate

    _, database, _ = _context()
    before = migrate.current(database)
    after = migrate.upgrade(database, revision)
    url = database.engine.url.render_as_string(hide_password=True)
    click.echo(f"{url}: schema {before or 'empty'} → {after}")


@main.group()
def layers():
    """Layer and rule files."""


@layers.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False))
def check(folder):
    """Validate a layers folder (default: the configured one) and list what it declares."""
    from geoapp.domain.catalogue import CatalogueError, load_admission
    from geoapp.domain.layers import LayerFileError, load_rules
    from geoapp.resources import bundled

    root = Path(folder) if folder else bundled("layers")
    try:
        rules = load_rules(root)
        admission = load_admission(root / "admission") if (root / "admission").is_dir() else None
    except (LayerFileError, CatalogueError) as exc:
        _fail(exc)
    for name, spec in rules.layers.items():
        click.echo(f"{name}: {spec.label}, {len(spec.fields)} fields, "
                   f"{len(spec.risk.rules)} risk rules (default {spec.risk.default})")
    click.echo(f"area rule: {rules.risk.area.rule}; escalation open major hazard → red: "
               f"{rules.risk.escalation.open_major_hazard_is_red}; "
               f"{len(rules.substances)} substance names")
    listing, calendar = rules.supervision.listing, rules.supervision.calendar
    click.echo(f"挂牌督办: {', '.join(listing.roles)} list; publish within "
               f"{listing.publish_within_working_days}/{listing.delist_publish_within_working_days}"
               f" working days; {len(calendar.holidays)} holidays, "
               f"{len(calendar.workdays)} make-up working days")
    if rules.standing is not None:
        click.echo(f"红黑榜: {len(rules.standing.black)} black rules (any), "
                   f"{len(rules.standing.red)} red rules (all)")
    if admission is not None:
        click.echo(f"admission: {len(admission.catalogues)} catalogues, "
                   f"{len(admission.industries.names)} industries")


@main.group()
def users():
    """Accounts: leader, grid (grid member, works cells), planner, admin, supervisor,
    enterprise (speaks for one enterprise of the ledger)."""


def _account_session():
    from geoapp.store import migrate

    _, database, _ = _context()
    migrate.upgrade(database)
    return database


@users.command(name="add")
@click.argument("username")
@click.option("--role", required=True,
              metavar="leader|grid|planner|admin|supervisor|enterprise")
@click.option("--cell", "cells", multiple=True, metavar="CODE",
              help="grid: a cell the member works; leader, planner, supervisor: a cell of "
                   "their area scope (repeat for several)")
@click.option("--town", "towns", multiple=True, metavar="NAME|CODE",
              help="area scope: a town, sub-district or development zone office, by name or "
                   "9-digit code (repeat for several)")
@click.option("--village", "villages", multiple=True, metavar="CODE",
              help="area scope: a village or community, by its 12-digit code")
@click.option("--zone", "zones", multiple=True, metavar="CODE",
              help="area scope: the cells a functional zone overlaps")
@click.option("--enterprise", default=None, metavar="USCC",
              help="the enterprise an enterprise account speaks for (in the ledger)")
@click.option("--department", default=None, metavar="NAME",
              help="supervisor: the sector department (三管三必须) the account answers for, "
                   "one of layers/departments.toml's departments")
@click.option("--name", "display_name", default=None, help="name shown in the page header")
@click.option("--password", default=None, help="(default: asked for, not echoed)")
def users_add(username, role, cells, towns, villages, zones, enterprise, department,
              display_name, password):
    """Create an account. Without --town/--village/--cell/--zone a leader, planner or
    supervisor reads the whole territory."""
    from geoapp.store import account_admin, accounts

    areas = [("town", c) for c in towns] + [("village", c) for c in villages] + [
        ("zone", c) for c in zones]
    if role != "grid":  # a grid member's --cell is a cell they work, anyone else's an area
        areas, cells = areas + [("cell", c) for c in cells], ()
    database = _account_session()
    names = _context()[2].departments.names
    try:  # the admin API's rule, checked before a password is asked for
        department = account_admin.department_for(role, department, names)
    except accounts.AccountError as exc:
        _fail(exc)
    if password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        with database.transaction() as s:
            user = accounts.create_user(s, username, role, password, cells, display_name,
                                        enterprise=enterprise, areas=areas)
            user.department = department
            codes, uscc = user.cell_codes, user.enterprise_uscc
            scope = [f"{a.kind}:{a.code}" for a in user.area_links]
            _audit(s, "account_create", user.username, {"role": role, "cells": codes}
                   | ({"enterprise": uscc} if uscc else {}) | ({"areas": scope} if scope else {})
                   | ({"department": department} if department else {}))
    except accounts.AccountError as exc:
        _fail(exc)
    click.echo(f"user {username.strip()!r} added: {role}"
               + (f", cells {', '.join(codes)}" if codes else "")
               + (f", areas {', '.join(scope)}" if scope else "")
               + (f", enterprise {uscc}" if uscc else "")
               + (f", department {department}" if department else ""))


@users.command(name="add-enterprises")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False),
              help="CSV for the office to hand out (UTF-8 with BOM, mode 0600; must not exist)")
def users_add_enterprises(out_file):
    """One enterprise account per ledger enterprise (by USCC) that has none yet.

    The one-time passwords go to OUT only (the database keeps their hashes).
    """
    import csv
    import os

    from geoapp.store import enterprise_accounts

    database = _account_session()
    try:  # before any account: a file that exists, or a folder that does not, stops here
        fd = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        _fail(ValueError(f"{out_file}: {exc.strerror} (give a new file name)"))
    try:
        with database.transaction() as s, open(fd, "w", encoding="utf-8-sig", newline="") as fh:
            made, skipped = enterprise_accounts.create_for_ledger(s)
            writer = csv.writer(fh)
            writer.writerow(["用户名", "统一社会信用代码", "企业名称", "一次性密码"])
            for a in made:
                writer.writerow([a.username, a.uscc, a.name, a.password])
                _audit(s, "account_create", a.username, {"role": "enterprise",
                                                         "enterprise": a.uscc})
    except BaseException:
        os.unlink(out_file)  # no passwords of accounts that were not made
        raise
    click.echo(f"{len(made)} enterprise accounts added; one-time passwords in {out_file}")
    for uscc in skipped:
        click.echo(f"skipped {uscc}: the username is another account's", err=True)


@users.command(name="list")
def users_list():
    """List the accounts: username, role, active, cells, name."""
    import sqlalchemy as sa

    from geoapp.store.models import User

    database = _account_session()
    with database.sessions() as s:
        for user in s.scalars(sa.select(User).order_by(User.username)):
            state = "active" if user.active else "inactive"
            where = user.cell_codes or [f"{a.kind}:{a.code}" for a in user.area_links]
            click.echo(f"{user.username}\t{user.role}\t{state}\t{','.join(where)}"
                       f"\t{user.display_name or ''}")


@users.command(name="set-password")
@click.argument("username")
@click.option("--password", default=None, help="(default: asked for, not echoed)")
def users_set_password(username, password):
    """Replace a user's password (their open sessions end)."""
    from geoapp.store import accounts

    database = _account_session()
    if password is None:
        password = click.prompt("new password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.validate_password(password)
        with database.transaction() as s:
            accounts.set_password(_existing_user(s, username), password)
            _audit(s, "password_reset", username)
    except accounts.AccountError as exc:
        _fail(exc)
    click.echo(f"password of {username!r} changed")


@users.command(name="set-name")
@click.argument("username")
@click.argument("name")
def users_set_name(username, name):
    """Set the person's real name, shown on their visits and records ("" clears it)."""
    from geoapp.store import accounts

    database = _account_session()
    try:
        with database.transaction() as s:
            _existing_user(s, username).display_name = accounts.checked_name(name)
            _audit(s, "account_change", username, {"field": "display_name"})
    except accounts.AccountError as exc:
        _fail(exc)
    click.echo(f"name of {username!r} set")


@users.command(name="set-email")
@click.argument("username")
@click.argument("address")
def users_set_email(username, address):
    """Set the address reminders are mailed to ("" clears it: the inbox only)."""
    from geoapp.store import accounts

    database = _account_session()
    try:
        with database.transaction() as s:
            user = _existing_user(s, username)
            user.email = accounts.checked_email(address)
            shown = user.email
            _audit(s, "account_change", username, {"field": "email"})
    except accounts.AccountError as exc:
        _fail(exc)
    click.echo(f"email of {username!r} set to {shown}" if shown else
               f"email of {username!r} cleared")


@users.command(name="deactivate")
@click.argument("username")
def users_deactivate(username):
    """Stop a user from logging in (their open sessions end); history keeps their name."""
    _set_active(username, False)


@users.command(name="activate")
@click.argument("username")
def users_activate(username):
    """Let a deactivated user log in again (sessions from before stay ended)."""
    _set_active(username, True)


def _existing_user(session, username):
    from geoapp.store import accounts

    user = accounts.find_user(session, username)
    if user is None:
        raise accounts.AccountError(f"no user {username!r}")
    return user


def _set_active(username: str, active: bool) -> None:
    from geoapp.store import accounts

    database = _account_session()
    try:
        with database.transaction() as s:
            accounts.set_active(_existing_user(s, username), active)
            _audit(s, "account_activate" if active else "account_deactivate", username)
    except accounts.AccountError as exc:
        _fail(exc)
    click.echo(f"{username!r} {'activated' if active else 'deactivated'}")


@main.group()
def report():
    """Leaders' reports."""


@report.command(name="bulletin")
@click.option("--month", metavar="YYYY-MM", help="a month: 月通报")
@click.option("--quarter", metavar="YYYYQn", help="a quarter (Q1 = January–March): 季度通报")
@click.option("--year", metavar="YYYY", help="a year: 年度总结")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="a range's first day (with --to)")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="a range's last day (with --from)")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False),
              help="the workbook to write (.xlsx)")
def report_bulletin(month, quarter, year, start, end, out_file):
    """Write the bulletin of one period as an XLSX workbook, for scheduled runs.

    Give one of --month, --quarter, --year or --from/--to. A running period is
    reported to date (as of today); a range must end by today.
    """
    import os

    import sqlalchemy as sa

    from geoapp import settings
    from geoapp.domain import periods
    from geoapp.reports import accidents as accident_report
    from geoapp.reports import bulletin, issue, reviewers, tables, visits
    from geoapp.reports import extensions as extension_report
    from geoapp.reports import measures as report_measures
    from geoapp.store.reads import standing_data

    try:  # a typo fails at once, before the whole database is read
        period, param = periods.from_params({"month": month, "quarter": quarter, "year": year,
                                             "from": start, "to": end})
        if period is None:
            raise periods.PeriodError("month", "give --month, --quarter, --year or --from/--to")
    except periods.PeriodError as exc:
        _fail(exc)
    app, database, rules = _context()
    try:  # read only: a report never migrates the schema
        with database.sessions() as s:
            data = tables.load(s, rules)
            today = data.today()
            visited = visits.report(s, data, period, today)
            reviewed = reviewers.report(s, data, period, today)
            extended = extension_report.report(s, data, period, today)
            figures = tables.bulletin(data, period, today)
            taken = report_measures.report(s, data, period, figures["overdue"],
                                           period.as_of(today))
            listed = (None if rules.standing is None else  # the 红黑榜 at the period's end
                      standing_data.lists(s, rules.standing, period.as_of(today)))
            accidents = accident_report.report(s, data, period)
    except sa.exc.SQLAlchemyError as exc:
        _fail(RuntimeError(f"cannot read the database (run `geoapp db upgrade`?): "
                           f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"))
    try:
        periods.not_future(period, today, param)
        issued = issue.block(period, figures.get("place") or "", today,
                             settings.get("BULLETIN_ISSUER", app.config),
                             settings.get("BULLETIN_NUMBER", app.config))
    except (periods.PeriodError, issue.IssueSettingError) as exc:
        _fail(exc)
    out = Path(out_file)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")  # no half-written file on failure
    try:
        bulletin.write(figures, tmp, visits=visited, extensions=extended, measures=taken,
                       reviewers=reviewed, issue=issued, standing=listed,
                       accidents=accidents)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _fail(exc)
    click.echo(f"bulletin {periods.label(period)} → {out}")


@main.command()
def notify():
    """Queue every account's new reminders and mail the unsent ones (run it from cron).

    Each reminder is mailed once; a failed send stays queued for the next run.
    Exits 1 when something was not sent (no server configured, a refusal).
    """
    import sqlalchemy as sa

    from geoapp import settings
    from geoapp.notify import mail, run
    from geoapp.web import clock

    app, database, rules = _context()
    try:
        server = mail.server_from(app.config)
    except mail.SettingError as exc:
        _fail(exc)
    with app.app_context():  # today as the web app counts it (GEOAPP_TODAY pins it)
        today = clock.today(rules.risk.hazards.timezone)
    try:
        done = run.run(database, rules, today, server, settings.get("BASE_URL", app.config))
    except sa.exc.SQLAlchemyError as exc:
        _fail(RuntimeError(f"cannot use the database (run `geoapp db upgrade`?): "
                           f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"))
    click.echo(f"{today}: {done.queued} new reminders queued; {done.sent} sent in "
               f"{done.messages} messages; {done.failed} not sent (kept for the next run); "
               f"{done.without_email} accounts without an email address (inbox only)")
    for error in done.errors:
        click.echo(f"not sent: {error}", err=True)
    if server is None:
        _fail(RuntimeError("GEOAPP_SMTP_HOST is not set: reminders are queued, not sent"))
    if done.errors:
        sys.exit(1)


@main.group()
def basemap():
    """The offline basemap the maps draw: install FILE, show, remove (audited)."""


def _basemap():
    app, database, _rules = _context()
    return app.extensions["geoapp.basemap"], database


def _describe(state: dict) -> str:
    return "\n".join(f"{key}: {state[key]}" for key in (
        "filename", "kind", "format", "tiles", "minzoom", "maxzoom", "bounds", "name",
        "attribution", "size", "sha256", "installed_at", "by") if state.get(key) not in (None, ""))


@basemap.command(name="install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def basemap_install(file):
    """Check FILE (MBTiles or PMTiles) and put it in place of the basemap; no size limit."""
    import getpass

    from geoapp.basemap.tileset import BadTileset

    folder, database = _basemap()
    try:
        installed = folder.install_file(Path(file), f"cli:{getpass.getuser()}")
    except BadTileset as exc:
        with database.transaction() as s:
            _audit(s, "basemap_rejected", Path(file).name, {"reason": str(exc)})
        _fail(Exception(f"{Path(file).name}: not usable as the basemap: {exc}"
                        " (the installed basemap is unchanged)"))
    state = installed.as_dict()
    with database.transaction() as s:
        _audit(s, "basemap_install", state["filename"], {
            k: state.get(k) for k in ("sha256", "size", "kind", "format", "minzoom", "maxzoom")})
    click.echo("basemap installed\n" + _describe(state))


@basemap.command(name="show")
def basemap_show():
    """What basemap is installed (exit 1: none)."""
    folder, _database = _basemap()
    installed = folder.current()
    if installed is None:
        _fail(Exception(f"no basemap installed in {folder.folder}"))
    click.echo(_describe(installed.as_dict()))


@basemap.command(name="remove")
def basemap_remove():
    """Remove the basemap: the maps show 天地图 (with a key) or none."""
    folder, database = _basemap()
    removed = folder.remove()
    if removed is None:
        _fail(Exception(f"no basemap installed in {folder.folder}"))
    with database.transaction() as s:
        _audit(s, "basemap_remove", removed.get("filename", ""), {"sha256": removed.get("sha256")})
    click.echo(f"basemap {removed.get('filename', '')} removed")
