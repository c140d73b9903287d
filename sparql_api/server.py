"""Start the server: bring the embedded store up to date, then run uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from ingest.config import Settings
from ingest.errors import StoreError
from ingest.pipeline import fingerprint, ingest
from ingest.release import ReleaseStore

from .app import create_app

log = logging.getLogger(__name__)


def store_is_current(settings: Settings) -> bool:
    """True when the published release was built from exactly the present inputs."""
    try:
        meta = ReleaseStore(settings.store_dir).current()
    except StoreError as exc:
        log.warning("%s", exc)
        return False
    return meta is not None and meta.fingerprint == fingerprint(settings)


def serve(settings: Settings, ingest_if_outdated: bool = True) -> None:
    if settings.backend == "embedded" and ingest_if_outdated and not store_is_current(settings):
        log.info("the store is missing or older than the data: ingesting first")
        ingest(settings)
    log.info("serving on http://%s:%d/ (SPARQL at /sparql)", settings.host, settings.port)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="info", proxy_headers=False)
