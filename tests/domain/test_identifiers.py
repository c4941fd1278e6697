"""USCC (GB 32100-2015) and industry codes (GB/T 4754-2017), with hand-computed expectations.

Check character (ISO 7064 MOD 31-3): values 0-9 → 0-9, then A10 B11 C12 D13 E14 F15 G16
H17 J18 K19 L20 M21 N22 P23 Q24 R25 T26 U27 W28 X29 Y30; weights of positions 1–17 are
3^(i-1) mod 31 = 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28; check = 31 − (Σ mod 31),
with 31 written as 0.
"""

from __future__ import annotations

import pytest

from geoapp.domain.identifiers import uscc_check_char, uscc_problem
from geoapp.domain.industry import normalise_industry

VALID = "91350100M000100Y43"


def test_known_valid_uscc():
    # 9·1 + 1·3 + 3·9 + 5·27 + 1·26 + M21·20 + 1·8 + Y30·30 + 4·28 = 1640; 1640 mod 31 = 28;
    # 31 − 28 = 3
    assert uscc_check_char(VALID[:17]) == "3"
    assert uscc_problem(VALID) is None


@pytest.mark.parametrize(
    ("first17", "check"),
    [
        # a government body (1…): 1·1 + 2·3 + 1·9 + 4·20 + 6·10 + 2·30 + 4·28 = 328;
        # 328 mod 31 = 18; 31 − 18 = 13 → D
        ("12100000400000624", "D"),
        # a village collective economic organisation (N2…, GB 32100-2015):
        # N22·1 + 2·3 + 1·9 + 1·27 + 1·26 + 1·17 + M21·20 + A10·29 + 1·13 + A10·8 + B11·24
        # + C12·10 + 7·30 + D13·28 = 1868; 1868 mod 31 = 8; 31 − 8 = 23 → P
        ("N2110101MA01ABC7D", "P"),
        # Σ mod 31 = 0: the check value 31 is written 0 (not Y, the character of 30):
        # 9·1 + 1·3 + 3·9 + 2·27 + 2·26 + 5·17 + M21·20 + A10·29 + Q24·28 = 1612 = 52 · 31
        ("91320205MA000000Q", "0"),
        # Σ mod 31 = 1: check 30 → Y, the largest value:
        # 9·1 + 1·3 + 3·9 + 2·27 + 2·26 + 5·17 + M21·20 + A10·29 + 3·28 = 1024 = 33·31 + 1
        ("91320205MA0000003", "Y"),
    ],
)
def test_constructed_uscc(first17, check):
    assert uscc_check_char(first17) == check
    assert uscc_problem(first17 + check) is None


def test_check_value_31_is_written_0():
    assert uscc_problem("91320205MA000000Q0") is None
    assert uscc_problem("91320205MA000000QY") == "统一社会信用代码校验位错误（应为 0）"


def test_wrong_check_char_names_the_expected_one():
    msg = uscc_problem("91350100M000100Y44")
    assert msg is not None
    assert "校验位" in msg
    assert "应为 3" in msg
    assert "应为 P" in uscc_problem("N2110101MA01ABC7DQ")


@pytest.mark.parametrize(
    ("code", "length"),
    [("91350100M000100Y4", 17), ("91350100M000100Y433", 19), ("", 0)],
)
def test_wrong_length(code, length):
    msg = uscc_problem(code)
    assert msg is not None
    assert "18 位" in msg
    assert f"实际 {length} 位" in msg


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_forbidden_letter(letter):
    # put the letter in position 9 (the M of the valid code); the length stays 18
    code = VALID[:8] + letter + VALID[9:]
    msg = uscc_problem(code)
    assert msg is not None
    assert f"非法字符 {letter}" in msg


def test_lowercase_and_spaces_accepted():
    assert uscc_problem("91350100m000100y43") is None
    assert uscc_problem("  91350100M000100Y43 ") is None
    assert uscc_problem("n2110101ma01abc7dp") is None


# ---------------------------------------------------------------- industry codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C2614", "2614"),  # 26 lies in section C (13–43): letter dropped
        ("c2614", "2614"),  # lower case is upper-cased first
        ("2614", "2614"),
        ("26", "26"),  # a division alone
        ("261", "261"),  # a group
        (" 59 ", "59"),  # surrounding spaces trimmed (59 warehousing, section G)
        ("B0610", "0610"),  # B covers 06–12
        ("T97", "97"),  # the last division
    ],
)
def test_normalise_industry(text, expected):
    assert normalise_industry(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("A2614", "门类应为 C"),  # A covers 01–05; division 26 is in C
        ("G2614", "门类应为 C"),
        ("98", "大类 98 不存在"),  # divisions end at 97
        ("00", "大类 00 不存在"),
        ("2A14", "格式不符"),  # a letter among the digits
        ("26141", "格式不符"),  # five digits
        ("2", "格式不符"),  # one digit
        ("", "格式不符"),
    ],
)
def test_normalise_industry_refuses(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        normalise_industry(text)
