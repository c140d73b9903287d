"""The seam between Kiezgraph and its SPARQL engine.

``EmbeddedBackend`` answers from the current release of the on-disk store, in worker
processes that open it read-only (see executor); it notices a new release as soon as an
ingest flips the pointer. ``RemoteBackend`` sends the same queries to an external SPARQL
1.1 server such as ``oxigraph serve``. Both stream the answer in the requested format.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import pyoxigraph as ox
import requests

from .config import Settings
from .errors import BadInputError, ConfigError, StoreError
from .executor import (
    CHUNK,
    Answer,
    Busy,
    Executor,
    Job,
    QueryTimeout,
    names_dataset,
    timeout_message,
)
from .release import ReleaseMeta, ReleaseStore

GRAPH_LIST_TTL = 5.0  # seconds
# How long a remote server's release id is trusted without asking again: every request
# needs it (ETags, caches), and asking costs a round trip to the server.
RELEASE_ID_TTL = 1.0  # seconds

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


class Backend(Protocol):
    def release_id(self) -> str: ...

    def query(self, job: Job, timeout: float | None = None, since: float | None = None
              ) -> Answer: ...

    async def query_async(self, job: Job, since: float, pool: ThreadPoolExecutor
                          ) -> Answer: ...

    def close(self) -> None: ...


class EmbeddedBackend:
    """Queries the current release; switches to a new release as soon as it is published."""

    def __init__(self, settings: Settings, workers: int | None = None):
        self.releases = ReleaseStore(settings.store_dir)
        self.workers = workers or settings.query_workers
        self.timeout = settings.query_timeout
        self._lock = threading.Lock()
        self._stamp = -1
        self._meta: ReleaseMeta | None = None
        self._executor: Executor | None = None

    def meta(self) -> ReleaseMeta:
        """The current release's metadata; re-read only when the pointer changes."""
        stamp = self.releases.pointer_stamp()
        with self._lock:
            if stamp != self._stamp or self._meta is None:
                meta = self.releases.current()
                if meta is None:
                    raise StoreError(f"no release in {self.releases.root}; run 'kiezgraph "
                                     "ingest' first")
                self._meta, self._stamp = meta, stamp
            return self._meta

    def release_id(self) -> str:
        return self.meta().release_id

    def query(self, job: Job, timeout: float | None = None, since: float | None = None
              ) -> Answer:
        """Run ``job`` in a worker process over the current release (see executor).

        ``since``: when the request arrived (``time.monotonic()``); the limit counts from it.
        """
        return self._pool().run(self.release_id(), job, timeout, since)

    async def query_async(self, job: Job, since: float, pool: ThreadPoolExecutor) -> Answer:
        """``query`` for the event loop; blocking waits happen in ``pool``."""
        return await self._pool().run_async(self.release_id(), job, since, pool)

    def _pool(self) -> Executor:
        if self._executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = Executor(self.releases.root, self.workers, self.timeout)
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()


