"""geoapp: area-based workplace-safety risk oversight on a map."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from geoapp.resources import bundled


def default_database_url(instance_path: str) -> str:
    """GEOAPP_DATABASE_URL, else the embedded SQLite file in the instance folder."""
    url = os.environ.get("GEOAPP_DATABASE_URL")
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
    app = Flask(__name__, instance_relative_config=True,
                template_folder=str(bundled("templates")))
    app.config.from_mapping(
        DATABASE_URL=None,
        LAYERS_DIR=os.environ.get("GEOAPP_LAYERS_DIR") or str(bundled("layers")),
        JSON_AS_ASCII=False,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.update(overrides)
    if not app.config["DATABASE_URL"]:
        from geoapp.store.database import make_private_dir

        make_private_dir(app.instance_path)  # it holds the embedded database and the key
        app.config["DATABASE_URL"] = default_database_url(app.instance_path)
    app.json.ensure_ascii = False
    if app.config.get("BEHIND_PROXY") or os.environ.get("GEOAPP_BEHIND_PROXY") == "1":
        # trust one reverse proxy's X-Forwarded-For/-Proto/-Host (README "Production")
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from geoapp.domain.layers import load_rules
    from geoapp.web import api, assets, auth, clock, db, headers, i18n, inputs, navigation
    from geoapp.web import map as leader

    clock.init_app(app)  # a pinned "today" (TODAY / GEOAPP_TODAY), checked at start-up

    app.extensions["geoapp.rules"] = load_rules(Path(app.config["LAYERS_DIR"]))
    inputs.init_app(app)  # before any route: ids in URLs are range-checked (404)
    headers.init_app(app)  # cookie flags, CSP and the other headers on every response
    db.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    auth.init_app(app)  # sessions, CSRF on every POST, log-in rate limit, read policy
    app.register_blueprint(assets.bp)
    app.register_blueprint(api.bp)
    from geoapp.web import cells as grid  # the grid member's cell page
    app.register_blueprint(grid.bp)
    app.register_blueprint(leader.bp)  # the leader's map at / and its /api/map data
    from geoapp.web import reports  # the leaders' statistics, ranking and monthly bulletin
    app.register_blueprint(reports.bp)
    from geoapp.web import (
        admission as planner,  # the planner's admission check (/admission, its API)
    )
    planner.init_app(app)
    return app
