"""Every setting geoapp reads, with its default and meaning: the one reader of the environment.

A setting has a Flask config key (``instance/config.py``, or the mapping given
to ``create_app``) and most have a ``GEOAPP_*`` environment variable, for a
deployment without a config file. The config key wins over the variable, and
the variable over the default. The README's "Configuration" section describes
each variable; ``tests/`` fails when a variable is read anywhere else, or is
missing here or from the README.

Values come back as the config or the environment holds them (a variable is a
string); the module that uses a setting checks and converts it, so that an
error names the setting where it matters.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    key: str  # Flask config key
    env: str | None  # environment variable, if the setting has one
    default: object
    meaning: str


# Seconds a writer waits for SQLite's write lock before giving up. One request's write
# takes milliseconds, but SQLite's lock is not a queue: with a dozen writers at once on
# a busy machine an unlucky one waits seconds. Shorter than gunicorn's 30 s timeout.
WEB_BUSY_TIMEOUT = 15.0
# The command line (imports, account changes) may wait for a running import to end.
CLI_BUSY_TIMEOUT = 120.0

SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("DATABASE_URL", "GEOAPP_DATABASE_URL", None,
            "SQLAlchemy URL of the database; unset: SQLite in the instance folder"),
    Setting("LAYERS_DIR", "GEOAPP_LAYERS_DIR", None,
            "folder of layer and rule files; unset: the bundled layers/"),
    Setting("ADMISSION_DIR", "GEOAPP_ADMISSION_DIR", None,
            "folder of the admission check's catalogues; unset: admission/ in LAYERS_DIR"),
    Setting("GEOAPP_SECRET_KEY", "GEOAPP_SECRET_KEY", None,
            "key signing session cookies and CSRF tokens; unset: instance/secret_key"),
    Setting("GEOAPP_RATELIMIT_STORAGE_URI", "GEOAPP_RATELIMIT_STORAGE_URI", "memory://",
            "where failed log-ins are counted (memory:// is per process; redis:// shared)"),
    Setting("GEOAPP_LOGIN_RATE_LIMIT", None, "10/minute", "failed log-ins per client address"),
    Setting("GEOAPP_LOGIN_ACCOUNT_RATE_LIMIT", None, "30/hour",
            "failed log-ins per username at one address"),
    Setting("PUBLIC_REPORT_RATE_LIMIT", "GEOAPP_PUBLIC_REPORT_RATE_LIMIT", "10/hour;30/day",
            "public reports (一键举报) sent per client address, refused ones too"),
    Setting("PUBLIC_RECEIPT_RATE_LIMIT", "GEOAPP_PUBLIC_RECEIPT_RATE_LIMIT", "30/hour",
            "looks at one receipt (/report/<code> and its API), from anywhere"),
    Setting("PUBLIC_LOOKUP_RATE_LIMIT", "GEOAPP_PUBLIC_LOOKUP_RATE_LIMIT", "60/hour",
            "receipt looks per client address, over every code (guessing codes is slow)"),
    Setting("PUBLIC_REPORT_MAX_MB", "GEOAPP_PUBLIC_REPORT_MAX_MB", 15,
            "largest public report with its photos, in MiB; then 413"),
    Setting("GEOAPP_SECURE_COOKIES", "GEOAPP_SECURE_COOKIES", None,
            "1: cookies over HTTPS only (behind a TLS proxy)"),
    Setting("BEHIND_PROXY", "GEOAPP_BEHIND_PROXY", None,
            "1: trust one reverse proxy's X-Forwarded-For/-Proto/-Host"),
    Setting("GEOAPP_MAX_BODY_BYTES", "GEOAPP_MAX_BODY_BYTES", 1_000_000,
            "largest request body; larger ones get 413 before they are read"),
    Setting("MAX_UPLOAD_MB", "GEOAPP_MAX_UPLOAD_MB", 20,
            "largest multipart body (photos) an upload endpoint takes, in MiB; then 413"),
    Setting("TIANDITU_KEY", "GEOAPP_TIANDITU_KEY", None,
            "a 天地图 key: the maps offer its base layers; unset: none from 天地图"),
    Setting("BASEMAP_DIR", "GEOAPP_BASEMAP_DIR", None,
            "folder holding the installed offline basemap (/admin/basemap, geoapp basemap);"
            " unset: instance/basemap"),
    Setting("BASEMAP_MAX_MB", "GEOAPP_BASEMAP_MAX_MB", 1024,
            "largest basemap file /admin/basemap takes, in MiB; then 413 (the command line"
            " has no limit)"),
    Setting("MAP_CACHE_SECONDS", "GEOAPP_MAP_CACHE_SECONDS", 60,
            "longest reuse of the map's and reports' data without a seen change, on the embedded"
            " database (PostgreSQL counts writes made outside geoapp: no expiry there)"),
    Setting("MAP_TILE_CELLS", "GEOAPP_MAP_TILE_CELLS", 20000,
            "the leader's map draws cells from vector tiles (/tiles/cells/…) above this many"
            " cells in the account's scope; at or below it, from /api/map/cells"),
    Setting("MAP_TILE_POINTS", "GEOAPP_MAP_TILE_POINTS", 200000,
            "the leader's map draws points from vector tiles (/tiles/points/…) above this many"
            " points in the account's scope, or whenever its cells are tiled"),
    Setting("MAP_CELL_OPTIONS", "GEOAPP_MAP_CELL_OPTIONS", 2000,
            "the leader's map lists cells in its area filter up to this many; past it the"
            " list waits for a town or village (or the search box)"),
    Setting("REPORT_PAGE_CELLS", "GEOAPP_REPORT_PAGE_CELLS", 200,
            "/reports lists every cell in its per-cell visits table up to this many; past it"
            " only the cells needing attention (the JSON and the XLSX keep all)"),
    Setting("REPORT_PAGE_OVERDUE", "GEOAPP_REPORT_PAGE_OVERDUE", 100,
            "/reports lists this many overdue hazards, the most overdue first, and links to"
            " /reports/overdue for all of them (the JSON, print view and XLSX keep all)"),
    Setting("WARM_START", "GEOAPP_WARM_START", None,
            "1: build the map's and reports' data as each worker starts (GET /healthz/ready "
            "200 once done); 0: on the first request; unset: 1 when served (gunicorn, "
            "geoapp demo)"),
    Setting("WARM_WAIT_SECONDS", "GEOAPP_WARM_WAIT_SECONDS", 2,
            "longest a request waits for a starting worker's data, then 503 + Retry-After"),
    Setting("WARM_REFRESH_SECONDS", "GEOAPP_WARM_REFRESH_SECONDS", 5,
            "how often a warm worker brings its map and reports up to the data"),
    Setting("REPORT_FRESH_SECONDS", "GEOAPP_REPORT_FRESH_SECONDS", 600,
            "a report's JSON asked within this many seconds is made again right after the "
            "data change, once the answer that saw the change is sent (0: by its next request)"),
    Setting("REPORT_SHARE_DIR", "GEOAPP_REPORT_SHARE_DIR", None,
            "a folder where the workers share the reports' JSON they made (unset: one of "
            "the gunicorn master's in the temporary folder; nothing shared outside gunicorn)"),
    Setting("GRID_OVERVIEW", "GEOAPP_GRID_OVERVIEW", None,
            "1: grid members see every cell's colour on the map (figures of their own cells "
            "only); unset: their own cells alone"),
    Setting("TODAY", "GEOAPP_TODAY", None,
            "YYYY-MM-DD: the date the web app counts as today; unset: the real date"),
    Setting("SQLITE_BUSY_TIMEOUT", None, WEB_BUSY_TIMEOUT,
            "seconds a writer waits for the embedded database's write lock"),
    Setting("IMPORT_DIR", "GEOAPP_IMPORT_DIR", None,
            "folder keeping the files uploaded on /admin/imports (preview, import, history);"
            " unset: instance/imports"),
    Setting("IMPORT_MAX_UNZIPPED_MB", "GEOAPP_IMPORT_MAX_UNZIPPED_MB", 1024,
            "most megabytes an uploaded zip (Shapefile, XLSX) may inflate to"),
    Setting("IMPORT_MAX_ZIP_RATIO", "GEOAPP_IMPORT_MAX_ZIP_RATIO", 100,
            "highest compression ratio of one zip member over 1 MiB"),
    Setting("SMTP_HOST", "GEOAPP_SMTP_HOST", None,
            "mail server `geoapp notify` sends reminders through; unset: queued, not sent"),
    Setting("SMTP_PORT", "GEOAPP_SMTP_PORT", 25, "the mail server's port"),
    Setting("SMTP_USER", "GEOAPP_SMTP_USER", None,
            "user name to log in to the mail server with; unset: no log-in"),
    Setting("SMTP_PASSWORD", "GEOAPP_SMTP_PASSWORD", None, "password of SMTP_USER"),
    Setting("SMTP_FROM", "GEOAPP_SMTP_FROM", None,
            "sender address of the reminders (needed once SMTP_HOST is set)"),
    Setting("SMTP_STARTTLS", "GEOAPP_SMTP_STARTTLS", None,
            "1: switch to TLS (STARTTLS) before logging in and sending"),
    Setting("SMTP_TIMEOUT", "GEOAPP_SMTP_TIMEOUT", 30,
            "seconds to wait for the mail server before a send counts as failed"),
    Setting("BASE_URL", "GEOAPP_BASE_URL", None,
            "the site's address (https://…) for links in mailed reminders; unset: no links"),
    Setting("BULLETIN_ISSUER", "GEOAPP_BULLETIN_ISSUER", None,
            "the bulletin's issuing unit (发文单位); {year} {month} {quarter} {place} filled in;"
            " unset: {place}安全生产委员会办公室"),
    Setting("BULLETIN_NUMBER", "GEOAPP_BULLETIN_NUMBER", None,
            "the bulletin's number (文号), placeholders as BULLETIN_ISSUER; "
            "unset: 安委办通报〔{year}〕{month}号"),
    Setting("PAUSE_AT", "GEOAPP_PAUSE_AT", None,
            "tests only: hold a process still at a named point (geoapp.store.pausepoints)"),
)}


def get(key: str, config: Mapping | None = None):
    """The setting's value: from ``config`` if set there, else its variable, else its default."""
    setting = SETTINGS[key]
    if config is not None:
        value = config.get(key)
        if value is not None and value != "":
            return value
    if setting.env is not None:
        value = os.environ.get(setting.env)
        if value is not None and value != "":
            return value
    return setting.default


def is_on(key: str, config: Mapping | None = None) -> bool:
    """A yes/no setting: on when set to true in the config or to 1 in the environment."""
    return get(key, config) in (True, 1, "1")


def variable(key: str) -> str:
    """The name of the setting's environment variable (for error messages)."""
    return SETTINGS[key].env or key
