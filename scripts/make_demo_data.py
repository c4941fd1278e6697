#!/usr/bin/env python3
"""Generate the bundled demo data (synthetic 示范县（虚构）, four town-level units) into data/.

A thin entry point: the generator is the package scripts/demodata/, whose
docstring describes the steps. Run from the repository root:

    python scripts/make_demo_data.py
"""

import sys
from pathlib import Path

# Run from a checkout without installing geoapp; Python already puts this
# script's folder (scripts/, holding demodata/) on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import demodata  # noqa: E402

if __name__ == "__main__":
    demodata.main()
