"""Bad curated data: the ingest stops with exit code 1, says where and how to fix it,
and the published release stays exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sparql_api.cli import main

from ..conftest import BASE, current_release, edit_cell, read_rows, write_rows


def run_ingest(store: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["ingest", "--store-dir", str(store), "--data-dir", str(data),
                 "--base-iri", BASE])
    captured = capsys.readouterr()
    return code, captured.err


def first(rows: list[dict[str, str]], pred: Callable[[dict[str, str]], bool]) -> dict[str, str]:
    return next(r for r in rows if pred(r))


@pytest.fixture
def expect_rejected(store_copy: Path, data_copy: Path, capsys: pytest.CaptureFixture[str]):
    """Run an ingest that must fail; check the store is untouched; return stderr."""
    def check(*fragments: str) -> str:
        before = current_release(store_copy)
        releases_before = sorted(p.name for p in (store_copy / "releases").iterdir())
        code, err = run_ingest(store_copy, data_copy, capsys)
        assert code == 1, err
        for fragment in fragments:
            assert fragment in err, f"{fragment!r} not in:\n{err}"
        assert "nothing was published" in err
        assert current_release(store_copy) == before
        assert sorted(p.name for p in (store_copy / "releases").iterdir()) == releases_before
        return err
    return check


def test_unknown_district(data_copy: Path, expect_rejected) -> None:
    line = edit_cell(data_copy / "areas.csv", "badstrasse", "district", "wedding")
    expect_rejected(f"areas.csv:{line}", "record 'badstrasse'", "field 'district'",
                    "unknown reference 'wedding'", "Fix:")


def test_duplicate_id(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "areas.csv"
    rows = read_rows(path)
    write_rows(path, [*rows, dict(rows[0])])
    expect_rejected(f"areas.csv:{len(rows) + 2}", f"duplicate id '{rows[0]['id']}'",
                    "first defined at areas.csv:2")


def test_wrong_date(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "area_events.csv"
    row = first(read_rows(path), lambda r: bool(r["date"]))
    line = edit_cell(path, row["id"], "date", "31.12.2020")
    expect_rejected(f"area_events.csv:{line}", "field 'date'", "'31.12.2020' is not a date",
                    "YYYY-MM-DD")


def test_impossible_calendar_date(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "area_events.csv"
    row = first(read_rows(path), lambda r: bool(r["date"]))
    edit_cell(path, row["id"], "date", "2020-02-30")
    expect_rejected("not a day of the calendar")


def test_malformed_file(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "districts.csv"
    path.write_text(path.read_text(encoding="utf-8") + 'extra,"unclosed\n', encoding="utf-8")
    expect_rejected("districts.csv", "malformed CSV")


def test_missing_required_value(data_copy: Path, expect_rejected) -> None:
    line = edit_cell(data_copy / "areas.csv", "rixdorf", "name", "")
    expect_rejected(f"areas.csv:{line}", "field 'name'", "required value is missing")


def test_record_without_source(data_copy: Path, expect_rejected) -> None:
    line = edit_cell(data_copy / "areas.csv", "rixdorf", "sources", "")
    expect_rejected(f"areas.csv:{line}", "field 'sources'", "at least one source")


def test_unknown_concept(data_copy: Path, expect_rejected) -> None:
    line = edit_cell(data_copy / "areas.csv", "rixdorf", "status", "aktiv")
    expect_rejected(f"areas.csv:{line}", "field 'status'", "not a concept of scheme 'area-status'")


# -- SHACL: each kind of bad record is rejected by the shapes --------------------------


def test_negative_money(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "observations.csv"
    row = first(read_rows(path), lambda r: bool(r["amount_eur"]))
    line = edit_cell(path, row["id"], "amount_eur", "-5")
    expect_rejected(f"observations.csv:{line}", "field 'amount_eur'", "must not be negative")


def test_end_before_start(data_copy: Path, expect_rejected) -> None:
    line = edit_cell(data_copy / "areas.csv", "wrangelkiez", "end", "1998")
    expect_rejected(f"areas.csv:{line}", "The end lies before the start")


def test_year_before_the_programme(data_copy: Path, expect_rejected) -> None:
    line = edit_cell(data_copy / "areas.csv", "sparrplatz", "start", "1990")
    expect_rejected(f"areas.csv:{line}", "within the programme's life")


def test_merged_area_without_successor(data_copy: Path, expect_rejected) -> None:
    line = edit_cell(data_copy / "areas.csv", "ganghoferstrasse", "successor", "")
    expect_rejected(f"areas.csv:{line}", "A merged area must name its successor")


def test_active_area_with_end_date(data_copy: Path, expect_rejected) -> None:
    line = edit_cell(data_copy / "areas.csv", "badstrasse", "end", "2024")
    expect_rejected(f"areas.csv:{line}", "An active area has no end date")


def test_fund_rule_outside_the_funds_period(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "rules.csv"
    row = first(read_rows(path), lambda r: r["subject"] == "aktionsfonds-2014")
    line = edit_cell(path, row["id"], "valid_from", "2022")
    expect_rejected(f"rules.csv:{line}", "holds only within the fund's period")


def test_observation_without_a_dimension(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "observations.csv"
    row = first(read_rows(path), lambda r: r["cube"] == "funding")
    line = edit_cell(path, row["id"], "funding_source", "")
    expect_rejected(f"observations.csv:{line}", "lacks a dimension of its structure")


def test_observation_without_its_measure(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "observations.csv"
    row = first(read_rows(path), lambda r: r["cube"] == "counts")
    line = edit_cell(path, row["id"], "count", "")
    expect_rejected(f"observations.csv:{line}", "lacks its structure's measure")


def test_project_outside_its_funds_period(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "projects.csv"
    row = first(read_rows(path), lambda r: r["fund"] == "aktionsfonds-2021")
    line = edit_cell(path, row["id"], "start", "2015")
    expect_rejected(f"projects.csv:{line}", "starts outside its fund's period")


def test_share_above_hundred_percent(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "measurements.csv"
    row = first(read_rows(path), lambda r: r["unit"] == "percent")
    line = edit_cell(path, row["id"], "value", "160.5")
    expect_rejected(f"measurements.csv:{line}", "between 0 and 100")


def test_committee_members_do_not_add_up(data_copy: Path, expect_rejected) -> None:
    path = data_copy / "committee_facts.csv"
    row = first(read_rows(path), lambda r: bool(r["members"] and r["residents"]
                                                and r["institutions"]))
    line = edit_cell(path, row["id"], "members", "3")
    expect_rejected(f"committee_facts.csv:{line}", "exceed the member count")


def test_bad_setting_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["ingest", "--store-dir", str(tmp_path), "--base-iri", "not-an-iri"])
    assert code == 2
    assert "bad setting base_iri" in capsys.readouterr().err
