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
    "cross product": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
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


def test_other_clients_are_served_while_one_query_runs_away(strict: LiveServer) -> None:
    slow: dict[str, int] = {}

    def run_slow() -> None:
        response = requests.get(f"{strict.url}/sparql", timeout=TIMEOUT + 10,
                                params={"query": ADVERSARIAL["cross product"]})
        slow["status"] = response.status_code

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)
    answered = []
    for _ in range(5):
        started = time.monotonic()
        response = requests.get(f"{strict.url}/sparql", params={"query": SIMPLE},
                                headers={"Cache-Control": "no-cache"}, timeout=TIMEOUT)
        answered.append((response.status_code, time.monotonic() - started))
    thread.join(timeout=TIMEOUT + 10)
    assert slow["status"] == 503
    assert all(status == 200 and seconds < 1.0 for status, seconds in answered), answered


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
