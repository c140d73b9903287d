"""All-or-nothing publishing: failures and kills leave the published release servable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import pipeline
from ingest.errors import StoreError
from ingest.pipeline import ingest
from ingest.release import ReleaseStore
from ingest.store import EmbeddedBackend

from ..conftest import BASE, DATA, PROJECT, current_release, make_settings, select

AREA_COUNT = "SELECT (COUNT(?a) AS ?n) WHERE { ?a a kg:QMArea }"


def test_failure_while_loading_keeps_the_old_release(store_copy: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(store_copy)
    before = current_release(store_copy)
    real_load = pipeline._load

    def load_then_fail(store, minter, graphs):  # type: ignore[no-untyped-def]
        real_load(store, minter, dict(list(graphs.items())[:3]))
        raise StoreError("injected: disk full")

    monkeypatch.setattr(pipeline, "_load", load_then_fail)
    with pytest.raises(StoreError, match="injected"):
        ingest(settings)
    assert current_release(store_copy) == before
    assert list(store_copy.glob(".building-*")), "the unfinished build is left for inspection"
    assert select(EmbeddedBackend(settings), AREA_COUNT) == [{"n": "51"}]

    monkeypatch.setattr(pipeline, "_load", real_load)
    meta = ingest(settings)
    assert current_release(store_copy) == meta["release_id"] != before
    assert not list(store_copy.glob(".building-*")), "the next ingest removes stale builds"


def test_kill_during_ingest_leaves_the_old_release_servable(store_copy: Path) -> None:
    before = current_release(store_copy)
    env = {**os.environ, "KIEZGRAPH_STORE_DIR": str(store_copy),
           "KIEZGRAPH_DATA_DIR": str(DATA), "KIEZGRAPH_BASE_IRI": BASE}
    proc = subprocess.Popen([sys.executable, "-m", "sparql_api.cli", "ingest"], cwd=PROJECT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while not list(store_copy.glob(".building-*")):
            assert proc.poll() is None, "the ingest ended before it started writing"
            assert time.monotonic() < deadline, "the ingest never started writing"
            time.sleep(0.001)
        os.kill(proc.pid, signal.SIGKILL)  # mid-write: the build folder exists
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert current_release(store_copy) == before
    backend = EmbeddedBackend(make_settings(store_copy))
    assert backend.release_id() == before
    assert select(backend, AREA_COUNT) == [{"n": "51"}]


def test_a_new_release_becomes_visible_to_a_running_backend(store_copy: Path) -> None:
    settings = make_settings(store_copy)
    backend = EmbeddedBackend(settings)
    old = backend.release_id()
    time.sleep(0.01)  # the pointer's mtime must differ
    new = ingest(settings)["release_id"]
    assert new != old
    assert backend.release_id() == new
    assert select(backend, AREA_COUNT) == [{"n": "51"}]


def test_only_one_ingest_at_a_time(store_copy: Path) -> None:
    releases = ReleaseStore(store_copy)
    steps: list[str] = []
    with releases.ingest_lock(), pytest.raises(StoreError, match="another ingest is running"):
        ingest(make_settings(store_copy), progress=steps.append)
    # refused before reading the data, not after minutes of validation (regression)
    assert steps == []


def test_old_releases_are_pruned(store_copy: Path) -> None:
    settings = make_settings(store_copy, keep_releases=1)
    published = current_release(store_copy)
    ids = [ingest(settings)["release_id"] for _ in range(2)]
    kept = sorted(p.name for p in (store_copy / "releases").iterdir() if p.is_dir())
    assert published not in ids and kept == sorted(ids)


def test_pointer_to_a_missing_release_is_a_store_error(store_copy: Path) -> None:
    (store_copy / "CURRENT").write_text("20990101T000000000000Z-deadbeef\n")
    with pytest.raises(StoreError, match="missing"):
        EmbeddedBackend(make_settings(store_copy)).release_id()


def test_no_release_yet(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no release"):
        EmbeddedBackend(make_settings(tmp_path / "empty")).release_id()
