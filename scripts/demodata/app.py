"""The parts of geoapp the generator uses, imported here and nowhere else.

The demo plans colours and grades with the app's own rules and functions, so
that its self-check agrees with what the app computes. Keeping every geoapp
import in this one module means a move inside geoapp is one edit here.
"""

from geoapp.domain.crs import to_wgs84_xy, wgs84_to_gcj02
from geoapp.domain.identifiers import ALPHABET, uscc_check_char
from geoapp.domain.layers import LEVEL_ORDER, LEVEL_RANK, load_rules
from geoapp.domain.major_hazard import alpha_for_people, assess, parse_substances
from geoapp.domain.risk import area_level, escalated_level, highest, inherent_level
from geoapp.domain.workflow import STATE_LABELS
from geoapp.resources import bundled

__all__ = [
    "ALPHABET", "LEVEL_ORDER", "LEVEL_RANK", "STATE_LABELS", "alpha_for_people", "area_level",
    "assess", "bundled", "escalated_level", "highest", "inherent_level", "load_rules",
    "parse_substances", "to_wgs84_xy", "uscc_check_char", "wgs84_to_gcj02",
]
