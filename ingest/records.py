"""Read the curated CSV files of each table, keeping file and line of every row."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem
from .tables import TABLES, Table


@dataclass(frozen=True)
class Record:
    table: Table
    file: Path
    line: int
    values: dict[str, str]

    @property
    def ident(self) -> str:
        return self.values["id"]

    def where(self) -> str:
        return f"{self.file.name}:{self.line}"


def table_files(data_dir: Path, table: Table) -> list[Path]:
    """``t.csv`` first, then ``t.<part>.csv`` in name order."""
    main = data_dir / table.filename
    parts = sorted(data_dir.glob(f"{table.name}.*.csv"))
    return ([main] if main.exists() else []) + parts


def expected_header(table: Table) -> list[str]:
    return ["id", *(c.name for c in table.columns), "sources"]


def read_file(table: Table, path: Path, problems: list[Problem]) -> Iterator[Record]:
    """Yield the rows of one file; header and shape problems go to ``problems``."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(path.name, None, None, f"not UTF-8 ({exc.reason})",
                                "save the file as UTF-8"))
        return
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(path.name, 1, None, "the file is empty",
                                f"start with the header {','.join(expected_header(table))}"))
        return
    except csv.Error as exc:
        problems.append(Problem(path.name, 1, None, f"malformed CSV ({exc})", "fix the quoting"))
        return
    want = expected_header(table)
    missing = [c for c in want if c not in header]
    unknown = [c for c in header if c not in want]
    if missing or unknown or len(set(header)) != len(header):
        problems.append(Problem(
            path.name, 1, None,
            f"header does not match table '{table.name}' (missing: {missing or 'none'}, "
            f"unknown: {unknown or 'none'})",
            f"use exactly these columns: {','.join(want)}",
        ))
        return
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(Problem(path.name, line, None, f"malformed CSV ({exc})",
                                    "close the quotes of this row"))
            return
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(
                path.name, start, None,
                f"the row has {len(row)} cells but the header has {len(header)}",
                "quote cells that contain commas and give every column a cell",
            ))
            continue
        values = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        yield Record(table, path, start, values)


def read_all(data_dir: Path, problems: list[Problem]) -> list[Record]:
    if not data_dir.is_dir():
        problems.append(Problem(str(data_dir), None, None, "the data folder does not exist",
                                "set KIEZGRAPH_DATA_DIR or --data-dir to the curated data"))
        return []
    known = {t.name for t in TABLES}
    for path in sorted(data_dir.glob("*.csv")):
        if path.name.split(".")[0] not in known:
            problems.append(Problem(path.name, None, None, "no table of this name is declared",
                                    f"rename it to one of: {', '.join(sorted(known))}"))
    return [rec for table in TABLES for path in table_files(data_dir, table)
            for rec in read_file(table, path, problems)]
