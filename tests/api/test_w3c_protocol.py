"""The W3C SPARQL 1.1 Protocol test suite, replayed over HTTP against a live Kiezgraph.

Every entry of ``sparql11/protocol/manifest.ttl`` (in ``../shared/standards``) becomes one
test, named after the entry. Its HTTP requests are sent as the manifest spells them (method,
query string, headers, body in the stated encoding; ``/sparql/`` becomes ``/sparql``) to a
real server over a release that holds the manifest's ``ut:graphData`` graphs. The answer's
status must fall in a class of ``mf:expectedStatus``; a 2xx answer is parsed with rdflib
and must be what ``mf:expectedFormat`` says (a boolean, a table or a graph), with
``mf:expectedBoolean`` where given.

Kiezgraph is a read-only query service, so the manifest's update tests cannot pass as
written. They still each get an assertion: a positive update (``update_*``) must be refused
with 403, its follow-up query must show that nothing changed, and the store must be intact;
the malformed updates (``bad_update_*``, ``bad_multiple_updates``) must get a 4xx as the
manifest says, and leave the store intact too.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest
import requests
from rdflib import RDF, RDFS, Dataset, Graph, Namespace
from rdflib.collection import Collection
from rdflib.query import Result

from ..conftest import BASE, PROJECT, make_settings
from .conftest import LiveServer

PROTOCOL_DIR = (PROJECT.parent / "shared" / "standards" / "w3c-rdf-tests" / "sparql"
                / "sparql11" / "protocol")
MANIFEST = PROTOCOL_DIR / "manifest.ttl"
MANIFEST_TESTS = 34  # entries of the manifest (see ../shared/standards/README.md, section 5)
DATA_GRAPHS = {f"http://kasei.us/2009/09/sparql/data/data{n}.rdf": f"data{n}.nt"
               for n in (1, 2, 3)}
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
RELEASE_GRAPH = f"{BASE}/graph/release"
FINGERPRINT = "w3c-test"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

RESULT_PARSERS = {"application/sparql-results+json": "json",
                  "application/sparql-results+xml": "xml",
                  "text/csv": "csv", "text/tab-separated-values": "tsv"}
RDF_PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt",
               "application/ld+json": "json-ld", "application/rdf+xml": "xml",
               "application/trig": "trig", "application/n-quads": "nquads"}
QUAD_FORMATS = {"trig", "nquads"}

# Query cases that cannot pass because of a gap in the product (strict: they must fail).
# Manifest entries Kiezgraph cannot pass yet, with the reason (strict xfail). Empty now:
# relative IRIs in queries resolve against the endpoint IRI (regression test below).
PRODUCT_GAPS: dict[str, str] = {}


# -- the manifest ---------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One HTTP request of a test, and what its response must be."""

    method: str
    path: str  # below the server root, /sparql/ already replaced by /sparql
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[str]  # "2xx", "3xx", "4xx" (or exact codes such as "200")
    expected_format: str | None  # "boolean", "tabular", "RDF"
    expected_boolean: bool | None

    @property
    def is_update(self) -> bool:
        """An update operation (SPARQL 1.1 Protocol §2.2): by media type or parameter."""
        content_type = dict((k.lower(), v) for k, v in self.headers).get("content-type", "")
        if content_type.split(";")[0].strip().lower() == "application/sparql-update":
            return True
        query = urlsplit(self.path).query
        body = (self.body or b"").decode("utf-8", "replace")
        return any(re.search(r"(^|&)update=", part) for part in (query, body))


@dataclass(frozen=True)
class ProtocolTest:
    name: str  # the manifest entry's local name, used as the test id
    title: str  # mf:name
    exchanges: tuple[Exchange, ...]
    graph_data: tuple[tuple[str, Path], ...]  # (graph name, file) from ut:graphData


def _local(node: Any) -> str:
    return str(node).rsplit("#", 1)[-1]


def _status(node: Any) -> str:
    match = re.fullmatch(r"StatusCode(\dxx|\d{3})", _local(node))
    assert match, f"unknown mf:expectedStatus {node}"
    return match.group(1)


def _exchange(g: Graph, node: Any) -> Exchange:
    path = str(g.value(node, HT.absolutePath))
    assert path.startswith("/sparql/"), path
    headers: tuple[tuple[str, str], ...] = ()
    if (header_list := g.value(node, HT.headers)) is not None:
        headers = tuple((str(g.value(h, HT.fieldName)), str(g.value(h, HT.fieldValue)))
                        for h in Collection(g, header_list))
    body = None
    if (content := g.value(node, HT.body)) is not None:
        encoding = str(g.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(content, CNT.chars)).encode(encoding)
    response = g.value(node, HT.resp)
    expected_format = g.value(response, MF.expectedFormat)
    expected_boolean = g.value(response, MF.expectedBoolean)
    return Exchange(
        method=str(g.value(node, HT.methodName)),
        path="/sparql" + path.removeprefix("/sparql/"),
        headers=headers,
        body=body,
        statuses=frozenset(_status(s) for s in g.objects(response, MF.expectedStatus)),
        expected_format=str(expected_format) if expected_format is not None else None,
        expected_boolean=(bool(expected_boolean.toPython())
                          if expected_boolean is not None else None),
    )


