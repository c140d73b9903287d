"""Repeated GET/HEAD requests for pages that only change with the release, from memory.

Descriptions (``/id/…``, ``/def/<term>``, ``/graph/…``) and the home page are the same
for every reader until the next release; only the request's path, query string and the
headers that choose format, language and compression (``Accept``, ``Accept-Language``,
``Accept-Encoding``) can change them. This ASGI wrapper keeps the complete answer
(status, headers, the bytes as compressed) of such a request per worker process and
replays it, or answers 304 when ``If-None-Match`` names its ETag, without routing,
querying or rendering.

Only answers that say so are kept: a 200 with an ``ETag`` (the route derived it from the
release and the request) and no ``Set-Cookie``. A 304 from the application keeps just the
ETag, which is all a later conditional request needs. A new release makes every kept
answer stale at once: each carries the release id it was made under.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .cache import SizedLru, etag_matches

PREFIXES = ("/id/", "/def/", "/graph/")
EXACT = ("/",)
# The ontology page also follows edits of the ontology files: its route keeps its own copy.
EXCEPT = ("/def/",)
KEY_HEADERS = (b"accept", b"accept-language", b"accept-encoding")
# RFC 9110 §15.4.5: a 304 carries the validators and caching headers, not the content's.
NOT_FOR_304 = (b"content-length", b"content-type", b"content-encoding")
OVERHEAD = 512  # bytes counted per entry beyond its body, for the key and headers


@dataclass(frozen=True)
class Kept:
    release_id: str
    etag: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes | None  # None: only the ETag is known (the application answered 304)


def _size(kept: Kept) -> int:
    return OVERHEAD + len(kept.body or b"") + sum(len(k) + len(v) for k, v in kept.headers)


class ResponseMemo:
    def __init__(self, app: ASGIApp, state: object, max_bytes: int,
                 max_entry: int = 2 * 1024 * 1024):
        """``state``: the FastAPI application's state (its backend knows the release)."""
        self.app = app
        self.state = state
        self.kept: SizedLru[tuple[bytes, ...], Kept] = SizedLru(max_bytes, max_entry, _size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in ("GET", "HEAD")
                or not (scope["path"].startswith(PREFIXES) or scope["path"] in EXACT)
                or scope["path"] in EXCEPT):
            await self.app(scope, receive, send)
            return
        wanted = dict.fromkeys(KEY_HEADERS, b"")
        if_none_match = None
        for name, value in scope["headers"]:
            if name in wanted:
                wanted[name] = value
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        key = (scope["path"].encode(), scope["query_string"], *wanted.values())
        release_id = self.state.backend.release_id()  # type: ignore[attr-defined]
        kept = self.kept.get(key)
        if kept is not None and kept.release_id == release_id:
            if etag_matches(if_none_match, kept.etag):
                await _send(send, 304, _for_304(kept.headers), b"")
                return
            if kept.body is not None:
                await _send(send, kept.status, kept.headers,
                            b"" if scope["method"] == "HEAD" else kept.body)
                return
        await self._pass_on(scope, receive, send, key, release_id)

    async def _pass_on(self, scope: Scope, receive: Receive, send: Send,
                       key: tuple[bytes, ...], release_id: str) -> None:
        """Let the application answer, and keep a copy of the answer if it may be kept."""
        started: Message = {}
        parts: list[bytes] = []
        size = 0
        keep = scope["method"] == "GET"  # a HEAD answer may come without its body

        async def watch(message: Message) -> None:
            nonlocal keep, size
            if message["type"] == "http.response.start":
                started.update(message)
                keep = keep and message["status"] in (200, 304)
            elif message["type"] == "http.response.body" and keep:
                size += len(message.get("body", b""))
                if size > self.kept.max_entry:
                    keep = False
                    parts.clear()
                else:
                    parts.append(message.get("body", b""))
                if not message.get("more_body", False) and keep:
                    self._keep(key, release_id, started, b"".join(parts))
            await send(message)

        await self.app(scope, receive, watch)

    def _keep(self, key: tuple[bytes, ...], release_id: str, started: Message,
              body: bytes) -> None:
        headers = [(bytes(k).lower(), bytes(v)) for k, v in started.get("headers", [])]
        names = {k for k, _ in headers}
        etag = next((v for k, v in headers if k == b"etag"), None)
        if etag is None or b"set-cookie" in names:
            return
        tag = etag.decode("latin-1").removeprefix("W/")
        if started["status"] == 304:
            known = self.kept.get(key)
            if known is None or known.release_id != release_id or known.etag != tag:
                self.kept.put(key, Kept(release_id, tag, 304, headers, None))
            return
        self.kept.put(key, Kept(release_id, tag, 200, headers, body))


def _for_304(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in headers if k not in NOT_FOR_304]


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]],
                body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
