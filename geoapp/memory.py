"""Holding off Python's cyclic garbage collector while millions of objects are built.

Loading 10⁵ points and 3×10⁴ hazards for a report, or a million points (and
their shapely geometries) in ``geoapp assign``, allocates millions of objects
that all stay alive; the collector would scan them again and again for
nothing (a third of a report's load time). Nothing built under it makes
reference cycles; the collector runs again afterwards.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def no_gc_pauses():
    """Disable the cyclic collector for the block, then restore it.

    It is process-wide: a concurrent request may find it already enabled,
    which only costs that request the speed-up.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
