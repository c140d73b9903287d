"""The seam between Kiezgraph and its SPARQL engine.

``EmbeddedBackend`` answers from the current release of the on-disk store (opened
read-only, reopened when an ingest flips the pointer); ``RemoteBackend`` sends the
same queries to an external SPARQL 1.1 server such as ``oxigraph serve``.
Both answer a query with serialized bytes in the requested format.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox
import requests

from .config import Settings
from .errors import BadInputError, ConfigError, StoreError
from .release import ReleaseMeta, ReleaseStore

GRAPH_LIST_TTL = 5.0  # seconds
_FROM = re.compile(r"\bFROM\s+(NAMED\s+)?<", re.IGNORECASE)

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


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    kind: str  # "solutions", "boolean" or "graph"


class Backend(Protocol):
    def release_id(self) -> str: ...

    def query(self, sparql: str, result_format: str = "json", graph_format: str = "turtle",
              prefixes: dict[str, str] | None = None) -> Answer: ...


def serialize(result: object, result_format: str, graph_format: str) -> Answer:
    """Serialize a pyoxigraph query result in the requested format."""
    if isinstance(result, ox.QueryTriples):
        fmt = GRAPH_FORMATS[graph_format]
        return Answer(result.serialize(format=fmt) or b"", fmt.media_type, "graph")
    fmt = RESULT_FORMATS[result_format]
    kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
    return Answer(result.serialize(format=fmt) or b"", fmt.media_type, kind)  # type: ignore[attr-defined]


class EmbeddedBackend:
    """Queries the current release; switches to a new release as soon as it is published."""

    def __init__(self, settings: Settings):
        self.releases = ReleaseStore(settings.store_dir)
        self._lock = threading.Lock()
        self._stamp = -1
        self._store: ox.Store | None = None
        self._meta: ReleaseMeta | None = None

    def current(self) -> tuple[ox.Store, ReleaseMeta]:
        stamp = self.releases.pointer_stamp()
        with self._lock:
            if stamp != self._stamp or self._store is None or self._meta is None:
                meta = self.releases.current()
                if meta is None:
                    raise StoreError(f"no release in {self.releases.root}; run 'kiezgraph "
                                     "ingest' first")
                if self._meta is None or meta.release_id != self._meta.release_id:
                    self._store = self.releases.open_read_only(meta.release_id)
                    self._meta = meta
                self._stamp = stamp
            if self._store is None or self._meta is None:  # pragma: no cover - set above
                raise StoreError("no release is open")
            return self._store, self._meta

    def release_id(self) -> str:
        return self.current()[1].release_id

    def meta(self) -> ReleaseMeta:
        return self.current()[1]

    def query(self, sparql: str, result_format: str = "json", graph_format: str = "turtle",
              prefixes: dict[str, str] | None = None) -> Answer:
        """Run ``sparql`` over the union of all named graphs; ``prefixes`` are predeclared."""
        store, _ = self.current()
        try:
            result = store.query(sparql, use_default_graph_as_union=True, prefixes=prefixes)
            return serialize(result, result_format, graph_format)
        except SyntaxError as exc:
            raise BadInputError(f"SPARQL syntax error: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"the store could not answer: {exc}") from exc


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

    def _post(self, sparql: str, accept: str,
              graphs: list[str] | None = None) -> requests.Response:
        form: list[tuple[str, str]] = [("query", sparql)]
        for graph in graphs or ():
            form += [("default-graph-uri", graph), ("named-graph-uri", graph)]
        try:
            response = self.session.post(self.url, data=form, timeout=self.timeout,
                                         headers={"Accept": accept})
        except requests.Timeout as exc:
            raise StoreError(f"the SPARQL server at {self.url} did not answer in time") from exc
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

    def release_id(self) -> str:
        query = (f"SELECT ?id WHERE {{ GRAPH <{self.base}/graph/release> "
                 f"{{ ?r <{self.base}/def/releaseId> ?id }} }}")
        data = self._post(query, "application/sparql-results+json").json()
        rows = data.get("results", {}).get("bindings", [])
        if not rows:
            raise StoreError(f"the SPARQL server at {self.url} holds no Kiezgraph release")
        return str(rows[0]["id"]["value"])

    def query(self, sparql: str, result_format: str = "json", graph_format: str = "turtle",
              prefixes: dict[str, str] | None = None) -> Answer:
        if prefixes:  # later declarations in the query override these
            sparql = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + sparql
        accept = ", ".join([RESULT_FORMATS[result_format].media_type,
                            GRAPH_FORMATS[graph_format].media_type])
        # A query that names its own dataset (FROM / FROM NAMED) keeps it.
        graphs = None if _FROM.search(sparql) else self._graphs()
        response = self._post(sparql, accept, graphs)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        kind = "graph" if media_type == GRAPH_FORMATS[graph_format].media_type else "solutions"
        if kind == "solutions" and b"boolean" in response.content[:200]:
            kind = "boolean"
        return Answer(response.content, media_type, kind)


def open_backend(settings: Settings) -> EmbeddedBackend | RemoteBackend:
    if settings.backend == "remote":
        return RemoteBackend(settings)
    return EmbeddedBackend(settings)
