"""Start the server: bring the embedded store up to date, then run uvicorn.

With more than one HTTP worker, uvicorn starts each worker as a fresh process that
imports ``worker_app``; the settings travel to it as JSON in one environment variable,
so flags given to ``kiezgraph serve`` reach every worker. Each worker has its own
answer cache and its own share of the query worker processes.
"""

from __future__ import annotations

import logging
import os

import uvicorn

from ingest.config import Settings
from ingest.errors import StoreError
from ingest.pipeline import fingerprint, ingest
from ingest.release import ReleaseStore

from .app import Application, create_app

log = logging.getLogger(__name__)
SETTINGS_VARIABLE = "KIEZGRAPH_SERVE_SETTINGS_JSON"  # set by serve() for its workers only


def store_is_current(settings: Settings) -> bool:
    """True when the published release was built from exactly the present inputs."""
    try:
        meta = ReleaseStore(settings.store_dir).current()
    except StoreError as exc:
        log.warning("%s", exc)
        return False
    return meta is not None and meta.fingerprint == fingerprint(settings)


def http_workers(settings: Settings) -> int:
    return settings.http_workers or min(os.cpu_count() or 1, 4)


def worker_app() -> Application:
    """The application inside one HTTP worker process (a uvicorn factory)."""
    settings = Settings.model_validate_json(os.environ[SETTINGS_VARIABLE])
    return create_app(settings)


def serve(settings: Settings, ingest_if_outdated: bool = True) -> None:
    if settings.backend == "embedded" and ingest_if_outdated and not store_is_current(settings):
        log.info("the store is missing or older than the data: ingesting first")
        ingest(settings)
    workers = http_workers(settings)
    log.info("serving on http://%s:%d/ (SPARQL at /sparql) with %d HTTP worker(s)",
             settings.host, settings.port, workers)
    options = {"host": settings.host, "port": settings.port, "log_level": "info",
               "proxy_headers": False, "access_log": settings.access_log}
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    share = max(1, -(-settings.query_workers // workers))  # rounded up
    os.environ[SETTINGS_VARIABLE] = settings.model_copy(
        update={"query_workers": share}).model_dump_json()
    uvicorn.run("sparql_api.server:worker_app", factory=True, workers=workers, **options)
