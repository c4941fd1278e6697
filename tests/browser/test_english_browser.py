"""English mode is complete: no Chinese on an English page except the data.

Each role opens its pages in English in headless Chromium on the county demo
(both backends). What a user reads (``document.body.innerText``, plus the
placeholders and titles of form fields) loses every text stored in the database
(names, descriptions, codes: the data) and every text marked ``lang="zh"`` (Chinese
on purpose: the language switch's 中文, a column header a user must type); any CJK
character left is an untranslated interface string, and the test names the page and
the line.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from geoapp.store.accounts import find_user
from geoapp.store.demo import demo_enterprise
from tests.support.apps import make_app, make_user
from tests.support.browser import log_in, watched_page

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")

# role → the pages it opens (its own pages; the map, cell page and the planner's page have
# their own English checks beside their browser tests)
PAGES = {
    None: ["/login", "/report", "/no-such-page"],
    "admin": ["/admin/accounts", "/admin/imports", "/admin/basemap", "/admin/rules", "/admin/audit",
              "/account", "/export", "/inbox", "/public-reports"],
    "leader": ["/reports/listings", "/inbox", "/export", "/account", "/admin/accounts",
               "/reports", "/reports?month=2026-10", "/reports?month=2026-10&village=320205999001",
               "/reports/print", "/reports/print?month=2026-10", "/dashboard"],
    "grid": ["/inbox", "/public-reports", "/account"],
    "enterprise": ["/enterprise"],
}

VISIBLE_TEXT = """() => {
  // Chinese on purpose is marked lang="zh" (the language switch, a column header to type):
  // it is left out, as the data is
  const marked = [...document.querySelectorAll('body [lang^="zh"]')];
  const kept = marked.map(el => [el, el.textContent]);
  for (const el of marked) el.textContent = "";
  const parts = [document.body.innerText];
  for (const [el, text] of kept) el.textContent = text;
  for (const el of document.querySelectorAll("input, textarea, select, [title]")) {
    if (el.placeholder) parts.push(el.placeholder);
    if (el.title) parts.push(el.title);
  }
  return parts.join("\\n");
}"""


@pytest.fixture
def app(demo_database):
    return make_app(demo_database)


def _data_texts(database) -> list[str]:
    """Every text stored in the demo database, longest first (so that a name is removed
    whole before a shorter name inside it)."""
    texts: set[str] = set()
    with database.engine.connect() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        for table in meta.tables.values():
            columns = [c for c in table.columns
                       if isinstance(c.type, sa.String | sa.Text | sa.JSON)]
            for row in conn.execute(sa.select(*columns)) if columns else ():
                for value in row:
                    _collect(value, texts)
    return sorted((t for t in texts if CJK.search(t)), key=len, reverse=True)


def _collect(value, into: set[str]) -> None:
    if isinstance(value, str):
        if value.startswith(("{", "[")):
            try:
                import json
                _collect(json.loads(value), into)
                return
            except ValueError:
                pass
        into.add(value)
        into.update(value.split())
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, into)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, into)


def _left_over(text: str, data: list[str]) -> list[str]:
    for value in data:
        text = text.replace(value, " ")
    return [line.strip() for line in text.splitlines()
            if CJK.search(line)]


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_english_pages_hold_no_chinese_but_data(demo_database, rules, live_url, browser,
                                                width, height):
    with demo_database.transaction() as s:
        enterprise = demo_enterprise(s)
    users = {"admin": {}, "leader": {}, "grid": {"cells": ["SF-05-01"]},
             "enterprise": {"enterprise": enterprise}}
    made = []
    for name, extra in users.items():
        username = f"en_{name}_{width}"
        make_user(demo_database, username, name, **extra)
        made.append(username)
    # the departments' names are the county's own configuration (layers/departments.toml,
    # local policy, written in Chinese like its towns' names): data, not the interface
    data = sorted(set(_data_texts(demo_database)) | set(rules.departments.names),
                  key=len, reverse=True)
    found: dict[str, list[str]] = {}
    try:
        for role, paths in PAGES.items():
            with watched_page(browser, width, height) as (page, _requests, errors):
                page.goto(f"{live_url}/login?lang=en")
                if role:
                    log_in(page, live_url, f"en_{role}_{width}")
                    page.wait_for_load_state("networkidle")
                for path in paths:
                    page.goto(f"{live_url}{path}")
                    page.wait_for_load_state("networkidle")
                    assert page.locator("html").get_attribute("lang") == "en", path
                    left = _left_over(page.evaluate(VISIBLE_TEXT), data)
                    if left:
                        found[f"{role} {path}"] = left
                assert not errors, errors
    finally:
        with demo_database.transaction() as s:
            for username in made:
                s.delete(find_user(s, username))
    assert not found, "\n".join(f"{page}: {line}" for page, lines in found.items()
                                 for line in lines)
