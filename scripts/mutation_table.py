"""Print mutmut's results per module as a Markdown table (scripts/mutation.sh).

Reads mutants/<module>.py.meta, mutmut's record of each mutant's exit code.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

rows = []
total = Counter()
# rglob: the rule modules live in subpackages (geoapp/domain, geoapp/store)
for meta in sorted(Path("mutants/geoapp").rglob("*.py.meta")):
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    if not codes:
        continue
    c = Counter(status_by_exit_code[v] for v in codes.values())
    total += c
    rows.append((str(meta.relative_to("mutants/geoapp")).removesuffix(".meta"), c))

print("| module | mutants | killed | survived | timeout | other | killed % |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, c in [*rows, ("**all**", total)]:
    n = sum(c.values())
    dead = c["killed"] + c["timeout"]  # a mutant that hangs the tests is caught too
    other = n - c["killed"] - c["survived"] - c["timeout"]
    print(f"| {name} | {n} | {c['killed']} | {c['survived']} | {c['timeout']} | {other} "
          f"| {100 * dead / n:.1f} |" if n else f"| {name} | 0 | | | | | |")
sys.exit(0)
