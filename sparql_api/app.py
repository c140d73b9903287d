"""``create_app(settings)``: the web application, with the backend opened once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette_compress import CompressMiddleware, add_compress_type

from ingest.config import Settings
from ingest.store import open_backend

from .cache import AnswerCache
from .endpoint import SparqlEndpoint
from .errors import install_error_handlers
from .geoindex import build_index
from .lang_param import supported_language
from .limits import BodyLimit
from .per_release import PerRelease
from .response_memo import ResponseMemo
from .routes import catalog, geo, home, meta, ontology_docs, resources, search, sparql, void

STATIC = Path(__file__).resolve().parent / "static"
# Text formats served here that starlette-compress does not know as compressible.
COMPRESSIBLE = ("text/turtle", "application/n-triples", "application/n-quads",
                "application/trig", "text/csv", "application/csvm+json",
                "application/sparql-results+json", "application/sparql-results+xml",
                "text/tab-separated-values")


def create_app(settings: Settings) -> Application:
    """The ASGI application: the SPARQL endpoint in front of the FastAPI routes, both
    behind CORS and the request-size limit. ``.api`` is the FastAPI application."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.backend = open_backend(settings)
        app.state.cache = AnswerCache(settings.cache_bytes)
        backend = app.state.backend
        app.state.geo = PerRelease(backend, lambda: build_index(backend, settings.base_iri))
        # One thread per query worker: each waits on its worker's answer. Few threads
        # keep the GIL uncontended; requests beyond them queue here, on the clock.
        app.state.query_threads = ThreadPoolExecutor(settings.query_workers,
                                                     thread_name_prefix="kiezgraph-query")
        try:
            yield
        finally:
            app.state.query_threads.shutdown(wait=False, cancel_futures=True)
            app.state.backend.close()

    app = FastAPI(title="Kiezgraph", lifespan=lifespan,
                  description="The Berlin programme 'Sozialer Zusammenhalt' as linked data.",
                  dependencies=[Depends(supported_language)])
    install_error_handlers(app)
    app.include_router(meta.router)
    app.include_router(sparql.router)
    app.include_router(void.router)
    app.include_router(geo.router)
    app.include_router(search.router)
    app.include_router(ontology_docs.router)
    app.include_router(home.router)
    app.include_router(catalog.router)
    app.include_router(resources.router)  # last: its paths are the most general
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Pages and descriptions compress well (zstd, br or gzip, as the client prefers);
    # /sparql is answered in front of this app and keeps its answers uncompressed (its
    # cache serves the bytes as they are). Already compressed downloads pass unchanged.
    for media_type in COMPRESSIBLE:
        add_compress_type(media_type)
    app.add_middleware(CompressMiddleware, minimum_size=1024)
    return Application(app, settings)


class Application:
    """The outer ASGI callable. ``api``: the FastAPI application (routes and state);
    ``memo``: the answers kept for repeated requests. Every answer leaves with one
    ``Vary`` header that names each field once (see ``one_vary``)."""

    def __init__(self, api: FastAPI, settings: Settings):
        self.api = api
        self.memo = ResponseMemo(HeadAsGet(api), api.state, settings.cache_bytes)
        cors = CORSMiddleware(
            SparqlEndpoint(self.memo), allow_origins=["*"],
            allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
            allow_headers=["Accept", "Content-Type", "If-None-Match", "Cache-Control"],
            # Link: the other formats and the pages of a list, for browser apps too
            expose_headers=["ETag", "X-Kiezgraph-Release", "Content-Length", "Link"],
            max_age=86400)
        self._app = BodyLimit(cors, max_bytes=settings.max_request_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def tidy(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": one_vary(list(message.get("headers", [])))}
            await send(message)

        await self._app(scope, receive, tidy)


class HeadAsGet:
    """HEAD for every GET route (RFC 9110 §9.3.2): the request goes on as a GET and its
    answer leaves with the same status and headers, Content-Length included, but no
    body. One wrapper instead of ``HEAD`` in each route's methods; the memo in front
    answers repeated HEADs itself, and ``/sparql`` queries never reach it."""

    BODY = ("http.response.body", "http.response.pathsend", "http.response.zerocopysend")

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] not in self.BODY:
                await send(message)
            elif not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})

        # a copy: the server still reads its own scope as HEAD and sends no body
        await self.app({**scope, "method": "GET"}, receive, headers_only)


def one_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers with all ``Vary`` fields merged into one that names each field once:
    routes name what they negotiate on, and the compression and CORS middleware each add
    theirs (starlette-compress appends ``Accept-Encoding`` even when it is there)."""
    at = [i for i, (name, _) in enumerate(headers) if name.lower() == b"vary"]
    if not at:
        return headers
    seen: dict[bytes, bytes] = {}
    for i in at:
        for token in headers[i][1].split(b","):
            if token.strip():
                seen.setdefault(token.strip().lower(), token.strip())
    value = b"*" if b"*" in seen else b", ".join(seen.values())
    kept = [h for i, h in enumerate(headers) if i not in at]
    kept.insert(at[0], (b"vary", value))
    return kept
