"""Print mutmut's results per module as a Markdown table (scripts/mutation.sh).

Reads mutants/<module>.py.meta, mutmut's record of each mutant's exit code.
With module paths as arguments (geoapp/domain/ranks.py ...), only those rows.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

wanted = {p.removeprefix("geoapp/") for p in sys.argv[1:]}
rows = []
total = Counter()
# rglob: the rule modules live in subpackages (geoapp/domain, geoapp/store)
for meta in sorted(Path("mutants/geoapp").rglob("*.py.meta")):
    name = str(meta.relative_to("mutants/geoapp")).removesuffix(".meta")
    if wanted and name not in wanted:
        continue
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    if not codes:
        continue
    c = Counter(status_by_exit_code[v] for v in codes.values())
    total += c
    rows.append((name, c))

print("| module | mutants | killed | timeout | survived | not checked | other "
      "| killed % of checked |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name, c in [*rows, ("**all**", total)]:
    n = sum(c.values())
    dead = c["killed"] + c["timeout"]  # a mutant that hangs the tests is caught too
    checked = dead + c["survived"]
    other = n - checked - c["not checked"]
    share = f"{100 * dead / checked:.1f}" if checked else ""
    print(f"| {name} | {n} | {c['killed']} | {c['timeout']} | {c['survived']} "
          f"| {c['not checked']} | {other} | {share} |")
sys.exit(0)