def _data_file(node: Any) -> Path:
    return PROTOCOL_DIR / Path(unquote(urlsplit(str(node)).path)).name


def load_manifest() -> list[ProtocolTest]:
    if not MANIFEST.is_file():
        raise FileNotFoundError(f"the W3C protocol manifest is missing: {MANIFEST}")
    g = Graph().parse(MANIFEST, format="turtle")
    manifest = g.value(predicate=RDF.type, object=MF.Manifest)
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        exchanges = tuple(_exchange(g, r) for r in Collection(g, g.value(action, HT.requests)))
        graph_data = tuple(sorted((str(g.value(d, RDFS.label)), _data_file(g.value(d, UT.graph)))
                                  for d in g.objects(entry, UT.graphData)))
        tests.append(ProtocolTest(_local(entry), str(g.value(entry, MF.name)), exchanges,
                                  graph_data))
    return tests


TESTS = load_manifest()


def _case(test: ProtocolTest) -> Any:
    marks = ()
    if test.name in PRODUCT_GAPS:
        marks = (pytest.mark.xfail(strict=True, reason=PRODUCT_GAPS[test.name]),)
    return pytest.param(test, id=test.name, marks=marks)


# -- the store and the server ----------------------------------------------------------


def _graph_data() -> dict[str, Path]:
    """All graphs the manifest's tests expect (ut:graphData), by name."""
    found: dict[str, Path] = {}
    for test in TESTS:
        for name, path in test.graph_data:
            assert found.setdefault(name, path) == path, f"{name} given by two files"
    return found


def publish_test_release(store_dir: Path) -> str:
    """Publish one release holding the manifest's graphs, as ingest/pipeline.py does."""
    from ingest.release import ReleaseStore

    started = datetime.now(UTC)
    release_id = f"{started:%Y%m%dT%H%M%S%fZ}-{FINGERPRINT[:8]}"
    releases = ReleaseStore(store_dir)
    counts: dict[str, int] = {}
    with releases.ingest_lock():
        store = ox.Store(str(releases.build_dir(release_id)))
        for name, path in sorted(_graph_data().items()):
            graph = ox.NamedNode(name)
            store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            counts[name] = len(list(store.quads_for_pattern(None, None, None, graph)))
        release = ox.NamedNode(RELEASE_GRAPH)
        counts[RELEASE_GRAPH] = 2 * (len(counts) + 1)  # the provenance describes itself too
        for name, count in counts.items():
            store.add(ox.Quad(ox.NamedNode(name), ox.NamedNode(str(RDF.type)),
                              ox.NamedNode(f"{BASE}/def/NamedGraph"), release))
            store.add(ox.Quad(ox.NamedNode(name), ox.NamedNode("http://rdfs.org/ns/void#triples"),
                              ox.Literal(str(count), datatype=ox.NamedNode(
                                  "http://www.w3.org/2001/XMLSchema#integer")), release))
        assert len(list(store.quads_for_pattern(None, None, None, release))) == counts[
            RELEASE_GRAPH]
        store.flush()
        del store
        releases.publish(release_id, {"release_id": release_id, "created": started.isoformat(),
                                      "base_iri": BASE, "fingerprint": FINGERPRINT,
                                      "graphs": counts})
    return release_id


@dataclass(frozen=True)
class W3cServer:
    server: LiveServer
    release_id: str

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def w3c(tmp_path_factory: pytest.TempPathFactory) -> Iterator[W3cServer]:
    store_dir = tmp_path_factory.mktemp("w3c-store")
    with pytest.MonkeyPatch.context() as mp:  # no KIEZGRAPH_ variable or .env leaks in
        for name in list(os.environ):
            if name.startswith("KIEZGRAPH_"):
                mp.delenv(name)
        mp.chdir(store_dir)
        release_id = publish_test_release(store_dir)
        settings = make_settings(store_dir, query_workers=2)
    with LiveServer(settings) as server:
        yield W3cServer(server, release_id)


# -- replaying and checking ----------------------------------------------------------


def send(w3c: W3cServer, http: requests.Session, exchange: Exchange) -> requests.Response:
    """Send the request as the manifest spells it: no header beyond the manifest's
    (requests' default Accept is removed, since the manifest sends none)."""
    headers: dict[str, str | None] = {"Accept": None}
    headers.update(exchange.headers)
    return http.request(exchange.method, w3c.url + exchange.path, headers=headers,
                        data=exchange.body, timeout=60)


def _status_matches(code: int, statuses: frozenset[str]) -> bool:
    return str(code) in statuses or f"{code // 100}xx" in statuses


