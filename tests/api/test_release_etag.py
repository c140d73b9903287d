"""A new release changes every ETag and is served at once, without a restart."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from ingest.pipeline import ingest

from ..conftest import make_settings
from .conftest import LiveServer

QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_new_release_new_etag(store_copy: Path) -> None:
    settings = make_settings(store_copy)
    with LiveServer(settings) as server:
        url = f"{server.url}/sparql"
        first = requests.get(url, params={"query": QUERY}, timeout=30)
        etag = first.headers["etag"]
        assert requests.get(url, params={"query": QUERY}, timeout=30,
                            headers={"If-None-Match": etag}).status_code == 304
        time.sleep(0.01)
        release = ingest(settings)["release_id"]
        second = requests.get(url, params={"query": QUERY}, timeout=30,
                              headers={"If-None-Match": etag})
        assert second.status_code == 200
        assert second.headers["etag"] != etag
        assert second.headers["x-kiezgraph-release"] == release
        assert first.headers["x-kiezgraph-release"] != release
