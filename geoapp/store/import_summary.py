"""What an import did, or would do: its counts, the rows it changes, and dry runs.

A dry run (预览) is the real import — the same reading, checks, writes and
recomputation (cells, zones, levels) — inside a transaction that is rolled
back at its end instead of committed: what it reports is exactly what the
import would do, and nothing is left written. The importers
(geoapp.store.importer) call ``end_of_run`` as the last step of their
transaction; ``dry_runnable`` turns the ``DryRunEnded`` that raises into the
function's return value.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

# rows listed one by one in a summary; the counts cover them all
LISTED = 1000


@dataclass
class ImportSummary:
    kind: str
    path: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    outside: int = 0
    reassigned: int = 0  # points whose cell and zones were recomputed
    notes: list[str] = field(default_factory=list)
    # {"action": added | updated | deleted, "key", "name"?, "fields"?}, the first LISTED
    changes: list[dict] = field(default_factory=list)
    # points outside every cell after the import: {"layer", "key", "name"}, the first LISTED
    outside_points: list[dict] = field(default_factory=list)
    dry_run: bool = False

    def change(self, action: str, key: str, name: str | None = None,
               fields: list[str] | None = None) -> None:
        if len(self.changes) < LISTED:
            self.changes.append({"action": action, "key": key, "name": name,
                                 "fields": fields or []})

    def counts(self) -> dict:
        return {"created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "outside": self.outside}

    def as_dict(self) -> dict:
        return {"kind": self.kind, **self.counts(), "reassigned": self.reassigned,
                "notes": self.notes, "changes": self.changes,
                "outside_points": self.outside_points, "dry_run": self.dry_run}

    def __str__(self) -> str:
        text = (f"{self.path}: {self.kind} 新增 {self.created}，更新 {self.updated}，"
                f"未变 {self.unchanged}")
        if self.outside:
            text += f"；{self.outside} 个点位不在任何网格内（已保留并标记）"
        return "\n".join([text, *(f"  {n}" for n in self.notes)])


class DryRunEnded(Exception):
    """Raised at the end of a dry run's transaction: it rolls back; carries the summary."""

    def __init__(self, summary: ImportSummary):
        super().__init__("dry run")
        self.summary = summary


def end_of_run(summary: ImportSummary, dry_run: bool) -> None:
    """The last step in an import's transaction: a dry run ends here, rolled back."""
    if dry_run:
        summary.dry_run = True
        raise DryRunEnded(summary)


def dry_runnable(importer):
    """An importer taking ``dry_run=True`` returns its summary with nothing written."""
    @functools.wraps(importer)
    def run(*args, **kwargs):
        try:
            return importer(*args, **kwargs)
        except DryRunEnded as ended:
            return ended.summary
    return run
