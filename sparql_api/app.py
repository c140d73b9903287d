"""``create_app(settings)``: the FastAPI application, with the backend opened once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from ingest.config import Settings
from ingest.store import open_backend

from .cache import AnswerCache
from .errors import install_error_handlers
from .limits import BodyLimit
from .routes import meta, sparql, void

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.backend = open_backend(settings)
        app.state.cache = AnswerCache(settings.cache_bytes)
        try:
            yield
        finally:
            app.state.backend.close()

    app = FastAPI(title="Kiezgraph", lifespan=lifespan,
                  description="The Berlin programme 'Sozialer Zusammenhalt' as linked data.")
    install_error_handlers(app)
    app.include_router(meta.router)
    app.include_router(sparql.router)
    app.include_router(void.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type", "If-None-Match", "Cache-Control"],
        expose_headers=["ETag", "X-Kiezgraph-Release", "Content-Length"], max_age=86400)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    return app
