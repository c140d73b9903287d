"""/health over real HTTP."""

from __future__ import annotations

from pathlib import Path

from ..conftest import current_release, make_settings
from .conftest import LiveServer


def test_health_names_the_release(live, http, published) -> None:
    response = http.get(f"{live.url}/health", timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["release"] == current_release(published.store_dir)
    assert body["backend"] == "embedded"


def test_health_without_a_release_is_503(tmp_path: Path, http) -> None:
    with LiveServer(make_settings(tmp_path / "empty")) as server:
        response = http.get(f"{server.url}/health", timeout=10)
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        response = http.get(f"{server.url}/sparql", params={"query": "ASK {}"}, timeout=10)
        assert response.status_code == 503
        assert "no release" in response.text