class RemoteBackend:
    """An external SPARQL 1.1 server (query endpoint) holding a Kiezgraph release."""

    def __init__(self, settings: Settings):
        if not settings.remote_query_url:
            raise ConfigError("backend=remote needs KIEZGRAPH_REMOTE_QUERY_URL")
        self.url = settings.remote_query_url
        self.update_url = settings.remote_update_url
        self.base = settings.base_iri
        self.timeout = settings.query_timeout
        self.session = requests.Session()
        self._graph_cache: tuple[float, list[str]] | None = None
        self._release_cache: tuple[float, str] | None = None

    def _post(self, sparql: str, accept: str, default: list[str] | None = None,
              named: list[str] | None = None, timeout: float | None = None
              ) -> requests.Response:
        form: list[tuple[str, str]] = [("query", sparql)]
        form += [("default-graph-uri", g) for g in default or ()]
        form += [("named-graph-uri", g) for g in named or ()]
        limit = timeout or self.timeout
        try:
            response = self.session.post(self.url, data=form, stream=True,
                                         timeout=(min(limit, 10.0), limit),
                                         headers={"Accept": accept})
        except requests.Timeout as exc:
            raise QueryTimeout(timeout_message(limit)) from exc
        except requests.RequestException as exc:
            raise StoreError(f"cannot reach the SPARQL server at {self.url}: {exc}") from exc
        if response.status_code == 400:
            raise BadInputError(f"the SPARQL server refused the query: {response.text[:500]}")
        if not response.ok:
            raise StoreError(f"the SPARQL server answered {response.status_code}: "
                             f"{response.text[:500]}")
        return response

    def _graphs(self) -> list[str]:
        """All named graphs, so that the query's default graph is their union.

        The SPARQL Protocol way (default-graph-uri) works on every server; the list is
        re-read at most every few seconds, so a new release is seen quickly.
        """
        now = time.monotonic()
        if self._graph_cache is None or now - self._graph_cache[0] > GRAPH_LIST_TTL:
            data = self._post("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
                              "application/sparql-results+json").json()
            graphs = sorted(b["g"]["value"] for b in data["results"]["bindings"])
            self._graph_cache = (now, graphs)
        return self._graph_cache[1]

    def check_writable(self) -> None:
        """Fail now if a release could not be sent: no update URL, or no server answers
        at the query URL (one empty ASK)."""
        if not self.update_url:
            raise ConfigError("publishing to backend=remote needs KIEZGRAPH_REMOTE_UPDATE_URL")
        self._post("ASK {}", "application/sparql-results+json", timeout=10.0)

    def publish(self, quads: list[ox.Quad]) -> None:
        """Replace the server's whole dataset in one SPARQL update request.

        A SPARQL update request is one transaction on Oxigraph (and most stores), so
        readers see the old release or the new one, never a mix or an empty store.
        """
        if not self.update_url:
            raise ConfigError("publishing to backend=remote needs KIEZGRAPH_REMOTE_UPDATE_URL")
        by_graph: dict[str, list[ox.Quad]] = {}
        for quad in quads:
            by_graph.setdefault(str(quad.graph_name), []).append(quad)
        parts = ["DROP SILENT ALL ;\nINSERT DATA {\n"]
        for graph, members in by_graph.items():
            triples = ox.serialize([q.triple for q in members], format=ox.RdfFormat.N_TRIPLES)
            parts.append(f"GRAPH {graph} {{\n{triples.decode()}}}\n")
        parts.append("}\n")
        try:
            response = self.session.post(
                self.update_url, data="".join(parts).encode(), timeout=max(self.timeout, 300),
                headers={"Content-Type": "application/sparql-update"})
        except requests.RequestException as exc:
            raise StoreError(f"cannot reach the SPARQL server at {self.update_url}: {exc}") from exc
        if not response.ok:
            raise StoreError(f"the SPARQL server refused the new release "
                             f"({response.status_code}): {response.text[:500]}")
        self._release_cache = self._graph_cache = None  # this process knows it changed

    def release_id(self) -> str:
        """The server's release; asked at most once per RELEASE_ID_TTL, so a release
        published by another process is served (with new ETags) within a second."""
        now = time.monotonic()
        cached = self._release_cache
        if cached is not None and now - cached[0] < RELEASE_ID_TTL:
            return cached[1]
        release = self._ask_release_id()
        self._release_cache = (now, release)
        return release

    def _ask_release_id(self) -> str:
        query = (f"SELECT ?id WHERE {{ GRAPH <{self.base}/graph/release> "
                 f"{{ ?r <{self.base}/def/releaseId> ?id }} }}")
        data = self._post(query, "application/sparql-results+json").json()
        rows = data.get("results", {}).get("bindings", [])
        if not rows:
            raise StoreError(f"the SPARQL server at {self.url} holds no Kiezgraph release")
        return str(rows[0]["id"]["value"])

    def query(self, job: Job, timeout: float | None = None, since: float | None = None
              ) -> Answer:
        limit = timeout or self.timeout
        if since is not None:
            limit -= time.monotonic() - since
            if limit <= 0:
                raise Busy("the query waited for a free slot until the time limit; "
                           "try again in a moment")
        sparql = job.query
        if job.base_iri and not re.match(r"\s*BASE\b", sparql, re.IGNORECASE):
            sparql = f"BASE <{job.base_iri}>\n{sparql}"
        if job.prefixes:  # later declarations in the query override these
            sparql = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in job.prefixes.items()) + sparql
        accept = ", ".join([RESULT_FORMATS[job.result_format].media_type,
                            GRAPH_FORMATS[job.graph_format].media_type])
        if job.default_graphs is not None or job.named_graphs is not None:
            default, named = list(job.default_graphs or ()), list(job.named_graphs or ())
        elif names_dataset(job.query):  # the query names its own dataset
            default, named = [], []
        else:
            default = named = self._graphs()
        deadline = time.monotonic() + limit
        response = self._post(sparql, accept, default, named, limit)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        kind = "graph" if media_type == GRAPH_FORMATS[job.graph_format].media_type \
            else "solutions"
        body = self._read(response, deadline, limit)
        try:
            head = next(body, b"")
        except BaseException:
            response.close()
            raise
        if kind == "solutions" and b"boolean" in head[:200]:
            kind = "boolean"

        def chunks() -> Iterator[bytes]:
            with response:
                if head:
                    yield head
                yield from body

        return Answer(kind, media_type, chunks)

    def _read(self, response: requests.Response, deadline: float, limit: float
              ) -> Iterator[bytes]:
        """The answer's bytes, within the query's time limit as a whole (``requests``
        limits each read only); a broken or stalled transfer is a StoreError."""
        try:
            for chunk in response.iter_content(CHUNK):
                if time.monotonic() > deadline:
                    raise QueryTimeout(timeout_message(limit))
                yield chunk
        except requests.RequestException as exc:
            raise StoreError(f"the answer from the SPARQL server at {self.url} broke off: "
                             f"{exc}") from exc

    async def query_async(self, job: Job, since: float, pool: ThreadPoolExecutor) -> Answer:
        return await asyncio.get_running_loop().run_in_executor(pool, self.query, job, None,
                                                                since)

    def close(self) -> None:
        self.session.close()


def select(backend: Backend, query: str) -> list[dict[str, dict[str, str]]]:
    """The SPARQL JSON bindings of a SELECT query, for code that reads a few rows."""
    answer = backend.query(Job(query, "json"))
    return json.loads(answer.read_all())["results"]["bindings"]  # type: ignore[no-any-return]


def open_backend(settings: Settings, workers: int | None = None
                 ) -> EmbeddedBackend | RemoteBackend:
    if settings.backend == "remote":
        return RemoteBackend(settings)
    return EmbeddedBackend(settings, workers)
