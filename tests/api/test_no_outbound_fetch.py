"""A URI outside our base is never fetched: not when it is dereferenced through our
paths, searched for, described or named as a graph in a query. A local server stands in
for the outside web and counts every request that reaches it."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from urllib.parse import quote

import pytest
import requests

from .conftest import LiveServer

TURTLE = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"


class _Outside:
    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle")
                self.send_header("Content-Length", str(len(TURTLE)))
                self.end_headers()
                self.wfile.write(TURTLE)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture()
def outside() -> Iterator[_Outside]:
    site = _Outside()
    thread = Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()


def test_outside_uris_are_never_fetched(live: LiveServer, outside: _Outside) -> None:
    thing = f"{outside.url}/id/area/badstrasse"
    assert requests.get(thing, timeout=10).status_code == 200  # the stand-in answers
    outside.hits.clear()
    paths = [f"/id/{thing}", f"/id/{quote(thing, safe='')}", f"/def/{thing}",
             f"/graph/{quote(thing, safe='')}", f"/id/area/badstrasse?format={quote(thing)}",
             f"/search?q={quote(thing)}"]
    statuses = {}
    for path in paths:
        response = requests.get(live.url + path, timeout=30, allow_redirects=False,
                                headers={"Accept": "text/turtle"})
        statuses[path] = response.status_code
    queries = [f"DESCRIBE <{thing}>",
               f"SELECT * FROM <{thing}> WHERE {{ ?s ?p ?o }}",  # noqa: S608 -- SPARQL
               f"SELECT * WHERE {{ GRAPH <{thing}> {{ ?s ?p ?o }} }}",
               f"ASK {{ SERVICE <{outside.url}/sparql> {{ ?s ?p ?o }} }}"]
    for query in queries:
        response = requests.get(f"{live.url}/sparql", params={"query": query}, timeout=30)
        statuses[query] = response.status_code
    assert outside.hits == [], statuses
    assert all(status < 500 for status in statuses.values()), statuses
    # nothing of the outside's triple came back into our graph
    check = requests.get(f"{live.url}/sparql", timeout=30,
                         headers={"Accept": "application/sparql-results+json"},
                         params={"query": "ASK { <http://example.org/s> ?p ?o }"})
    assert check.json()["boolean"] is False
