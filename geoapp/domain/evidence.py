"""Evidence rules: when a hazard's step must come with a photo.

Local policy, declared in the hazard file (``[evidence]`` in
``layers/hazard.toml``, geoapp.domain.layers.EvidenceSpec):
``major_submit_needs_photo`` — 提请验收 of a 重大 hazard needs at least one
photo of the rectified site: sent with the step itself, or added since the
rectification last (re)started (a photo of the hazard as found does not count).
A file without ``[evidence]`` gets the defaults (yes).
"""

from __future__ import annotations

from geoapp.domain.layers import EvidenceSpec
from geoapp.domain.workflow import TRANSITIONS

# 提请验收: the step that hands the rectified hazard over for acceptance
SUBMIT_ACTION = next(name for name, t in TRANSITIONS.items() if t.target == "awaiting_acceptance")


def photo_missing(spec: EvidenceSpec | None, level: str, action: str,
                  photos_stored: int, photos_sent: int) -> bool:
    """Is this step refused for want of a photo?

    ``photos_stored`` are the hazard's photos taken since its rectification
    last (re)started (geoapp.store.photos.count_since_rectifying),
    ``photos_sent`` those that come with this step.

    Examples
    --------
    >>> rule = EvidenceSpec()
    >>> photo_missing(rule, "major", "submit", 0, 0)
    True
    >>> photo_missing(rule, "major", "submit", 0, 1), photo_missing(rule, "major", "submit", 2, 0)
    (False, False)
    >>> photo_missing(rule, "general", "submit", 0, 0), photo_missing(rule, "major", "start", 0, 0)
    (False, False)
    >>> photo_missing(EvidenceSpec(major_submit_needs_photo=False), "major", "submit", 0, 0)
    False
    """
    spec = spec if spec is not None else EvidenceSpec()
    if not spec.major_submit_needs_photo:
        return False
    return level == "major" and action == SUBMIT_ACTION and photos_stored + photos_sent == 0
