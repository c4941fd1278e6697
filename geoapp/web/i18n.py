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


def english() -> bool:
    """Is the current request's page in English?"""
    from flask_babel import get_locale

    return str(get_locale() or DEFAULT) == "en"


def localized(thing) -> str:
    """A rules object's (or its dict's) label in the page's language: ``label_en`` in English
    where the rules file gives one (layers, levels, categories, checklist items), else
    ``label``."""
    if isinstance(thing, dict):
        label, label_en = thing["label"], thing.get("label_en")
    else:
        label, label_en = thing.label, getattr(thing, "label_en", None)
    return (label_en or label) if english() else label


def hazard_page_labels(data: dict) -> dict:
    """An own page's (enterprise, department) ``hazards`` and ``measures`` with their state,
    level, source and kind labels in the page's language."""
    from flask_babel import gettext as _

    for h in data["hazards"]:
        h["state_label"], h["level_label"] = _(h["state_label"]), _(h["level_label"])
        h["source_label"] = _(h["source_label"])
    for m in data["measures"]:
        m["kind_label"] = _(m["kind_label"])
    return data


# Chinese lists and clauses take full-width marks (、；：); English ones take ASCII.
_MARKS = {"zh": {"list": "、", "clause": "；", "colon": "：", "comma": "，"},
          "en": {"list": ", ", "clause": "; ", "colon": ": ", "comma": ", "}}


def mark(kind: str) -> str:
    """The punctuation mark of ``kind`` (list, clause, colon, comma) in the page's language."""
    return _MARKS["en" if english() else "zh"][kind]


def join_list(items) -> str:
    """Items joined as a list in the page's language: 甲、乙 or A, B."""
    return mark("list").join(str(item) for item in items)


def parens(text) -> str:
    """A remark in brackets in the page's language: （逾期 3 天） or " (3 days overdue)"."""
    return f" ({text})" if english() else f"（{text}）"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(Path(__file__).parents[1] / "translations"))
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember)

    @app.context_processor
    def _languages():
        from flask_babel import get_locale

        return {"languages": LANGUAGES, "current_lang": str(get_locale() or DEFAULT),
                "localized": localized, "mark": mark}

    app.add_template_filter(join_list, "join_list")
    app.add_template_global(mark, "mark")
    app.add_template_filter(parens, "parens")
