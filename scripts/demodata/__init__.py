"""Generate the bundled demo data: a synthetic township, 示范镇（虚构）.

Everything written here is invented (虚构, synthetic): the town, its villages
and grid cells, the functional zones, every enterprise, person, phone number,
credit code, installation and hazard. Nothing describes a real place,
organisation or person. The township sits around lon 120.30, lat 31.60 only so
that a basemap shows a plausible backdrop.

Steps, in the order `main()` runs them, and the module holding each:

    outline → cell seeds → villages → zones → boundary strip → enclave → cells
    → tiers (territory) → enterprises → idle sites (sites) → confined spaces
    → major hazards → risk top-up (installations) → hazards (hazards)
    → write files (writers) → self-check (selfcheck)

The data model is in `model`, the tables of names, industries and the like in
`content`, constants and the Context every step receives in `common`, and
every import from geoapp in `app`.

Geometry is built in metres in CGCS2000 / 3-degree Gauss-Krüger CM 120E
(EPSG:4549, also the CRS of the zone shapefile) and converted to WGS84 at the
end; CGCS2000 is taken as equal to WGS84 (they differ by centimetres).

Deterministic: one numpy Generator with a fixed seed and no wall clock, so a
rerun gives byte-identical files; archives (XLSX, the zipped shapefile) get
fixed timestamps. The steps draw from that generator in a fixed order, so
reordering calls in `main()` changes the output.

Nothing runs at import time: `main()` loads the app's rules and builds the
Context. Run from the repository root:  python scripts/make_demo_data.py
(a thin wrapper that puts the checkout on sys.path and calls `main()`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .app import bundled, load_rules
from .common import SEED, Context
from .content import Names
from .hazards import make_hazards
from .installations import make_confined_spaces, make_major_hazards, top_up
from .selfcheck import check_hazards, report, self_check
from .sites import make_enterprises, make_idle_sites
from .territory import assign_tiers, cell_properties, make_world
from .writers import write_all


def main(out: Path | None = None) -> None:
    """Generate every file of the demo into `out` (the repository's data/ by default)."""
    rng = np.random.default_rng(SEED)
    # The app's own rules (layers/*.toml, substances.toml): the generator plans
    # colours and grades with them, and the self-check follows the app.
    ctx = Context(rng=rng, rules=load_rules(bundled("layers")), names=Names(rng),
                  out=out or Path(__file__).resolve().parents[2] / "data")
    world = make_world(ctx)
    assign_tiers(world)
    cell_properties(ctx, world)
    enterprises = make_enterprises(ctx, world)
    idle = make_idle_sites(ctx, world)
    spaces = make_confined_spaces(ctx, world, enterprises)
    majors = make_major_hazards(ctx, world, enterprises)
    sites = enterprises + idle + spaces + majors
    triggers = top_up(ctx, world, sites)
    hazards = make_hazards(ctx, sites, triggers)
    check_hazards(hazards)
    write_all(ctx, world, enterprises, idle, spaces, majors, hazards)
    report(ctx, world, enterprises, idle, spaces, majors, hazards)
    self_check(ctx, world, sites, hazards)
