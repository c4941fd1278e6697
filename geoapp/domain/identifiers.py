"""Identifiers used in ledgers: the unified social credit code (USCC).

GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》: 18 characters from
the alphabet 0-9 A-H J-N P-R T U W-Y (no I, O, Z, S, V). Character 18 is a
check character computed by ISO 7064 MOD 31-3 over the first 17 with weights
3^(i-1) mod 31.
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# weight of position i (1-based) is 3^(i-1) mod 31, GB 32100-2015 §5
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_SHAPE = re.compile(f"^[{ALPHABET}]{{18}}$")


def uscc_check_char(first17: str) -> str:
    """Return the check character for the first 17 characters of a USCC.

    Examples
    --------
    >>> uscc_check_char("91350100M000100Y4")
    '3'
    """
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid USCC, in Chinese for the import report; None if valid.

    Examples
    --------
    >>> uscc_problem("91350100M000100Y43") is None
    True
    >>> uscc_problem("91350100M000100Y44")
    '统一社会信用代码校验位错误（应为 3）'
    """
    code = code.strip().upper()
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位（实际 {len(code)} 位）"
    if not _SHAPE.match(code):
        bad = sorted({c for c in code if c not in _VALUE})
        return f"统一社会信用代码含非法字符 {''.join(bad)}（不得含 I、O、Z、S、V）"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误（应为 {expected}）"
    return None
