"""'kiezgraph serve' as a user runs it: ingests a missing or outdated store, then serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from sparql_api.server import store_is_current

from .api.conftest import free_port
from .conftest import BASE, PROJECT, edit_cell, make_settings


def test_serve_ingests_a_missing_store_then_answers(tmp_path: Path) -> None:
    """Two HTTP worker processes: the settings reach each of them (base IRI, store)."""
    port = free_port()
    store = tmp_path / "store"
    env = {**os.environ, "KIEZGRAPH_STORE_DIR": str(store), "KIEZGRAPH_BASE_IRI": BASE,
           "KIEZGRAPH_HTTP_WORKERS": "2"}
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "sparql_api.cli", "serve", "--port",
                                 str(port)], cwd=PROJECT, env=env,
                                stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.1)
        assert response.status_code == 200
        assert (store / "CURRENT").read_text().strip() == response.json()["release"]
        assert response.json()["base_iri"] == BASE
        for _ in range(4):  # both workers answer queries over the same release
            answer = requests.get(f"http://127.0.0.1:{port}/sparql", timeout=30, params={
                "query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+json"})
            assert answer.json()["boolean"] is True
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert proc.returncode == 0, log.read_text()
    assert "ingesting first" in log.read_text()
    assert "with 2 HTTP worker(s)" in log.read_text()


def test_store_is_outdated_when_the_data_changes(published_store: Path, data_copy: Path) -> None:
    assert store_is_current(make_settings(published_store))
    assert store_is_current(make_settings(published_store, data_dir=data_copy))
    edit_cell(data_copy / "areas.csv", "rixdorf", "website", "https://rixdorf-quartier.de/")
    assert not store_is_current(make_settings(published_store, data_dir=data_copy))


def test_store_is_outdated_when_the_base_iri_changes(published_store: Path) -> None:
    from ingest.config import Settings

    moved = Settings(store_dir=published_store, base_iri="https://kiezgraph.example.org")
    assert not store_is_current(moved)


def test_missing_store_is_not_current(tmp_path: Path) -> None:
    assert not store_is_current(make_settings(tmp_path / "none"))
