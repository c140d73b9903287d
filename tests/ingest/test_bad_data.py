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
# (file, which row, column, new value, what the report must say)
SHACL_CASES = [
    ("observations.csv", lambda r: bool(r["amount_eur"]), "amount_eur", "-5",
     "must not be negative"),
    ("areas.csv", lambda r: r["id"] == "wrangelkiez", "end", "1998",
     "The end lies before the start"),
    ("areas.csv", lambda r: r["id"] == "sparrplatz", "start", "1990",
     "not before it started"),
    ("areas.csv", lambda r: r["id"] == "ganghoferstrasse", "successor", "",
     "A merged area must name its successor"),
    ("areas.csv", lambda r: r["id"] == "badstrasse", "end", "2024",
     "An active area has no end date"),
    ("rules.csv", lambda r: r["subject"] == "aktionsfonds-2014", "valid_from", "2022",
     "holds only within the fund's period"),
    ("observations.csv", lambda r: r["cube"] == "funding", "funding_source", "",
     "lacks a dimension of its structure"),
    ("observations.csv", lambda r: r["cube"] == "counts", "count", "",
     "lacks its structure's measure"),
    ("projects.csv", lambda r: r["fund"] == "aktionsfonds-2021", "start", "2015",
     "starts outside its fund's period"),
    ("measurements.csv", lambda r: r["unit"] == "percent", "value", "160.5",
     "between 0 and 100"),
    ("committee_facts.csv", lambda r: bool(r["members"] and r["residents"] and r["institutions"]),
     "members", "3", "exceed the member count"),
    ("area_events.csv", lambda r: r["kind"] == "merger", "successor", "",
     "A merger must name the successor area"),
]


def test_shapes_reject_bad_records(data_copy: Path, expect_rejected) -> None:
    """All kinds at once, in one ingest (a SHACL run over the whole graph takes seconds):
    each bad record must have its own report line, with its file, line, field and rule."""
    located = []
    for file, pick, column, value, message in SHACL_CASES:
        row = first(read_rows(data_copy / file), pick)
        line = edit_cell(data_copy / file, row["id"], column, value)
        located.append((f"{file}:{line}", f"field '{column}'", message))
    report = expect_rejected().splitlines()
    for fragments in located:
        lines = [r for r in report if all(f in r for f in fragments)]
        assert lines, f"no report line with {fragments}:\n" + "\n".join(report)
        assert all("SHACL Violation" in r and "Fix:" in r for r in lines), lines


def test_bad_setting_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["ingest", "--store-dir", str(tmp_path), "--base-iri", "not-an-iri"])
    assert code == 2
    assert "bad setting base_iri" in capsys.readouterr().err
