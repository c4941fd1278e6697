"""UI language: Simplified Chinese first, English available (Flask-Babel).

Message ids are the Chinese texts themselves, so the Chinese UI needs no
catalogue and the English one is ``geoapp/translations/en``. The language is
chosen by ``?lang=zh|en`` (remembered in a cookie), else the cookie, else
Chinese.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request
from flask_babel import Babel

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT = "zh"
COOKIE = "geoapp_lang"


def select_locale() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        g.set_lang_cookie = asked
        return asked
    cookie = request.cookies.get(COOKIE)
    return cookie if cookie in LANGUAGES else DEFAULT


def _remember(response):
    lang = g.pop("set_lang_cookie", None)
    if lang:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(Path(__file__).parents[1] / "translations"))
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember)

    @app.context_processor
    def _languages():
        from flask_babel import get_locale

        return {"languages": LANGUAGES, "current_lang": str(get_locale() or DEFAULT)}
