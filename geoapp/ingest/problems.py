"""What is wrong with an input file: each problem with its row and column, and the refusal.

Every reader (ledgers, boundaries, the upload checks) reports with these, so
the command line and (later) the admin pages show one kind of report.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where (row, column) and why."""

    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"列“{self.column}”")
        # a reason quoting a pasted page (“应为数字，而不是 '…'”) stays one readable line
        reason = self.reason if len(self.reason) <= REASON_MAX else (
            self.reason[:REASON_MAX] + f"…（共 {len(self.reason)} 字）")
        return f"{'，'.join(where)}：{reason}" if where else reason


REASON_MAX = 1000


class ImportRejected(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, path, problems: list[Problem],
                 outcome: str = "未导入任何数据（数据库未改动）"):
        self.path = str(path)
        self.problems = problems
        self.outcome = outcome  # what did not happen, for the reader
        super().__init__(self.report())

    def report(self, limit: int = 200) -> str:
        lines = [f"{self.path}: {len(self.problems)} 处错误，{self.outcome}"]
        lines += [f"  {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ……另有 {len(self.problems) - limit} 处")
        return "\n".join(lines)


class EngineError(RuntimeError):
    """``geoapp assign`` cannot run on the engine asked for (unknown engine, the dask
    extra missing, scheduler unreachable); one line for the command to print."""
