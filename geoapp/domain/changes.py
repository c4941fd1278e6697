"""What changed: ``{field: [old, new]}``, the one shape of every edit in a history.

A hazard's edit (``PATCH /api/hazards/<id>``) and a ledger re-import that
changes a hazard or a point both describe the change with :func:`diff`, so an
``edit`` event lists exactly the fields whose values differ, each with the
value it had and the value it has now. Values are stored as JSON and read
back the same on both backends: dates as ISO text, tuples as lists,
coordinates as ``[lon, lat]`` (:func:`lonlat`).
"""

from __future__ import annotations

import datetime as dt

# Coordinates are stored rounded to 7 decimals (about 1 cm, geoapp.store.importer);
# an event keeps that precision, so no move that was stored shows as old == new.
COORD_DECIMALS = 7


def json_value(value):
    """``value`` as it is kept in an event: JSON types only.

    >>> json_value(dt.date(2026, 4, 1)), json_value(("a", 1)), json_value(None)
    ('2026-04-01', ['a', 1], None)
    """
    if isinstance(value, dt.date):  # a datetime is a date too
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def diff(old: dict, new: dict) -> dict[str, list]:
    """The fields of ``new`` whose value differs from ``old``'s: {field: [old, new]}.

    Only the keys of ``new`` are compared (a field not given is not changed);
    a key missing from ``old`` counts as None. Values are compared as they
    are stored (:func:`json_value`), so a date and its ISO text are equal.

    Examples
    --------
    >>> diff({"deadline": dt.date(2026, 4, 1), "level": "general", "listed": False},
    ...      {"deadline": dt.date(2026, 5, 1), "level": "general", "listed": True})
    {'deadline': ['2026-04-01', '2026-05-01'], 'listed': [False, True]}
    >>> diff({"deadline": dt.date(2026, 4, 1)}, {"deadline": "2026-04-01"})
    {}
    """
    out = {}
    for field, value in new.items():
        before, after = json_value(old.get(field)), json_value(value)
        if before != after:
            out[field] = [before, after]
    return out


def lonlat(lon: float, lat: float) -> list[float]:
    """A position as an event keeps it: [lon, lat] in degrees, rounded to ``COORD_DECIMALS``.

    >>> lonlat(120.00512345678, 31.0049999999)
    [120.0051235, 31.005]
    """
    return [round(float(lon), COORD_DECIMALS), round(float(lat), COORD_DECIMALS)]
