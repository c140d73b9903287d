"""Repeated requests for descriptions and pages are answered from the per-release memo:
the same bytes and headers, 304 for a known ETag, no query, and never a stale answer
after a new release; compression by zstd, br or gzip, never twice."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import brotli
import pytest
import requests
import zstandard
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ingest.pipeline import ingest
from sparql_api.app import Application
from sparql_api.response_memo import ResponseMemo

from ..conftest import make_settings
from .conftest import LiveServer

PATH = "/id/area/badstrasse"
TURTLE = {"Accept": "text/turtle", "Accept-Encoding": "identity"}


def _app(server: LiveServer) -> Application:
    app = server.server.config.app
    assert isinstance(app, Application)
    return app


@contextmanager
def counting_queries(server: LiveServer) -> Iterator[list[str]]:
    """Record the queries the application sends to its (real) backend."""
    backend = _app(server).api.state.backend
    seen: list[str] = []
    real = backend.query

    def query(job, *args, **kwargs):
        seen.append(job.query)
        return real(job, *args, **kwargs)

    backend.query = query
    try:
        yield seen
    finally:
        del backend.query  # the bound method of the class again


def test_repeated_description_needs_no_query(live: LiveServer) -> None:
    url = live.url + PATH + "?lang=de"  # a key no other test asks for
    first = requests.get(url, headers=TURTLE, timeout=60)
    assert first.status_code == 200
    with counting_queries(live) as seen:
        again = requests.get(url, headers=TURTLE, timeout=60)
        head = requests.head(url, headers=TURTLE, timeout=60)
    assert seen == []
    assert again.content == first.content
    for name in ("etag", "content-type", "vary", "link", "cache-control", "content-length"):
        assert again.headers[name] == first.headers[name]
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]


def test_known_etag_is_304_from_memory(live: LiveServer) -> None:
    url = live.url + PATH + ".ttl"
    first = requests.get(url, headers=TURTLE, timeout=60)
    with counting_queries(live) as seen:
        again = requests.get(url, timeout=60, headers={**TURTLE,
                                                       "If-None-Match": first.headers["etag"]})
    assert seen == []
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert "link" in again.headers and "vary" in again.headers
    assert "content-type" not in again.headers and "content-length" not in again.headers
    stale = requests.get(url, timeout=60, headers={**TURTLE, "If-None-Match": 'W/"other"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_answer_after_a_304_is_complete(live: LiveServer) -> None:
    """Regression: a 304 teaches the memo only the ETag; an unconditional request with the
    same key must still get the whole description, not an empty 200."""
    url = live.url + PATH + ".nt"
    tag = requests.get(url, headers={"Accept-Encoding": "gzip"}, timeout=60).headers["etag"]
    headers = {"Accept-Encoding": "identity"}
    assert requests.get(url, timeout=60, headers={**headers,
                                                  "If-None-Match": tag}).status_code == 304
    full = requests.get(url, headers=headers, timeout=60)
    assert full.status_code == 200 and b"<http" in full.content
    assert int(full.headers["content-length"]) == len(full.content)


def test_errors_are_not_kept(live: LiveServer) -> None:
    memo = _app(live).memo
    before = len(memo.kept)
    for _ in range(2):
        response = requests.get(live.url + "/id/area/no-such-area", headers=TURTLE, timeout=60)
        assert response.status_code == 404
    assert len(memo.kept) == before


@pytest.mark.parametrize(("encoding", "decode"), [
    ("zstd", lambda b: zstandard.ZstdDecompressor().decompressobj().decompress(b)),
    ("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_compressed_answers_decode_to_the_same_bytes(live: LiveServer, encoding, decode) -> None:
    plain = requests.get(live.url + PATH, headers=TURTLE, timeout=60).content
    for _ in range(2):  # the second comes from the memo
        raw = requests.get(live.url + PATH, timeout=60, stream=True,
                           headers={"Accept": "text/turtle", "Accept-Encoding": encoding})
        assert raw.headers["content-encoding"] == encoding
        assert "Accept-Encoding" in raw.headers["vary"]
        assert decode(raw.raw.read()) == plain


def test_compressed_downloads_are_not_compressed_again(live: LiveServer) -> None:
    release = requests.get(live.url + "/sparql", params={"query": "ASK {}"},
                           timeout=60).headers["x-kiezgraph-release"]
    dump = requests.get(f"{live.url}/download/{release}/kiezgraph.nq.gz", timeout=60,
                        stream=True, headers={"Accept-Encoding": "gzip, br, zstd"})
    assert dump.status_code == 200 and "content-encoding" not in dump.headers
    assert gzip.decompress(dump.raw.read()).startswith(b"<")


def test_new_release_is_never_answered_from_memory(store_copy: Path) -> None:
    settings = make_settings(store_copy)
    with LiveServer(settings) as server:
        url = server.url + PATH
        first = requests.get(url, headers=TURTLE, timeout=60)
        home = requests.get(server.url + "/", timeout=60)
        assert requests.get(url, headers=TURTLE, timeout=60).headers["etag"] == \
            first.headers["etag"]
        time.sleep(0.01)
        ingest(settings)
        second = requests.get(url, headers={**TURTLE, "If-None-Match": first.headers["etag"]},
                              timeout=60)
        assert second.status_code == 200 and second.headers["etag"] != first.headers["etag"]
        new_home = requests.get(server.url + "/", timeout=60,
                                headers={"If-None-Match": home.headers["etag"]})
        assert new_home.status_code == 200


@contextmanager
def memo_server(max_bytes: int, max_entry: int) -> Iterator[tuple[str, list[str], ResponseMemo]]:
    """The memo in front of a small Starlette application that counts its calls."""
    calls: list[str] = []

    def page(request: Request) -> Response:
        calls.append(request.url.path)
        name = request.path_params["name"]
        headers = {"ETag": f'W/"{name}"'}
        if name == "cookie":
            headers["Set-Cookie"] = "session=1"
        return Response(b"x" * int(request.query_params.get("size", "10")), headers=headers)

    class Release:
        def release_id(self) -> str:
            return "r1"

    inner = Starlette(routes=[Route("/id/{name}", page)])
    inner.state.backend = Release()
    memo = ResponseMemo(inner, inner.state, max_bytes=max_bytes, max_entry=max_entry)
    with LiveServer(None, app=memo) as server:
        yield server.url, calls, memo


def test_memo_keeps_only_what_may_be_kept() -> None:
    with memo_server(max_bytes=4000, max_entry=1500) as (url, calls, _):
        for _ in range(2):
            assert requests.get(url + "/id/plain", timeout=10).content == b"x" * 10
            assert requests.get(url + "/id/cookie", timeout=10).status_code == 200
            big = requests.get(url + "/id/big", params={"size": 2000}, timeout=10)
            assert len(big.content) == 2000
        assert calls.count("/id/plain") == 1
        assert calls.count("/id/cookie") == 2  # a Set-Cookie answer is someone's own
        assert calls.count("/id/big") == 2  # larger than one entry may be
        other = requests.get(url + "/id/plain", headers={"Accept": "text/turtle"}, timeout=10)
        assert other.status_code == 200
        assert calls.count("/id/plain") == 2  # another Accept, another answer


def test_memo_stays_within_its_bytes() -> None:
    with memo_server(max_bytes=4000, max_entry=2000) as (url, calls, memo):
        for name in ("a", "b", "c", "d"):  # about 1,650 bytes each with key and headers
            requests.get(f"{url}/id/{name}", params={"size": 1000}, timeout=10)
        assert len(memo.kept) == 2 and memo.kept.size <= 4000
        requests.get(f"{url}/id/d", params={"size": 1000}, timeout=10)
        requests.get(f"{url}/id/a", params={"size": 1000}, timeout=10)
        assert calls.count("/id/d") == 1 and calls.count("/id/a") == 2  # oldest went first
