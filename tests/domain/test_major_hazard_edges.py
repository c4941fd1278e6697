"""Edges of domain/major_hazard.py and domain/substances.py that the mutation check
(scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""

import pytest

from geoapp.domain.substances import Substance, load_substances, name_key
from tests.domain.test_major_hazard import GOOD, write


def refusal(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as info:
        load_substances(path)
    return str(info.value).removeprefix(f"{path}: ")


def test_name_key_removes_inner_whitespace():
    assert name_key("氯化氢 （无水）") == "氯化氢(无水)"
    assert name_key(" 液 氨\t") == "液氨"


def test_aliases_may_be_left_out(tmp_path):
    table = load_substances(write(tmp_path, GOOD.replace('aliases = ["液氨"]\n', "")))
    assert table["氨"] == Substance("氨", (), "7664-41-7", 10.0, 2.0, "表3 毒性气体 氨")
    assert sorted(table) == ["氨", "氯", "氯气", "液氯"]


@pytest.mark.parametrize(("old", "new", "message"), [
    ('aliases = ["液氨"]', 'aliases = ["液氨", "  "]',
     "substances[1] (氨): 'aliases' must be a list of non-empty strings"),
    ('beta_basis = "表3 毒性气体 氨"', 'beta_basis = "  "',
     "substances[1] (氨): 'beta_basis' must be a non-empty string"),
    ('cas = "7664-41-7"', 'cas = "7664417"',
     "substances[1] (氨): 'cas' '7664417' is not a CAS number (format or check digit)"),
])
def test_bad_entries_are_named(tmp_path, old, new, message):
    assert refusal(tmp_path, GOOD.replace(old, new)) == message


@pytest.mark.parametrize(("text", "message"), [
    ("version = 1\n" + GOOD, "unknown top-level key 'version'"),
    ("substances = []\n", "no [[substances]] tables"),
    ("substances = [1]\n", "substances[0]: not a table"),
])
def test_bad_files_are_named(tmp_path, text, message):
    assert refusal(tmp_path, text) == message
