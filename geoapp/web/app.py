"""The application factory: config, rules, and every blueprint in the order they must come.

Where a request goes: the blueprint module named like its URL (``/api/cells``
→ ``geoapp.web.api``, ``/api/hazards/…`` and ``/api/points/<id>/hazards`` →
``geoapp.web.hazards``, ``…/extensions`` and ``/api/extensions/…`` →
``geoapp.web.extensions``, ``/api/points/<id>/checklist`` and ``…/inspections`` →
``geoapp.web.inspections``, ``/cells/<code>`` → ``geoapp.web.cells``, ``/`` and
``/api/map/*`` → ``geoapp.web.map``, ``/admission`` → ``geoapp.web.admission``,
``/reports`` → ``geoapp.web.reports``, ``/inbox`` and ``/api/inbox`` →
``geoapp.web.inbox``, ``/export`` and ``/api/export/…`` → ``geoapp.web.export``,
``/login`` → ``geoapp.web.auth``, ``/report…``, ``/public-reports`` and
``/api/public-reports…`` → ``geoapp.web.public_reports``, ``/api/me/tokens`` →
``geoapp.web.tokens``, ``/ogc…`` → ``geoapp.web.ogc``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from geoapp import settings
from geoapp.domain.layers import load_rules
from geoapp.resources import bundled
from geoapp.store.database import make_private_dir
from geoapp.web import (
    accidents,
    account,
    admin_accounts,
    admin_imports,
    admin_rules,
    admission,
    admission_checks,
    api,
    assets,
    audit,
    auth,
    basemap,
    cells,
    clock,
    dashboard,
    db,
    department,
    enterprise,
    errors,
    export,
    extensions,
    fresh_reports,
    hazards,
    headers,
    i18n,
    inbox,
    inputs,
    inspections,
    listings,
    measures,
    navigation,
    ogc,
    openapi,
    photos,
    public_reports,
    reports,
    standing,
    tokens,
    warmup,
    zones,
)
from geoapp.web import map as map_page


def default_database_url(instance_path: str) -> str:
    """GEOAPP_DATABASE_URL, else the embedded SQLite file in the instance folder."""
    url = settings.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{Path(instance_path) / 'geoapp.sqlite3'}"


def create_app(test_config: dict | None = None, **overrides) -> Flask:
    """Application factory. Reads config and layer files; opens no connection.

    ``overrides`` are config keys set after the config file (the command line
    uses them, e.g. a longer ``SQLITE_BUSY_TIMEOUT`` than a web request's).

    Layer and rule files are validated here, so a bad file stops start-up with
    a message naming the file and key.
    """
    # named for the package: its folder holds static/ and translations/, as before
    app = Flask("geoapp", instance_relative_config=True,
                template_folder=str(bundled("templates")))
    app.config.from_mapping(
        DATABASE_URL=None,
        LAYERS_DIR=settings.get("LAYERS_DIR") or str(bundled("layers")),
        JSON_AS_ASCII=False,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.update(overrides)
    if not app.config["DATABASE_URL"]:
        make_private_dir(app.instance_path)  # it holds the embedded database and the key
        app.config["DATABASE_URL"] = default_database_url(app.instance_path)
    app.json.ensure_ascii = False
    if settings.is_on("BEHIND_PROXY", app.config):
        # trust one reverse proxy's X-Forwarded-For/-Proto/-Host (README "Production")
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)


    clock.init_app(app)  # a pinned "today" (TODAY / GEOAPP_TODAY), checked at start-up

    app.extensions["geoapp.rules"] = load_rules(Path(app.config["LAYERS_DIR"]))
    errors.init_app(app)  # one JSON shape under /api/, the site's error pages elsewhere
    inputs.init_app(app)  # before any route: ids in URLs are range-checked (404)
    headers.init_app(app)  # cookie flags, CSP and the other headers on every response
    db.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    auth.init_app(app)  # sessions, CSRF on every POST, log-in rate limit, read policy
    app.register_blueprint(assets.bp)
    app.register_blueprint(api.bp)  # /api/cells, /api/zones, /api/summary
    app.register_blueprint(hazards.bp)  # /api/hazards/…, /api/points/<id>/hazards
    app.register_blueprint(extensions.bp)  # /api/hazards/<id>/extensions, /api/extensions/…
    app.register_blueprint(photos.bp)  # /api/photos/<id>[/thumb], /api/hazards/<id>/photos
    app.register_blueprint(inspections.bp)  # /api/points/<id>/checklist, …/inspections
    app.register_blueprint(measures.bp)  # /api/measures, /api/measures/<id>/attachment
    app.register_blueprint(cells.bp)  # the grid member's cell page
    app.register_blueprint(map_page.bp)  # the leader's map at / and its /api/map data
    app.register_blueprint(reports.bp)  # the leaders' statistics, ranking and monthly bulletin
    fresh_reports.init_app(app)  # the reports asked for made again after a change, off-request
    app.register_blueprint(dashboard.bp)  # /dashboard (驾驶舱) and /api/dashboard: after reports
    app.register_blueprint(listings.bp)  # 挂牌督办 steps, /api/listings/due, /reports/listings
    app.register_blueprint(standing.bp)  # 红黑榜: /standing, /api/standing, /standing.xlsx
    admission.init_app(app)  # the planner's admission check (/admission, its API)
    admission_checks.init_app(app)  # the register of checks: /admission/checks, its API
    inbox.init_app(app)  # /inbox, /api/inbox and the top bar's count of reminders
    audit.init_app(app)  # rule files recorded when new; /admin/audit, /api/audit, its XLSX
    app.register_blueprint(admin_accounts.bp)  # /admin/accounts, /api/admin/accounts/…
    app.register_blueprint(account.bp)  # /account, /api/me, /api/me/password
    app.register_blueprint(tokens.bp)  # /api/me/tokens: personal access tokens
    app.register_blueprint(admin_rules.bp)  # /admin/rules, /api/admin/rules (read-only)
    app.register_blueprint(admin_imports.bp)  # /admin/imports, /api/admin/imports (dry run)
    app.register_blueprint(basemap.bp)  # /basemap/…, /admin/basemap: the maps' base layers
    app.register_blueprint(openapi.bp)  # /api/openapi.json, read off the routes
    app.register_blueprint(export.bp)  # /export, /api/export/<layer>.<format>
    app.register_blueprint(ogc.bp)  # /ogc: OGC API – Features, read-only (tokens or session)
    app.register_blueprint(zones.bp)  # /zones, /zones/<code>, /api/zones/<code>/assessments
    app.register_blueprint(enterprise.bp)  # /enterprise, /api/enterprise (enterprise accounts)
    app.register_blueprint(accidents.bp)  # /accidents, /api/accidents…: the accident register
    app.register_blueprint(department.bp)  # /department, /api/department (三管三必须)
    public_reports.init_app(app)  # /report (public), /public-reports, /api/public-reports/…
    # map and reports built as a worker starts, /healthz/ready: after map and reports
    warmup.init_app(app, default=test_config is None)
    return app
