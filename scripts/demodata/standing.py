"""The enterprises' status, 安全生产标准化 level and 安责险 (the 红黑榜's facts), synthetic.

Drawn from a generator of their own (STANDING_SEED) after every other step, so
that adding these columns left every other value of every file as it was. Two
enterprises 已关闭取缔 have a hazard found after their closing date (the plans'
死灰复燃, so the black list has such an entry); a dozen are 长期停产停工.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .common import AS_OF
from .model import Site

STANDING_SEED = 20261207
LEVELS = {"规模以上": (["一级", "二级", "三级", "无"], [0.12, 0.38, 0.35, 0.15]),
          "规模以下": (["二级", "三级", "小微", "无"], [0.15, 0.35, 0.2, 0.3]),
          "小微": (["三级", "小微", "无"], [0.1, 0.5, 0.4])}


def add_standing(enterprises: list[Site], hazards: list[dict]) -> None:
    """Fill 经营状态, 状态日期, 安全生产标准化等级, 安责险投保, 安责险到期日 in place."""
    rng = np.random.default_rng(STANDING_SEED)
    for s in enterprises:
        choices, weights = LEVELS[s.row["企业规模"] or "小微"]
        s.row["安全生产标准化等级"] = choices[int(rng.choice(len(choices), p=weights))]
        insured = bool(rng.random() < (0.85 if s.row["企业规模"] == "规模以上" else 0.55))
        s.row["安责险投保"] = "是" if insured else "否"
        # most ledgers give no expiry; some give one, a few of them past
        roll = rng.random()
        s.row["安责险到期日"] = (None if not insured or roll < 0.8 else
                           dt.date(2026, 6, 30) if roll < 0.88 else dt.date(2027, 12, 31))
        s.row["经营状态"], s.row["状态日期"] = "正常生产", None
    found = {}
    for h in hazards:
        if h["点位类型"] == "企业":
            found.setdefault(h["点位编号"], []).append(h["发现日期"])
    keyed = {s.key: s for s in enterprises}
    revived = sorted(k for k, days in found.items() if max(days).year == AS_OF.year)
    for i in rng.choice(len(revived), 2, replace=False):
        s = keyed[revived[int(i)]]
        s.row["经营状态"] = "已关闭取缔"
        s.row["状态日期"] = max(found[s.key]) - dt.timedelta(days=int(rng.integers(30, 120)))
    quiet = sorted(s.key for s in enterprises
                   if s.key not in found and s.row["经营状态"] == "正常生产")
    for i in rng.choice(len(quiet), 12, replace=False):
        s = keyed[quiet[int(i)]]
        s.row["经营状态"] = "长期停产停工"
        s.row["状态日期"] = AS_OF - dt.timedelta(days=int(rng.integers(200, 900)))
