"""Generate the bundled demo data: a synthetic county, 示范县（虚构）.

Everything written here is invented (虚构, synthetic): the county, its towns,
sub-district and development zone, their villages and grid cells, the
functional zones, every enterprise, person, phone number, credit code,
installation and hazard. Nothing describes a real place, organisation or
person. The county's first town, the township 示范镇（虚构）, sits around
lon 120.30, lat 31.60 only so that a basemap shows a plausible backdrop; the
other three units (`county`) lie next to it.

Steps, in the order `main()` runs them, and the module holding each:

    outline → cell seeds → villages → zones → boundary strip → enclave → cells
    → tiers (territory) → enterprises → idle sites (sites) → confined spaces
    → major hazards → risk top-up (installations) → hazards (hazards)
    → the county's other units: outlines, cells (county) → their cell attributes,
      points and hazards (county_sites) → status, 标准化, 安责险 (standing) → self-check
    → the six place layers (places) → write files (writers) → self-check again (selfcheck)

The data model is in `model`, the tables of names, industries and the like in
`content`, constants and the Context every step receives in `common`, and
every import from geoapp in `app`.

Geometry is built in metres in CGCS2000 / 3-degree Gauss-Krüger CM 120E
(EPSG:4549, also the CRS of the zone shapefile) and converted to WGS84 at the
end; CGCS2000 is taken as equal to WGS84 (they differ by centimetres).

Deterministic: numpy Generators with fixed seeds and no wall clock, so a
rerun gives byte-identical files; archives (XLSX, the zipped shapefile) get
fixed timestamps. The township's steps draw from one generator (SEED) in a
fixed order, so reordering calls in `main()` changes the output; the county's
other units draw from a second one (county.COUNTY_SEED) only after the
township is complete, so they leave every township row as it was. In every
file the township's rows come first and the other units' rows follow.

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
from .county import COUNTY_SEED, make_county
from .county_sites import make_county_sites
from .hazards import make_hazards
from .installations import make_confined_spaces, make_major_hazards, top_up
from .places import PLACES_SEED, make_places
from .selfcheck import check_hazards, report, report_county, self_check
from .sites import make_enterprises, make_idle_sites
from .standing import add_standing
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
    report(ctx, world, enterprises, idle, spaces, majors, hazards)

    # The county's other units: a generator of their own, so the township stays as it was.
    rng = np.random.default_rng(COUNTY_SEED)
    names = Names(rng)
    names.used |= ctx.names.used  # nobody twice, no phone number twice
    for prefix, left in ctx.names.phones.items():
        free = set(left)
        names.phones[prefix] = [n for n in names.phones[prefix] if n in free]
    cty = Context(rng=rng, rules=ctx.rules, names=names, out=ctx.out)
    county = make_county(cty, world)
    more = make_county_sites(cty, county, enterprises, hazards)
    enterprises, idle, spaces, majors = (a + b for a, b in zip(
        (enterprises, idle, spaces, majors), more[:4], strict=True))
    hazards = hazards + more[4]
    check_hazards(hazards)
    add_standing(enterprises, hazards)  # its own generator: nothing else moves
    sites = enterprises + idle + spaces + majors
    level = self_check(ctx, county, sites, hazards)
    # The six place layers: a generator of their own, after everything else, never above
    # their cell's colour (so every cell keeps the colour checked just above).
    rng = np.random.default_rng(PLACES_SEED)
    pnames = Names(rng)
    pnames.used |= cty.names.used
    for prefix, left in cty.names.phones.items():
        free = set(left)
        pnames.phones[prefix] = [n for n in pnames.phones[prefix] if n in free]
    places = make_places(Context(rng=rng, rules=ctx.rules, names=pnames, out=ctx.out), county,
                         enterprises, level)
    write_all(ctx, county, enterprises, idle, spaces, majors, hazards, places)
    sites = sites + [s for layer in places.values() for s in layer]
    assert self_check(ctx, county, sites, hazards) == level, "a place changed a cell's colour"
    report_county(county, level, sites, hazards)
