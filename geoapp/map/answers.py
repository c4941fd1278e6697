"""Answers about one cell or one point, kept per process until a write touches them (no Flask).

The cell page's JSON (``/api/cells/<code>``) and a point's popup
(``/api/map/points/<id>``) read tens of rows and build hundreds of dicts per
request (10–50 ms of CPU at county scale), although the data change far less
often than they are read. ``KeptAnswers`` keeps what was built, each answer with
the ids of the points whose hazards it shows, and is checked against the data's
fingerprint (geoapp.store.fingerprint) on every request, so that a write shows
on the very next request of every worker:

* hazards added or moved (the common write): only the answers that show one of
  their points are dropped (``fingerprint.hazards_changed``); the rest stay;
* anything else (cells, points, visits, measures, public reports, an import, a
  write from outside geoapp, a new day, ``max_age`` on the embedded database):
  every answer is dropped.

An answer is stored only if no check moved the fingerprint while it was built
(``generation``): its rows were then read after the fingerprint the cache is at,
so a later change to them drops it. What an answer holds must not depend on who
asks beyond its key (the callers key on the language and add what is the
account's, its scope and its steps, per request).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from geoapp.map.payload import Payload
from geoapp.store.fingerprint import beside_hazards, data_fingerprint, hazards_changed

MAX_PATCH = 5000  # more hazards changed at once than this (a bulk change): drop everything
# The bytes kept per process: a county's 2,000 cells and their popups' worth (a cell's
# answer, gzip-compressed, is some 6 kB there), not the 10⁶ points of a province.
BUDGET = 96 * 2**20


@dataclass
class Answer:
    """One kept answer: ``value`` (the caller's), the ids of the points whose hazards it
    shows, ``variants``: the payloads the caller derives from it per account (bounded), and
    its ``weight`` in bytes (the value's, as the caller tells, and the variants')."""

    key: Hashable
    value: object
    points: frozenset[int]
    variants: dict
    weight: int


class KeptAnswers:
    """Answers per key, dropped when the data's fingerprint says a change touched them.

    ``budget`` bounds the bytes kept (the least recently used answers go first).
    """

    def __init__(self, max_age: float = float("inf"), budget: int = BUDGET, variants: int = 8):
        self.max_age, self.budget, self.max_variants = max_age, budget, variants
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._weight = 0
        self._state: tuple | None = None  # (fingerprint, today, rules' identity)
        self._since = 0.0  # when everything was last dropped (``max_age``)
        self.generation = 0

    def check(self, session, today, rules) -> int:
        """Bring the answers up to the data now (one query when nothing changed); the
        generation to pass to ``put``."""
        fingerprint = data_fingerprint(session)
        state = (fingerprint, today, id(rules))
        if state == self._state and time.monotonic() - self._since < self.max_age:
            return self.generation
        with self._lock:
            if state == self._state and time.monotonic() - self._since < self.max_age:
                return self.generation
            touched = self._touched(session, state)
            if touched is None:
                self._answers.clear()
                self._weight = 0
                self._since = time.monotonic()
            else:
                gone = [k for k, a in self._answers.items() if not a.points.isdisjoint(touched)]
                for key in gone:
                    self._weight -= self._answers.pop(key).weight
            self._state = state
            self.generation += 1
            return self.generation

    def _touched(self, session, state: tuple) -> set[int] | None:
        """The points whose hazards changed since the last check; None: drop everything."""
        before = self._state
        if before is None or before[1:] != state[1:] or \
                time.monotonic() - self._since >= self.max_age or \
                beside_hazards(before[0]) != beside_hazards(state[0]):
            return None
        changed = hazards_changed(session, before[0], state[0])
        if changed is None or len(changed) > MAX_PATCH:
            return None
        return set(changed.values())

    def get(self, key: Hashable) -> Answer | None:
        # under the lock: a check iterates over the answers, and an OrderedDict moved
        # meanwhile by another thread (gunicorn --threads) stops that iteration
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
        return answer

    def put(self, key: Hashable, value, points: Iterable[int], generation: int,
            weight: int) -> Answer:
        """Keep ``value`` (built after the check that returned ``generation``) unless a
        check has moved on since; the answer either way."""
        answer = Answer(key, value, frozenset(points), {}, weight)
        with self._lock:
            if generation == self.generation:
                old = self._answers.pop(key, None)
                self._answers[key] = answer
                self._weight += weight - (old.weight if old is not None else 0)
                self._shrink()
        return answer

    def variant(self, answer: Answer, key: Hashable, make) -> Payload:
        """The payload ``make()`` derives from ``answer`` for ``key`` (what is the
        account's: its steps, the names of the people), made once per key while the
        answer is kept and kept gzip-compressed only."""
        hit = answer.variants.get(key)
        if hit is None:
            hit = make().packed()
            with self._lock:
                before = answer.weight
                if len(answer.variants) >= self.max_variants:
                    answer.weight -= sum(len(p.gz) for p in answer.variants.values())
                    answer.variants.clear()
                answer.variants[key] = hit
                answer.weight += len(hit.gz)
                if self._answers.get(answer.key) is answer:
                    self._weight += answer.weight - before
                    self._shrink()
        return hit

    def _shrink(self) -> None:
        while self._weight > self.budget and self._answers:
            self._weight -= self._answers.popitem(last=False)[1].weight
