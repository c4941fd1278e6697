"""Which points an enterprise account speaks for, and the point a photo belongs to.

An ``enterprise`` account is bound to one enterprise by its USCC
(``User.enterprise_uscc``). It owns the enterprise's own point (layer
enterprise, whose key is its USCC) and the points of any layer whose ledger
names an owner by the field ``enterprise_uscc`` (confined spaces, major hazard
installations, and whatever layer file declares that field) equal to that USCC: the same match the
channel report uses for self-check coverage (geoapp.store.reads.channel_data),
so an enterprise's page and its coverage count the same points. Everything
else is not its business: the web side answers 403/404 (geoapp.web.auth).
Other roles keep the cell rules of geoapp.store.accounts.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain.duties import ENTERPRISE
from geoapp.store.models import Hazard, Inspection, Photo, Point

# the layer of an enterprise's own point (keyed by its USCC), and the field by which a point of
# any other layer names the enterprise it belongs to (a layer owns by declaring it)
ENTERPRISE_LAYER = "enterprise"
OWNER_FIELD = "enterprise_uscc"

__all__ = ["ENTERPRISE_LAYER", "OWNER_FIELD", "is_enterprise", "owned_clause", "owned_points",
           "owner_of",
           "owns_point", "photo_point"]


def is_enterprise(user) -> bool:
    """Is ``user`` a logged-in, active enterprise account?"""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.is_active and user.role == ENTERPRISE)


def owner_of(point: Point) -> str | None:
    """The USCC of the enterprise ``point`` belongs to, else None.

    Examples
    --------
    >>> owner_of(Point(layer="enterprise", key="91330100MA2B3C4D5E", attrs={}))
    '91330100MA2B3C4D5E'
    >>> owner_of(Point(layer="confined_space", key="CS1", attrs={"enterprise_uscc": "X"}))
    'X'
    >>> owner_of(Point(layer="idle_site", key="I1", attrs={"owner": "X"})) is None
    True
    """
    if point.layer == ENTERPRISE_LAYER:
        return point.key
    return (point.attrs or {}).get(OWNER_FIELD) or None


def owns_point(user, point: Point | None) -> bool:
    """Does the enterprise account ``user`` speak for ``point``? (False for any other role.)"""
    if point is None or not is_enterprise(user) or not user.enterprise_uscc:
        return False
    return owner_of(point) == user.enterprise_uscc


def owned_clause(uscc: str):
    """SQL: the points of the enterprise with ``uscc`` (its own and the owned layers')."""
    return sa.or_(sa.and_(Point.layer == ENTERPRISE_LAYER, Point.key == uscc),
                  sa.and_(Point.layer != ENTERPRISE_LAYER,
                          Point.attrs[OWNER_FIELD].as_string() == uscc))


def owned_points(session: Session, uscc: str) -> list[Point]:
    """The enterprise's points: its own first, then the others by layer and key."""
    first = sa.case((Point.layer == ENTERPRISE_LAYER, 0), else_=1)
    return list(session.scalars(sa.select(Point).where(owned_clause(uscc))
                                .order_by(first, Point.layer, Point.key)))


def photo_point(session: Session, photo_id: int) -> tuple[Photo, Point | None] | None:
    """The photo and the point it was taken for (None: a photo of no point); None if unknown."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        return None
    point_id = None
    if photo.inspection_id is not None:
        point_id = session.scalar(sa.select(Inspection.point_id)
                                  .where(Inspection.id == photo.inspection_id))
    elif photo.hazard_id is not None:
        point_id = session.scalar(sa.select(Hazard.point_id).where(Hazard.id == photo.hazard_id))
    return photo, None if point_id is None else session.get(Point, point_id)
