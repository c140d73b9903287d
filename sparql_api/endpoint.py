"""``/sparql`` queries as a plain ASGI endpoint in front of the FastAPI application.

The SPARQL 1.1 Protocol for queries: GET with ``query``, POST form-encoded, POST
``application/sparql-query``. Queries run over the union of all named graphs unless the
request or the query names a dataset. An answer up to STREAM_AFTER (16 MiB) is sent
once complete, with its length; a larger one streams as the worker writes it (chunked),
and if it fails midway -- time or size limit -- the connection is cut before the final
chunk, so no client mistakes a part for the whole. Identical requests are answered from
the cache, or with 304, while the release is the same.

Why not a FastAPI route: routing, dependency injection and the exception middleware cost
more per request than evaluating a typical query does (the bench measured half the
throughput of this path). Everything that is not a query -- the service description, the
query page, other paths, other methods -- goes on to the FastAPI application, and the
outer middleware (CORS, the body limit) wraps both.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from ingest.executor import Job

from .cache import RawRequest, etag_for, etag_matches
from .errors import BadRequest, ResultTooLarge, describe, plain_text
from .protocol import SparqlRequest, check_query, choose_format, from_pairs, from_post

CACHE_CONTROL = b"public, max-age=60, must-revalidate"
log = logging.getLogger(__name__)
# Answers up to this size are collected first, so that a failure (time or size limit)
# still gets its status and message; larger ones stream (memory stays bounded by this).
STREAM_AFTER = 16 * 1024 * 1024
# A GET whose URL has none of these goes to the service description (parsed there).
QUERY_WORDS = (b"query=", b"update=", b"using-")
READ_HEADERS = (b"accept", b"content-type", b"if-none-match")


class SparqlEndpoint:
    def __init__(self, api: Any):
        """``api``: the FastAPI application; its ``state`` holds settings, backend, cache."""
        self.api: ASGIApp = api
        self.state = api.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/sparql":
            await self.api(scope, receive, send)
            return
        method = scope["method"]
        raw_query = scope["query_string"]
        if method not in ("GET", "HEAD", "POST") or (
                method != "POST" and not any(word in raw_query for word in QUERY_WORDS)):
            await self.api(scope, receive, send)  # service description, query page, 405
            return
        headers = _headers(scope)
        try:
            body = await _read_body(receive) if method == "POST" else b""
            raw = (b"POST" if method == "POST" else b"GET", raw_query, body,
                   headers.get(b"content-type", b""), headers.get(b"accept", b""))
            known = self.state.cache.recall(raw, self.state.backend.release_id())
            if known is not None:  # a repeated request: no parsing, no query
                await self._send_answer(send, *known, headers, method == "HEAD")
                return
            query_string = raw_query.decode("latin-1")
            if method == "POST":
                sparql = from_post(_text(headers.get(b"content-type")), body, query_string)
            else:
                sparql = from_pairs(parse_qsl(query_string, keep_blank_values=True), "URL")
                if sparql.query is None:  # no query after all: the service description
                    await self.api(scope, receive, send)
                    return
            if sparql.query is None:
                raise BadRequest("missing the 'query' parameter (form field, or the body of an "
                                 "application/sparql-query request)")
            await self._answer(sparql, sparql.query, raw, headers, method == "HEAD", send)
        except StreamAborted:
            raise  # the answer has begun: only cutting the connection can tell the client
        except Exception as exc:  # every error becomes a plain-text answer, never a crash
            status, title, detail, extra = describe(exc)
            await _respond(send, status, plain_text(status, title, detail),
                           [(b"content-type", b"text/plain; charset=utf-8"),
                            *((k.lower().encode(), v.encode()) for k, v in extra.items())])

    async def _answer(self, sparql: SparqlRequest, query: str, raw: RawRequest,
                      headers: dict[bytes, bytes], head_only: bool, send: Send) -> None:
        settings, backend, cache = self.state.settings, self.state.backend, self.state.cache
        form = check_query(query, settings.allow_service)
        result_fmt, graph_fmt = choose_format(form, sparql.formats,
                                              _text(headers.get(b"accept")))
        release_id = backend.release_id()
        etag = etag_for(release_id, query, "|".join(sparql.default_graphs),
                        "|".join(sparql.named_graphs), result_fmt.name, graph_fmt.name)
        if etag_matches(_text(headers.get(b"if-none-match")), etag):
            await _respond(send, 304, b"", _common_headers(etag, release_id), head_only=True)
            return
        cached = cache.get(etag)
        if cached is None:
            job = Job(query, result_fmt.name, graph_fmt.name,
                      sparql.default_graphs if sparql.has_dataset else None,
                      sparql.named_graphs if sparql.has_dataset else None,
                      base_iri=f"{settings.base_iri}/sparql")  # relative IRIs: the endpoint
            chosen = graph_fmt if form in ("CONSTRUCT", "DESCRIBE") else result_fmt
            pool = self.state.query_threads
            answer = await backend.query_async(job, time.monotonic(), pool)
            media_type = answer.media_type or chosen.media_type
            if answer.complete is not None:  # small: came whole in one message
                body = answer.complete
            else:
                chunks = _Rewound(answer.chunks())
                body = await _gather(chunks, STREAM_AFTER, settings.max_result_bytes)
                if body is None:  # a large answer: stream it from here on
                    common = _common_headers(etag, release_id)
                    common.append((b"content-type", _content_type(media_type)))
                    await _stream(send, chunks, common, head_only,
                                  settings.max_result_bytes)
                    return
            if len(body) > settings.max_result_bytes:
                raise _too_large(settings.max_result_bytes)
            cached = (media_type, bytes(body))
            cache.put(etag, *cached)  # (not kept if over one cache entry)
        cache.remember(raw, release_id, etag)
        await self._send_answer(send, etag, cached[0], cached[1], headers, head_only)

    async def _send_answer(self, send: Send, etag: str, media_type: str, body: bytes,
                           headers: dict[bytes, bytes], head_only: bool) -> None:
        common = _common_headers(etag, self.state.backend.release_id())
        if etag_matches(_text(headers.get(b"if-none-match")), etag):
            await _respond(send, 304, b"", common, head_only=True)
            return
        common.append((b"content-type", _content_type(media_type)))
        await _respond(send, 200, body, common, head_only)


def _common_headers(etag: str, release_id: str) -> list[tuple[bytes, bytes]]:
    return [(b"etag", etag.encode()), (b"cache-control", CACHE_CONTROL),
            (b"vary", b"Accept, Accept-Encoding"), (b"x-kiezgraph-release", release_id.encode())]


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request headers the endpoint reads (the last one wins, as in Starlette)."""
    return {k: v for k, v in scope["headers"] if k in READ_HEADERS}