def check_status(response: requests.Response, exchange: Exchange) -> None:
    where = f"{exchange.method} {exchange.path[:100]}"
    for hop in response.history:
        assert _status_matches(hop.status_code, exchange.statuses), (
            f"{where}: redirect {hop.status_code}, expected {sorted(exchange.statuses)}")
    assert _status_matches(response.status_code, exchange.statuses), (
        f"{where}: got {response.status_code}, expected {sorted(exchange.statuses)}: "
        f"{response.text[:300]}")


def media_type(response: requests.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_results(response: requests.Response) -> Result:
    fmt = RESULT_PARSERS.get(media_type(response))
    assert fmt, f"not a SPARQL results media type: {response.headers.get('content-type')!r}"
    return Result.parse(io.BytesIO(response.content), format=fmt)


def parse_rdf(response: requests.Response) -> Graph:
    fmt = RDF_PARSERS.get(media_type(response))
    assert fmt, f"not an RDF media type: {response.headers.get('content-type')!r}"
    graph: Graph = Dataset() if fmt in QUAD_FORMATS else Graph()
    return graph.parse(data=response.content, format=fmt)


def check_format(response: requests.Response, exchange: Exchange) -> Result | Graph | None:
    """The body is what mf:expectedFormat says, read back with a real parser."""
    if exchange.expected_format == "boolean":
        result = parse_results(response)
        assert result.type == "ASK", f"expected a boolean result, got {result.type}"
        assert isinstance(result.askAnswer, bool)
        return result
    if exchange.expected_format == "tabular":
        result = parse_results(response)
        assert result.type == "SELECT", f"expected a table of solutions, got {result.type}"
        assert result.vars is not None
        rows = list(result)
        assert all(len(row) == len(result.vars) for row in rows)
        return result
    if exchange.expected_format == "RDF":
        return parse_rdf(response)
    assert exchange.expected_format is None, f"unknown format {exchange.expected_format!r}"
    return None


def replay(w3c: W3cServer, http: requests.Session, exchange: Exchange,
           expected_boolean: bool | None) -> None:
    """One request: status in the manifest's classes; a 2xx body of the right format."""
    response = send(w3c, http, exchange)
    check_status(response, exchange)
    if response.status_code // 100 != 2:
        return
    assert response.headers.get("x-kiezgraph-release") == w3c.release_id
    parsed = check_format(response, exchange)
    if expected_boolean is not None:
        assert isinstance(parsed, Result) and parsed.askAnswer is expected_boolean, (
            f"expected the boolean {expected_boolean}, got {response.text[:300]}")


def refuse_update(w3c: W3cServer, http: requests.Session, exchange: Exchange) -> None:
    """Kiezgraph's documented answer to any SPARQL Update: 403, read-only."""
    response = send(w3c, http, exchange)
    assert response.status_code == 403, (
        f"{exchange.method} {exchange.path}: a read-only endpoint must refuse the update "
        f"with 403, got {response.status_code}: {response.text[:300]}")
    assert "read-only" in response.text


def assert_store_intact(w3c: W3cServer, http: requests.Session) -> None:
    """Every graph the suite loaded still holds its data, in the same release."""
    patterns = " ".join(f"GRAPH <{g}> {{ <{g}> a <{FOAF_DOCUMENT}> }}" for g in DATA_GRAPHS)
    response = http.get(f"{w3c.url}/sparql", params={"query": f"ASK {{ {patterns} }}"},
                        headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["boolean"] is True, "an update changed the store"
    assert response.headers["x-kiezgraph-release"] == w3c.release_id


# -- the tests -------------------------------------------------------------------------


def test_manifest_has_every_protocol_test() -> None:
    names = [t.name for t in TESTS]
    assert len(names) == MANIFEST_TESTS and len(set(names)) == MANIFEST_TESTS
    assert all(t.exchanges for t in TESTS)
    assert _graph_data() == {g: PROTOCOL_DIR / f for g, f in DATA_GRAPHS.items()}
    assert set(PRODUCT_GAPS) <= set(names)
    # every positive update test starts with an update, and no query test sends one
    for test in TESTS:
        if test.name.startswith("update_"):
            assert test.exchanges[0].is_update, test.name
        elif "update" not in test.name:
            assert not any(e.is_update for e in test.exchanges), test.name


@pytest.mark.parametrize("test", [_case(t) for t in TESTS])
def test_w3c_protocol(w3c: W3cServer, http: requests.Session, test: ProtocolTest) -> None:
    if test.name.startswith("update_"):
        # A positive update test: the update is refused, and its follow-up query (which
        # the manifest expects to be true once the update ran) answers false.
        assert test.exchanges[0].is_update
        for exchange in test.exchanges:
            if exchange.is_update:
                refuse_update(w3c, http, exchange)
            else:
                expected = (None if exchange.expected_boolean is None
                            else not exchange.expected_boolean)
                replay(w3c, http, exchange, expected)
    else:
        for exchange in test.exchanges:
            replay(w3c, http, exchange, exchange.expected_boolean)
    if "update" in test.name:
        assert_store_intact(w3c, http)
