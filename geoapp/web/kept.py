"""The cell page's JSON and a point's popup, kept between writes (geoapp.map.answers).

``/api/cells/<code>`` and ``/api/map/points/<id>`` are built from the rows once
per change of what they show, per language (the 定级依据 are translated), and
sent prepared (geoapp.web.prepared: ETag, gzip). What is the account's is never
kept under another account's name: the scope is checked on every request, and
each hazard's ``my_actions`` (auth.steps_allowed) and the ``people`` named in
the history (read on every request: renaming an account moves no fingerprint)
make the key of the body sent (``KeptAnswers.variant``).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from flask import Flask, current_app
from flask_babel import get_locale

from geoapp.map.answers import Answer, KeptAnswers
from geoapp.map.payload import Payload, dumps
from geoapp.store.reads import pages
from geoapp.store.reads.round_data import display_names
from geoapp.web import auth, clock, db

KEY = "geoapp.answers"

Build = Callable[[object, object], dict | None]  # (rules, today) → the answer's document


def init_app(app: Flask) -> None:
    app.extensions[KEY] = KeptAnswers(max_age=db.cache_seconds(app))


def _kept(kind: str, ident, build: Callable) -> Answer | None:
    """The kept answer of (``kind``, ``ident``) in the request's language, checked against
    the data now; ``build(rules, today)`` → (value, point ids, weight) or None (no such)."""
    rules = current_app.extensions["geoapp.rules"]
    today = clock.today(rules.risk.hazards.timezone)
    cache: KeptAnswers = current_app.extensions[KEY]
    generation = cache.check(db.session(), today, rules)
    key = (kind, ident, str(get_locale() or "zh"))
    answer = cache.get(key)
    if answer is None:
        built = build(rules, today)
        if built is None:
            return None
        value, points, weight = built
        answer = cache.put(key, value, points, generation, weight)
    return answer


@dataclass
class _Cell:
    base: bytes  # the document without my_actions and people, gzip-compressed
    inside: list[tuple]  # what auth.steps_allowed reads of each hazard of hazard_list
    outside: list[tuple]  # … and of outside_hazard_list
    actors: list[str]  # the usernames ``people`` names


def _steps_inputs(hazards: list[dict]) -> list[tuple]:
    return [(h["state"], h["level"], h.get("submitted_by")) for h in hazards]


def _steps(hazards: list[tuple], cell_code: str | None) -> tuple:
    """The account's steps on each hazard (its ``my_actions``), worked out once per state,
    level and submitter: all auth.steps_allowed reads of a hazard (a province's cell has
    hundreds of hazards and a handful of those)."""
    memo: dict[tuple, tuple] = {}
    for key in hazards:
        if key not in memo:
            state, level, submitted_by = key
            memo[key] = tuple(auth.steps_allowed(
                {"state": state, "level": level, "submitted_by": submitted_by}, cell_code))
    return tuple(memo[key] for key in hazards)


def cell(code: str, detail_of: Build) -> Payload | None:
    """The cell's answer for the logged-in account (403 out of its scope), None: no such cell."""
    fresh: dict | None = None  # the document, when this request built it

    def build(rules, today):
        nonlocal fresh
        fresh = detail_of(rules, today)
        if fresh is None:
            return None
        kept = {k: v for k, v in fresh.items() if k != "people"}
        base = gzip.compress(dumps(kept), 6, mtime=0)
        value = _Cell(base, _steps_inputs(fresh["hazard_list"]),
                      _steps_inputs(fresh["outside_hazard_list"]), pages.cell_actors(fresh))
        points = [f["id"] for part in ("points", "outside_points_nearby")
                  for f in fresh[part]["features"]]
        return value, points, len(base) + 200 * len(value.inside) + 200 * len(value.outside)

    answer = _kept("cell", code, build)
    if answer is None:
        return None
    auth.require_in_scope(code)
    kept: _Cell = answer.value
    inside, outside = _steps(kept.inside, code), _steps(kept.outside, None)  # None: no cell
    people = fresh["people"] if fresh is not None else display_names(db.session(), kept.actors)

    def make() -> Payload:
        doc = fresh if fresh is not None else orjson.loads(gzip.decompress(kept.base))
        for part, steps in (("hazard_list", inside), ("outside_hazard_list", outside)):
            for h, mine in zip(doc[part], steps, strict=True):
                h["my_actions"] = list(mine)
        return Payload.of({**doc, "people": people})

    return current_app.extensions[KEY].variant(
        answer, (inside, outside, tuple(sorted(people.items()))), make)


def point(point_id: int, detail_of: Build) -> Payload | None:
    """The point's popup (403 out of the account's scope), None: no such point."""

    def build(rules, today):
        detail = detail_of(rules, today)
        if detail is None:
            return None
        props = detail["properties"]  # its home cell: the cell, else the nearest (outside)
        payload = Payload.of(detail)
        home = props["cell_code"] or props.get("nearest_cell_code")
        return (payload, home), [point_id], len(payload.body) + len(payload.gz)

    answer = _kept("point", point_id, build)
    if answer is None:
        return None
    payload, home = answer.value
    auth.require_in_scope(home)
    return payload