async def _read_body(receive: Receive) -> bytes:
    """The whole request body (its size is capped by the outer BodyLimit middleware)."""
    parts = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadRequest("the client went away before the request body was complete")
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


async def _next_chunk(chunks: Iterator[bytes]) -> bytes | None:
    """The next chunk from the worker, read in the loop's default executor (a pipe read
    blocks; never in the query pool: see Executor.run_async); None at the end."""
    return await asyncio.get_running_loop().run_in_executor(None, next, chunks, None)


async def _gather(chunks: _Rewound, up_to: int, limit: int) -> bytearray | None:
    """The whole answer if it ends within ``up_to`` bytes; else None, with the chunks
    read so far pushed back in front of ``chunks`` (see ``_Rewound``)."""
    body = bytearray()
    while (chunk := await _next_chunk(chunks)) is not None:
        body += chunk
        if len(body) > min(up_to, limit):
            if len(body) > limit:
                _close(chunks)
                raise _too_large(limit)
            chunks.push(bytes(body))
            return None
    return body


class _Rewound(Iterator[bytes]):
    """An iterator of chunks that can be given back what was taken from it."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.pushed: list[bytes] = []

    def push(self, data: bytes) -> None:
        self.pushed.append(data)

    def __next__(self) -> bytes:
        return self.pushed.pop() if self.pushed else next(self.chunks)

    def close(self) -> None:
        _close(self.chunks)


def _close(chunks: Iterator[bytes]) -> None:
    """Stop reading an answer: the worker still writing it is discarded (killed)."""
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


def _too_large(limit: int) -> ResultTooLarge:
    size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return ResultTooLarge(f"the answer is larger than {size} and was stopped; add a LIMIT "
                          "or select fewer variables")


def _content_type(media_type: str) -> bytes:
    text = media_type.startswith("text/") or media_type.endswith(("json", "xml"))
    return (f"{media_type}; charset=utf-8" if text else media_type).encode()


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]],
                   head_only: bool = False) -> None:
    if status != 304:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only else body})


class StreamAborted(Exception):
    """A streamed answer could not be completed; the connection is cut without the
    final chunk, so that no client takes the part it got for the whole answer."""


async def _stream(send: Send, chunks: Iterator[bytes], headers: list[tuple[bytes, bytes]],
                  head_only: bool, limit: int) -> None:
    """Send a large answer as it comes from the worker (chunked, no Content-Length):
    the first bytes leave at once and the answer is never held whole. If it fails
    midway (time or size limit, a worker error), the response is aborted."""
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    sent = 0
    try:
        while not head_only and (chunk := await _next_chunk(chunks)) is not None:
            sent += len(chunk)
            if sent > limit:
                raise _too_large(limit)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except Exception as exc:
        _close(chunks)
        log.warning("a streamed answer was cut off after %d bytes: %s", sent, exc)
        raise StreamAborted(str(exc)) from exc
    finally:
        _close(chunks)  # HEAD, or done: a finished worker is released, not killed
    await send({"type": "http.response.body", "body": b""})
