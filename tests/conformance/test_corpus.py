"""The corpus itself: every case loads, ids are unique, and each names its source page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conformance.corpus import CASES_DIR, fill_path, load_case, load_cases, placeholders

CASE_FILES = sorted(CASES_DIR.glob("*.json"))


@pytest.mark.parametrize("file", CASE_FILES, ids=[file.stem for file in CASE_FILES])
def test_every_case_file_loads(file: Path) -> None:
    case = load_case(file)
    assert case["id"] == file.stem


def test_at_least_forty_cases() -> None:
    assert len(load_cases()) >= 40


def test_ids_are_unique_and_sorted() -> None:
    ids = [case["id"] for case in load_cases()]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)


def test_every_case_names_its_source_page() -> None:
    for case in load_cases():
        assert case["source"]["page"], case["id"]


def test_fill_path_uses_documented_values_and_overrides() -> None:
    case = next(c for c in load_cases() if c["id"] == "contacts-get-by-email")
    assert fill_path(case) == "/api/contacts/by_email/test@gmail.com"
    assert fill_path(case, {"email": "a+b/c@x.com"}) == "/api/contacts/by_email/a%2Bb%2Fc@x.com"
    for case in load_cases():
        filled = fill_path(case)
        assert "{" not in filled, case["id"]
        assert not placeholders(filled), case["id"]


def test_a_bad_case_is_refused_with_its_file_name(tmp_path: Path) -> None:
    good = json.loads((CASES_DIR / "mailings-abort.json").read_text(encoding="utf-8"))
    bad = dict(good, id="not-the-stem")
    (tmp_path / "mailings-abort.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match=r"mailings-abort\.json"):
        load_cases(tmp_path)

    request = dict(good["request"], path_params={})
    (tmp_path / "mailings-abort.json").write_text(
        json.dumps(dict(good, request=request)), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="mailing_id"):
        load_cases(tmp_path)
