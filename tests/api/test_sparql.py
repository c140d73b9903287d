"""/sparql over real HTTP: the SPARQL 1.1 Protocol, formats parsed back, errors, caching."""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.query import Result

BASE = "http://127.0.0.1:8000"
AREAS = f"PREFIX kg: <{BASE}/def/> SELECT ?a WHERE {{ ?a a kg:QMArea }}"
CONSTRUCT = f"PREFIX kg: <{BASE}/def/> CONSTRUCT {{ ?a a kg:QMArea }} WHERE {{ ?a a kg:QMArea }}"


def get(live, http, **params):
    headers = params.pop("headers", {})
    return http.get(f"{live.url}/sparql", params=params, headers=headers, timeout=60)


@pytest.mark.parametrize(("accept", "rdflib_format", "media_type"), [
    ("application/sparql-results+json", "json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "xml", "application/sparql-results+xml"),
    ("text/csv", "csv", "text/csv"),
    ("text/tab-separated-values", "tsv", "text/tab-separated-values"),
])
def test_select_in_every_result_format_parses_back(live, http, accept, rdflib_format,
                                                   media_type) -> None:
    response = get(live, http, query=AREAS, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    result = Result.parse(io.BytesIO(response.content), format=rdflib_format)
    assert len(list(result)) == 51


@pytest.mark.parametrize(("name", "rdflib_format", "media_type"), [
    ("turtle", "turtle", "text/turtle"), ("ntriples", "nt", "application/n-triples"),
    ("jsonld", "json-ld", "application/ld+json"), ("rdfxml", "xml", "application/rdf+xml"),
    ("trig", "trig", "application/trig"), ("nquads", "nquads", "application/n-quads"),
])
def test_construct_in_every_graph_format_parses_back(live, http, name, rdflib_format,
                                                     media_type) -> None:
    response = get(live, http, query=CONSTRUCT, format=name)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = Graph().parse(data=response.content, format=rdflib_format)
    reference = Graph().parse(data=get(live, http, query=CONSTRUCT).content, format="turtle")
    assert len(graph) == 51 and isomorphic(graph, reference)


def test_ask(live, http) -> None:
    response = get(live, http, query=f"ASK {{ <{BASE}/id/area/rixdorf> ?p ?o }}")
    assert response.status_code == 200
    assert response.json() == {"head": {}, "boolean": True}


def test_post_form_and_post_direct(live, http) -> None:
    form = http.post(f"{live.url}/sparql", data={"query": AREAS}, timeout=30,
                     headers={"Accept": "text/csv"})
    assert form.status_code == 200 and len(list(csv.reader(io.StringIO(form.text)))) == 52
    direct = http.post(f"{live.url}/sparql", data=AREAS.encode(), timeout=30,
                       headers={"Content-Type": "application/sparql-query; charset=utf-8"})
    assert direct.status_code == 200
    assert len(direct.json()["results"]["bindings"]) == 51


def test_accept_with_q_values(live, http) -> None:
    response = get(live, http, query=AREAS, headers={
        "Accept": "text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1"})
    assert response.headers["content-type"].startswith("application/sparql-results+xml")


def test_format_parameter_beats_accept(live, http) -> None:
    response = get(live, http, query=AREAS, format="tsv", headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/tab-separated-values")


def test_dataset_from_protocol_parameters(live, http) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    areas_graph = f"{BASE}/graph/data/areas"
    only_areas = get(live, http, query=count, **{"default-graph-uri": areas_graph}).json()
    everything = get(live, http, query=count).json()
    n_areas = int(only_areas["results"]["bindings"][0]["n"]["value"])
    n_all = int(everything["results"]["bindings"][0]["n"]["value"])
    assert 0 < n_areas < n_all
    named = get(live, http, query="SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                **{"named-graph-uri": areas_graph}).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [areas_graph]


def _count(live, http, query: str, **params) -> int:
    answer = get(live, http, query=query, **params)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def test_from_in_the_query_names_the_dataset(live, http) -> None:
    """Regression: the union-of-all-graphs default overrode the query's own FROM."""
    areas = f"<{BASE}/graph/data/areas>"
    count = "SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ {pattern} }}"
    triples = "?s ?p ?o"
    by_protocol = _count(live, http, count.format(dataset="", pattern=triples),
                         **{"default-graph-uri": areas.strip("<>")})
    assert _count(live, http, count.format(dataset=f"FROM {areas}", pattern=triples)) \
        == by_protocol
    assert _count(live, http, f"PREFIX g: <{BASE}/graph/data/> " + count.format(
        dataset="FROM g:areas", pattern=triples)) == by_protocol
    # FROM NAMED alone: the default graph is empty, the named graph is there (§13.2)
    assert _count(live, http, count.format(dataset=f"FROM NAMED {areas}",
                                           pattern=triples)) == 0
    assert _count(live, http, count.format(dataset=f"FROM NAMED {areas}",
                                           pattern="GRAPH ?g { ?s ?p ?o }")) == by_protocol
    # the word in a comment or a string is not a dataset clause
    everything = _count(live, http, count.format(dataset="", pattern=triples))
    assert everything > by_protocol
    assert _count(live, http, count.format(
        dataset="", pattern='?s ?p ?o BIND("FROM <x>" AS ?note)') + " # FROM <y>") \
        == everything


@pytest.mark.parametrize("iri", ["http://[x", "http://a%zz/g", "http://a\x01b/g", "g/relative"])
def test_malformed_graph_iris_are_400(live, http, iri) -> None:
    """Regression: these reached the engine and came back as 500 or 503."""
    for name in ("default-graph-uri", "named-graph-uri"):
        response = get(live, http, query=AREAS, **{name: iri})
        assert response.status_code == 400, (name, iri, response.text)
        assert "absolute IRI" in response.text


def test_unknown_function_is_400_and_the_worker_lives_on(live, http) -> None:
    """Regression: pyoxigraph's RuntimeError killed the worker process (503 + respawn)."""
    response = get(live, http, query="SELECT (<http://example.org/f>(1) AS ?x) WHERE {}")
    assert response.status_code == 400, response.text
    assert "cannot be evaluated" in response.text and "http://example.org/f" in response.text
    assert get(live, http, query="ASK { ?s ?p ?o } # after the bad function").status_code == 200


@pytest.mark.parametrize(("query", "status", "fragment"), [
    ("SELECT ?x WHERE {", 400, "SPARQL syntax error"),
    ("SELECT ?x WHERE { ?x ?y }", 400, "1:"),
    ("   ", 400, "empty"),
    ("INSERT DATA { <http://a> <http://b> <http://c> }", 403, "read-only"),
    ("PREFIX a: <http://a/> DELETE WHERE { ?s ?p ?o }", 403, "read-only"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403, "SERVICE"),
])
def test_bad_queries(live, http, query: str, status: int, fragment: str) -> None:
    response = get(live, http, query=query)
    assert response.status_code == status, response.text
    assert fragment in response.text


def test_a_variable_called_service_is_fine(live, http) -> None:
    response = get(live, http, query="SELECT ?service WHERE { BIND(1 AS ?service) }")
    assert response.status_code == 200


def test_protocol_errors(live, http) -> None:
    unknown = get(live, http, query=AREAS, limit="10")
    assert unknown.status_code == 400 and "unknown parameter(s) limit" in unknown.text
    twice = http.get(f"{live.url}/sparql?query=ASK{{}}&query=ASK{{}}", timeout=10)
    assert twice.status_code == 400
    bad_graph = get(live, http, query=AREAS, **{"default-graph-uri": "not an iri"})
    assert bad_graph.status_code == 400 and "absolute IRI" in bad_graph.text
    update = http.post(f"{live.url}/sparql", data={"update": "CLEAR ALL"}, timeout=10)
    assert update.status_code == 403
    update = http.post(f"{live.url}/sparql", data=b"CLEAR ALL", timeout=10,
                       headers={"Content-Type": "application/sparql-update"})
    assert update.status_code == 403
    wrong_type = http.post(f"{live.url}/sparql", data=b"<q/>", timeout=10,
                           headers={"Content-Type": "application/xml"})
    assert wrong_type.status_code == 415 and "application/sparql-query" in wrong_type.text
    no_query = http.post(f"{live.url}/sparql", data={"format": "json"}, timeout=10)
    assert no_query.status_code == 400 and "missing the 'query' parameter" in no_query.text


def test_not_acceptable_lists_what_is_offered(live, http) -> None:
    response = get(live, http, query=AREAS, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text
    response = get(live, http, query=CONSTRUCT, format="csv")
    assert response.status_code == 406 and "text/turtle" in response.text
    response = get(live, http, query=AREAS, format="yaml")
    assert response.status_code == 400 and "unknown format" in response.text


def test_body_over_the_limit_is_413(live, http) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (2 * 1024 * 1024)
    response = http.post(f"{live.url}/sparql", data=big.encode(), timeout=30,
                         headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413


def test_chunked_body_over_the_limit_is_413(live, http) -> None:
    """Regression: without Content-Length the cap was hit while reading and gave 500."""
    def body():
        yield b"SELECT * WHERE { ?s ?p ?o } #"
        for _ in range(40):
            yield b"x" * (64 * 1024)

    for content_type in ("application/sparql-query", "application/x-www-form-urlencoded"):
        response = http.post(f"{live.url}/sparql", data=body(), timeout=30,
                             headers={"Content-Type": content_type})
        assert response.status_code == 413, response.text
        assert "exceeds" in response.text


def test_etag_and_304(live, http) -> None:
    first = get(live, http, query=AREAS)
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    assert "Accept" in first.headers["vary"]
    again = get(live, http, query=AREAS)
    assert again.headers["etag"] == etag and again.content == first.content
    cached = get(live, http, query=AREAS, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    other_format = get(live, http, query=AREAS, format="csv")
    assert other_format.headers["etag"] != etag


def test_cors(live, http) -> None:
    preflight = http.options(f"{live.url}/sparql", timeout=10, headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    simple = get(live, http, query=AREAS, headers={"Origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"
    assert "ETag" in simple.headers["access-control-expose-headers"]


def test_geosparql_functions(live, http) -> None:
    query = """PREFIX geof: <http://www.opengis.net/def/function/geosparql/>
    PREFIX geo: <http://www.opengis.net/ont/geosparql#>
    PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>
    SELECT ?within ?contains ?intersects ?km WHERE {
      BIND("POLYGON((13.3 52.4, 13.5 52.4, 13.5 52.6, 13.3 52.6, 13.3 52.4))"^^geo:wktLiteral
           AS ?box)
      BIND("POINT(13.4 52.5)"^^geo:wktLiteral AS ?point)
      BIND(geof:sfWithin(?point, ?box) AS ?within)
      BIND(geof:sfContains(?box, ?point) AS ?contains)
      BIND(geof:sfIntersects("POINT(14 53)"^^geo:wktLiteral, ?box) AS ?intersects)
      BIND(geof:distance(?point, "POINT(13.5 52.5)"^^geo:wktLiteral, uom:kilometre) AS ?km)
    }"""
    row = get(live, http, query=query).json()["results"]["bindings"][0]
    assert (row["within"]["value"], row["contains"]["value"]) == ("true", "true")
    assert row["intersects"]["value"] == "false"
    assert 6.7 < float(row["km"]["value"]) < 6.8


def test_relative_iris_resolve_against_the_endpoint(live, http) -> None:
    """Regression (W3C query_content_type_construct): relative IRIs were a syntax error."""
    response = http.post(f"{live.url}/sparql", data=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
                         headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 200, response.text
    graph = Graph().parse(data=response.text, format="turtle")
    assert {str(s) for s in graph.subjects()} == {f"{BASE}/s"}


def test_wrong_method_is_plain_text_405(live, http) -> None:
    response = http.put(f"{live.url}/sparql", data=b"x", timeout=10)
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/plain")
    assert "PUT is not allowed" in response.text


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_cli_and_http_give_the_same_answer(live, http, published, capsys, fmt) -> None:
    """``kiezgraph query`` takes the endpoint's path: same engine, same serializer."""
    from sparql_api.cli import main

    query = (f"SELECT ?a ?n WHERE {{ ?a a <{BASE}/def/QMArea> ; "
             "<http://www.w3.org/2004/02/skos/core#prefLabel> ?n } ORDER BY ?a ?n")
    assert main(["query", "--store-dir", str(published.store_dir), "--format", fmt,
                 query]) == 0
    assert capsys.readouterr().out.encode() == get(live, http, query=query, format=fmt).content


def test_service_works_when_switched_on(live, http, published_store) -> None:
    """KIEZGRAPH_ALLOW_SERVICE=true: federated queries run (here against the session's
    own server on 127.0.0.1) and the service description says so."""
    from ..conftest import make_settings
    from .conftest import LiveServer

    with LiveServer(make_settings(published_store, allow_service=True)) as federating:
        query = (f"SELECT ?a WHERE {{ SERVICE <{live.url}/sparql> "
                 f"{{ ?a a <{BASE}/def/QMArea> }} }}")
        response = http.get(f"{federating.url}/sparql", params={"query": query}, timeout=60)
        assert response.status_code == 200, response.text
        assert len(response.json()["results"]["bindings"]) == 51
        description = http.get(f"{federating.url}/sparql", timeout=30).text
        assert "BasicFederatedQuery" in description
    assert "BasicFederatedQuery" not in http.get(f"{live.url}/sparql", timeout=30).text
