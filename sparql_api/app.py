"""``create_app(settings)``: the FastAPI application, with the backend opened once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ingest.config import Settings
from ingest.store import open_backend

from .errors import install_error_handlers
from .routes import meta, sparql


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.backend = open_backend(settings)
        yield

    app = FastAPI(title="Kiezgraph", lifespan=lifespan,
                  description="The Berlin programme 'Sozialer Zusammenhalt' as linked data.")
    install_error_handlers(app)
    app.include_router(meta.router)
    app.include_router(sparql.router)
    return app
