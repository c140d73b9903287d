"""Real SPARQL clients against the running server."""

from __future__ import annotations

import csv
import io
import warnings

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

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


CONSTRUCT = (f"CONSTRUCT {{ ?a a <{BASE}/def/QMArea> }} "
             f"WHERE {{ ?a a <{BASE}/def/QMArea> }}")


def _wrapper(live, query: str, fmt: str, method: str) -> SPARQLWrapper:
    client = SPARQLWrapper(f"{live.url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("fmt", [XML, RDFXML, JSONLD, TURTLE, JSON])
@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_construct_in_its_formats(live, fmt, method) -> None:
    """Regression: SPARQLWrapper sends format= twice (400) and format=xml for RDF/XML (406)."""
    with warnings.catch_warnings():  # it warns that it sends Accept */* for some formats
        warnings.simplefilter("ignore", RuntimeWarning)
        response = _wrapper(live, CONSTRUCT, fmt, method).query().response
    body = response.read()
    media_type = response.headers["Content-Type"].split(";")[0]
    rdflib_format = {"application/rdf+xml": "xml", "application/ld+json": "json-ld",
                     "text/turtle": "turtle"}[media_type]
    graph = Graph().parse(data=body, format=rdflib_format)
    assert len(graph) == 51


@pytest.mark.parametrize(("fmt", "reader"), [(TSV, "\t"), (CSV, ",")])
def test_sparqlwrapper_select_as_tsv_and_csv(live, fmt, reader) -> None:
    response = _wrapper(live, AREAS, fmt, "GET").query().response
    rows = list(csv.reader(io.StringIO(response.read().decode()), delimiter=reader))
    assert len(rows) == 52  # header + 51 areas
    assert any(f"{BASE}/id/area/rixdorf" in row[0] for row in rows[1:])


def test_rdflib_sparqlstore(live) -> None:
    graph = Graph(store=SPARQLStore(f"{live.url}/sparql", returnFormat="json"))
    rows = list(graph.query(AREAS))
    assert len(rows) == 51
    assert URIRef(f"{BASE}/id/area/rixdorf") in {row[0] for row in rows}
