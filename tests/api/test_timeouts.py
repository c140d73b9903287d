"""Runaway queries are stopped in time (503) while other clients are still served."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ..conftest import make_settings
from .conftest import LiveServer

TIMEOUT = 2.0
ADVERSARIAL = {
    "cross product": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "order by over a cross product":
        "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1",
    "regex over every literal pair":
        'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?t ?q ?l . '
        'FILTER(ISLITERAL(?o) && REGEX(CONCAT(STR(?o), STR(?l)), "(a|b)*c(d|e)*z$")) }',
}
SIMPLE = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def strict(published_store: Path) -> Iterator[LiveServer]:
    settings = make_settings(published_store, query_timeout=TIMEOUT, query_workers=2)
    with LiveServer(settings) as server:
        yield server


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_query_ends_with_503_in_time(strict: LiveServer, name: str) -> None:
    started = time.monotonic()
    response = requests.get(f"{strict.url}/sparql", params={"query": ADVERSARIAL[name]},
                            timeout=TIMEOUT + 10)
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text[:300]
    assert "longer than the limit" in response.text or "larger than" in response.text
    assert elapsed < TIMEOUT + 1.0


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_other_clients_are_served_while_one_query_runs_away(strict: LiveServer,
                                                            name: str) -> None:
    """Each simple query is distinct (a counter in a comment), so none comes from the
    answer cache: each needs the one worker the runaway query leaves free."""
    slow: dict[str, float] = {}

    def run_slow() -> None:
        started = time.monotonic()
        response = requests.get(f"{strict.url}/sparql", timeout=TIMEOUT + 10,
                                params={"query": ADVERSARIAL[name] + f" # {time.time()}"})
        slow["status"], slow["seconds"] = response.status_code, time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)
    answered = []
    for n in range(5):
        started = time.monotonic()
        response = requests.get(f"{strict.url}/sparql", timeout=TIMEOUT, params={
            "query": f"{SIMPLE} # {name} {n} {time.time()}"})
        answered.append((response.status_code, response.headers.get("etag"),
                         time.monotonic() - started))
    thread.join(timeout=TIMEOUT + 10)
    assert slow["status"] == 503 and slow["seconds"] < TIMEOUT + 1.0, slow
    assert all(status == 200 and seconds < 1.0 for status, _, seconds in answered), answered
    assert len({etag for _, etag, _ in answered}) == 5  # five distinct requests, no replay


def test_the_worker_of_a_stopped_query_is_replaced(strict: LiveServer) -> None:
    for _ in range(3):  # more runaway queries than workers
        response = requests.get(f"{strict.url}/sparql", timeout=TIMEOUT + 10,
                                params={"query": ADVERSARIAL["cross product"]})
        assert response.status_code == 503
    response = requests.get(f"{strict.url}/sparql", params={"query": SIMPLE}, timeout=10)
    assert response.status_code == 200 and response.json()["boolean"] is True


def test_requests_queued_behind_busy_workers_end_in_time(strict: LiveServer) -> None:
    """More runaway queries than workers: the queued ones count their wait against the
    limit (503 within limit + 1 s, never later), and the service recovers."""
    results: list[tuple[int, float]] = []

    def run_slow(n: int) -> None:
        started = time.monotonic()
        response = requests.get(f"{strict.url}/sparql", timeout=TIMEOUT + 10, params={
            "query": ADVERSARIAL["cross product"] + f" # {n}"})
        results.append((response.status_code, time.monotonic() - started))

    threads = [threading.Thread(target=run_slow, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 15)
    assert [status for status, _ in results] == [503] * 4, results
    assert all(seconds < TIMEOUT + 1.0 for _, seconds in results), results
    response = requests.get(f"{strict.url}/sparql", params={"query": SIMPLE}, timeout=10)
    assert response.status_code == 200 and response.json()["boolean"] is True


@pytest.mark.parametrize("limit", ["LIMIT 40", "LIMIT 5000"])
def test_answers_over_the_size_limit_are_refused_not_cut(published_store: Path,
                                                         limit: str) -> None:
    """Both a small answer (one message from the worker) and a large one (streamed and
    spooled) over max_result_bytes end in 503 with the reason, never a partial body."""
    settings = make_settings(published_store, max_result_bytes=1024)
    with LiveServer(settings) as server:
        response = requests.get(f"{server.url}/sparql", timeout=30, params={
            "query": f"SELECT * WHERE {{ ?s ?p ?o }} {limit}"})
        assert response.status_code == 503
        assert "larger than 1024 bytes" in response.text
        small = requests.get(f"{server.url}/sparql", timeout=30,
                             params={"query": SIMPLE})
        assert small.status_code == 200 and small.json()["boolean"] is True


# Every triple three times over: larger than STREAM_AFTER (16 MiB) as TSV, so it streams.
THRICE = "SELECT * WHERE { ?s ?p ?o . VALUES ?copy { 1 2 3 } }"


def _triples(url: str) -> int:
    response = requests.get(f"{url}/sparql", timeout=30, params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_a_large_answer_streams_complete(live: LiveServer) -> None:
    """No Content-Length: it is sent as it is written, and it arrives whole."""
    with requests.get(f"{live.url}/sparql", timeout=120, stream=True,
                      params={"query": THRICE, "format": "tsv"}) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        assert response.headers.get("transfer-encoding") == "chunked"
        size, lines = 0, 0
        for block in response.iter_content(1024 * 1024):
            size += len(block)
            lines += block.count(b"\n")
    assert size > 16 * 1024 * 1024
    assert lines == 1 + 3 * _triples(live.url)  # the header and every row


def _drain(url: str, params: dict[str, str], timeout: float) -> None:
    with requests.get(f"{url}/sparql", timeout=timeout, stream=True,
                      params=params) as response:
        assert response.status_code == 200
        for _ in response.iter_content(1024 * 1024):
            pass


def test_a_stream_over_the_size_limit_is_cut_not_ended(published_store: Path) -> None:
    """Past the limit mid-stream there is no status left to send: the connection is cut
    before the final chunk, which every HTTP client reports as an error."""
    settings = make_settings(published_store, max_result_bytes=20 * 1024 * 1024)
    with LiveServer(settings) as server:
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            _drain(server.url, {"query": THRICE, "format": "tsv"}, 120)
        assert _triples(server.url) > 0  # and the server goes on


def test_a_runaway_stream_is_cut_in_time(strict: LiveServer) -> None:
    """A cross product that streams rows from the start: cut at the time limit."""
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _drain(strict.url, {"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"},
               TIMEOUT + 10)
    assert time.monotonic() - started < TIMEOUT + 1.0
    response = requests.get(f"{strict.url}/sparql", params={"query": SIMPLE + " # after"},
                            timeout=10)
    assert response.status_code == 200
