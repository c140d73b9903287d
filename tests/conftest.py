"""Shared fixtures: isolated settings, one real ingest per session, helpers to edit data."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.config import Settings
from ingest.executor import Job
from ingest.pipeline import ingest
from ingest.store import Backend, EmbeddedBackend
from ingest.vocab import Vocab

PROJECT = Path(__file__).resolve().parent.parent
DATA = PROJECT / "data"
SHARED_DOMAIN = PROJECT.parent / "shared" / "domain"
BASE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No KIEZGRAPH_ variable or .env file of the developer leaks into a test."""
    import os

    for name in list(os.environ):
        if name.startswith("KIEZGRAPH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def make_settings(store_dir: Path, data_dir: Path = DATA, **extra: Any) -> Settings:
    return Settings(store_dir=store_dir, data_dir=data_dir, base_iri=BASE, **extra)


@pytest.fixture(scope="session")
def published_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one release of the real curated data (built once per session)."""
    store = tmp_path_factory.mktemp("store")
    ingest(make_settings(store))
    return store


@pytest.fixture(scope="session")
def published(published_store: Path) -> Settings:
    return make_settings(published_store)


@pytest.fixture(scope="session")
def backend(published: Settings) -> Iterator[EmbeddedBackend]:
    backend = EmbeddedBackend(published, workers=2)
    yield backend
    backend.close()


@pytest.fixture
def store_copy(published_store: Path, tmp_path: Path) -> Path:
    """A private copy of the published store, for tests that try to change it."""
    target = tmp_path / "store"
    shutil.copytree(published_store, target)
    return target


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def select(backend: Backend, query: str) -> list[dict[str, str]]:
    """Run a SELECT with the Kiezgraph prefixes; rows map variables to plain strings."""
    answer = backend.query(Job(query, prefixes=Vocab(BASE).prefixes))
    data = json.loads(answer.read_all())
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def ask(backend: Backend, query: str) -> bool:
    answer = backend.query(Job(query, prefixes=Vocab(BASE).prefixes))
    return bool(json.loads(answer.read_all())["boolean"])


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> None:
    header = header or list(rows[0])
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def edit_cell(path: Path, ident: str, column: str, value: str) -> int:
    """Set one cell of the row with ``id``; returns the row's line number in the file."""
    rows = read_rows(path)
    header = list(rows[0])
    for index, row in enumerate(rows):
        if row["id"] == ident:
            row[column] = value
            write_rows(path, rows, header)
            return index + 2
    raise KeyError(ident)


def current_release(store_dir: Path) -> str:
    return (store_dir / "CURRENT").read_text().strip()

