"""The same service on an external SPARQL server: a real 'oxigraph serve' on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph

from ingest.config import Settings
from ingest.errors import ConfigError, StoreError
from ingest.pipeline import ingest
from ingest.store import RELEASE_ID_TTL, RemoteBackend

from .api.conftest import LiveServer, free_port
from .conftest import BASE, DATA, select

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
SERVER_TIMEOUT = 10


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph-db")
    # --timeout-s: the server stops a query that Kiezgraph gave up on (as the README says)
    proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location),
                             "--bind", f"127.0.0.1:{port}", "--timeout-s", str(SERVER_TIMEOUT)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/query", params={"query": "ASK {}"}, timeout=1)
            break
        except requests.ConnectionError:
            assert proc.poll() is None, "oxigraph serve exited"
            assert time.monotonic() < deadline, "oxigraph serve did not start"
            time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def remote_settings(url: str, tmp_path: Path, **more: object) -> Settings:
    values: dict[str, object] = {
        "backend": "remote", "remote_query_url": f"{url}/query",
        "remote_update_url": f"{url}/update", "base_iri": BASE, "data_dir": DATA,
        "store_dir": tmp_path / "unused"}
    return Settings(**{**values, **more})


@pytest.fixture(scope="module")
def first_release(oxigraph_server: str, tmp_path_factory: pytest.TempPathFactory
                  ) -> dict[str, object]:
    """One ingest into the external server, shared by this module's tests."""
    return ingest(remote_settings(oxigraph_server, tmp_path_factory.mktemp("remote")))


def test_ingest_into_an_external_server_and_query_it(oxigraph_server: str, tmp_path: Path,
                                                     first_release: dict) -> None:
    settings = remote_settings(oxigraph_server, tmp_path)
    backend = RemoteBackend(settings)
    assert backend.release_id() == first_release["release_id"]
    assert select(backend, "SELECT (COUNT(?a) AS ?n) WHERE { ?a a kg:QMArea }") == [{"n": "51"}]
    total = select(backend, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert total == [{"n": str(first_release["triples"])}]


def test_a_new_release_replaces_the_old_one_under_a_running_api(
        oxigraph_server: str, tmp_path: Path, first_release: dict) -> None:
    """The API serves from the external server; a second release replaces the first
    completely (nothing doubles, nothing is left over) and changes every ETag."""
    settings = remote_settings(oxigraph_server, tmp_path)
    with LiveServer(settings) as server:
        health = requests.get(f"{server.url}/health", timeout=10).json()
        assert health == {"status": "ok", "release": first_release["release_id"],
                          "backend": "remote", "base_iri": BASE}
        response = requests.get(f"{server.url}/sparql", timeout=30, params={
            "query": f"ASK {{ <{BASE}/id/area/rixdorf> <{BASE}/def/district> ?d }}"})
        assert response.status_code == 200 and response.json()["boolean"] is True
        response = requests.get(f"{server.url}/sparql", params={"query": "SELECT"}, timeout=10)
        assert response.status_code == 400
        # descriptions come from the memo until the server's release changes
        url, turtle = f"{server.url}/id/area/rixdorf", {"Accept": "text/turtle"}
        first = requests.get(url, headers=turtle, timeout=30)
        assert first.status_code == 200 and first.content == requests.get(
            url, headers=turtle, timeout=30).content
        time.sleep(0.01)
        second = ingest(settings)  # published by "another process": the API learns it
        time.sleep(RELEASE_ID_TTL)
        again = requests.get(url, timeout=30,
                             headers={**turtle, "If-None-Match": first.headers["etag"]})
        assert again.status_code == 200 and again.headers["etag"] != first.headers["etag"]
        assert requests.get(f"{server.url}/health", timeout=10).json()["release"] == \
            second["release_id"] != first_release["release_id"]
    backend = RemoteBackend(settings)
    total = select(backend, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert total == [{"n": str(second["triples"])}]
    assert backend.release_id() == second["release_id"]


def test_unreachable_server_is_a_store_error(tmp_path: Path) -> None:
    settings = remote_settings(f"http://127.0.0.1:{free_port()}", tmp_path)
    with pytest.raises(StoreError, match="cannot reach"):
        RemoteBackend(settings).release_id()
    steps: list[str] = []
    with pytest.raises(StoreError, match="cannot reach"):
        ingest(settings, progress=steps.append)
    assert steps == []  # refused before the data is read and validated (regression)


def test_ingest_without_an_update_url_is_refused_at_once(tmp_path: Path) -> None:
    settings = remote_settings(f"http://127.0.0.1:{free_port()}", tmp_path,
                               remote_update_url=None)
    steps: list[str] = []
    with pytest.raises(ConfigError, match="REMOTE_UPDATE_URL"):
        ingest(settings, progress=steps.append)
    assert steps == []


def test_the_protocol_on_an_external_server(oxigraph_server: str, tmp_path: Path,
                                            first_release: dict) -> None:
    """Formats, datasets (protocol and FROM) and the time limit, in remote mode."""
    settings = remote_settings(oxigraph_server, tmp_path, query_timeout=2.0)
    count = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ ?s ?p ?o }}"
    areas = f"{BASE}/graph/data/areas"
    with LiveServer(settings) as server:
        def get(query: str, **params: str) -> requests.Response:
            return requests.get(f"{server.url}/sparql", params={"query": query, **params},
                                timeout=30)

        def number(response: requests.Response) -> int:
            assert response.status_code == 200, response.text
            return int(response.json()["results"]["bindings"][0]["n"]["value"])

        everything = number(get(count.format(dataset="")))
        by_protocol = number(get(count.format(dataset=""), **{"default-graph-uri": areas}))
        assert 0 < by_protocol < everything
        assert number(get(count.format(dataset=f"FROM <{areas}>"))) == by_protocol
        assert number(get(count.format(dataset=f"FROM NAMED <{areas}>"))) == 0
        select = f"SELECT ?a WHERE {{ ?a a <{BASE}/def/QMArea> }}"
        for fmt, check in (("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                           ("xml", "application/sparql-results+xml")):
            response = get(select, format=fmt)
            assert response.status_code == 200 and response.headers[
                "content-type"].startswith(check)
            assert response.text.count(f"{BASE}/id/area/") == 51
        construct = f"CONSTRUCT {{ ?a a <{BASE}/def/QMArea> }} WHERE {{ ?a a <{BASE}/def/QMArea> }}"
        for fmt, rdflib_format in (("turtle", "turtle"), ("ntriples", "nt"),
                                   ("jsonld", "json-ld"), ("rdfxml", "xml")):
            response = get(construct, format=fmt)
            assert response.status_code == 200, response.text
            assert len(Graph().parse(data=response.content, format=rdflib_format)) == 51
        started = time.monotonic()
        runaway = get("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert runaway.status_code == 503 and "longer than the limit" in runaway.text
        assert time.monotonic() - started < 2.0 + 1.0
        assert get("ASK { ?s ?p ?o } # after the runaway").status_code == 200
