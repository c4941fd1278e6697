"""What an import did, or would do: its counts, the rows it changes, and dry runs.

A dry run (预览) is the real import — the same reading, checks, writes and
recomputation (cells, zones, levels) — inside a transaction that is rolled
back at its end instead of committed: what it reports is exactly what the
import would do, and nothing is left written. The importers
(geoapp.store.importer) call ``end_of_run`` as the last step of their
transaction; ``dry_runnable`` turns the ``DryRunEnded`` that raises into the
function's return value. ``Progress`` tells a page polling a long import
(100 000 rows) which stage it is in and how many rows are written.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

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


class Progress:
    """How far an import is: its stage and, while rows are written, how many of how many.

    Kept in a small JSON file (``path``) that a page polls from any process; written at
    most every ``every`` seconds within a stage, and at once when a stage begins. Without
    a path it only remembers (the CLI, the tests of the importers).
    """

    def __init__(self, path=None, every: float = 0.5):
        self.path, self.every = path, every
        self.name, self.done, self.total, self._written = "", 0, None, 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        self.name, self.done, self.total = name, 0, total
        self._write()

    def step(self, done: int) -> None:
        self.done = done
        if time.monotonic() - self._written >= self.every:
            self._write()

    def as_dict(self) -> dict:
        return {"stage": self.name, "done": self.done, "total": self.total,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}

    def _write(self) -> None:
        self._written = time.monotonic()
        if self.path is not None:
            temp = Path(f"{self.path}.part")
            temp.write_text(json.dumps(self.as_dict()), encoding="utf-8")
            temp.replace(self.path)  # a reader never sees half a file


def read_progress(path) -> dict | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
