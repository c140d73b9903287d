"""Real SPARQL clients against the running server."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, SPARQLWrapper

BASE = "http://127.0.0.1:8000"
AREAS = f"SELECT ?a WHERE {{ ?a a <{BASE}/def/QMArea> }}"


def test_sparqlwrapper_get_and_post(live) -> None:
    for method in ("GET", POST):
        client = SPARQLWrapper(f"{live.url}/sparql")
        client.setQuery(AREAS)
        client.setReturnFormat(JSON)
        client.setMethod(method)
        result = client.queryAndConvert()
        assert len(result["results"]["bindings"]) == 51  # type: ignore[index]


def test_rdflib_sparqlstore(live) -> None:
    graph = Graph(store=SPARQLStore(f"{live.url}/sparql", returnFormat="json"))
    rows = list(graph.query(AREAS))
    assert len(rows) == 51
    assert URIRef(f"{BASE}/id/area/rixdorf") in {row[0] for row in rows}
