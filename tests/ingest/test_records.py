"""Reading CSV files: header, row shape and quoting problems are located precisely."""

from __future__ import annotations

from pathlib import Path

from ingest.errors import Problem
from ingest.records import expected_header, read_all, read_file
from ingest.tables import TABLES_BY_NAME

DISTRICTS = TABLES_BY_NAME["districts"]


def _read(path: Path) -> tuple[list[str], list[Problem]]:
    problems: list[Problem] = []
    ids = [r.ident for r in read_file(DISTRICTS, path, problems)]
    return ids, problems


def test_rows_carry_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "districts.csv"
    header = ",".join(expected_header(DISTRICTS))
    path.write_text(f'{header}\nmitte,Mitte,001,11000001,berlin,src\n\n'
                    f'pankow,"Pan\nkow",003,11000003,berlin,src\nspandau,Spandau,005,,,src\n')
    problems: list[Problem] = []
    records = list(read_file(DISTRICTS, path, problems))
    assert problems == []
    assert [(r.ident, r.line) for r in records] == [("mitte", 2), ("pankow", 4), ("spandau", 6)]


def test_wrong_header_names_missing_and_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "districts.csv"
    path.write_text("id,name,schluessel,sources\nmitte,Mitte,001,src\n")
    ids, problems = _read(path)
    assert ids == []
    assert len(problems) == 1
    text = str(problems[0])
    assert "districts.csv:1" in text and "'key'" in text and "'schluessel'" in text
    assert "use exactly these columns" in text


def test_short_row_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "districts.csv"
    path.write_text(",".join(expected_header(DISTRICTS)) + "\nmitte,Mitte,001\n")
    ids, problems = _read(path)
    assert ids == []
    assert "districts.csv:2" in str(problems[0]) and "has 3 cells" in str(problems[0])


def test_unclosed_quote_is_malformed_csv(tmp_path: Path) -> None:
    path = tmp_path / "districts.csv"
    path.write_text(",".join(expected_header(DISTRICTS)) + '\nmitte,"Mitte,001,x,berlin,src\n')
    _, problems = _read(path)
    assert problems and "malformed CSV" in problems[0].rule


def test_not_utf8_and_empty_files(tmp_path: Path) -> None:
    latin = tmp_path / "districts.csv"
    header = ",".join(expected_header(DISTRICTS)).encode()
    latin.write_bytes(header + b"\nneukoelln,Neuk\xf6lln,008,,,s\n")
    assert "not UTF-8" in _read(latin)[1][0].rule
    latin.write_text("")
    assert "empty" in _read(latin)[1][0].rule


def test_unknown_file_names_are_reported(tmp_path: Path) -> None:
    (tmp_path / "bezirke.csv").write_text("id\n")
    problems: list[Problem] = []
    read_all(tmp_path, problems)
    assert any("bezirke.csv" in str(p) and "no table" in str(p) for p in problems)


def test_missing_data_folder(tmp_path: Path) -> None:
    problems: list[Problem] = []
    assert read_all(tmp_path / "nope", problems) == []
    assert "does not exist" in problems[0].rule
