"""GET /sparql over real HTTP: results parse back, bad input is a clear 400."""

from __future__ import annotations

import json

from rdflib import Graph

AREAS = "PREFIX kg: <http://127.0.0.1:8000/def/> SELECT ?a WHERE { ?a a kg:QMArea }"


def test_select_returns_sparql_json_over_all_graphs(live, http) -> None:
    response = http.get(f"{live.url}/sparql", params={"query": AREAS}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    rows = json.loads(response.content)["results"]["bindings"]
    assert len(rows) == 51


def test_ask(live, http) -> None:
    response = http.get(f"{live.url}/sparql", timeout=30, params={
        "query": "ASK { <http://127.0.0.1:8000/id/area/rixdorf> ?p ?o }"})
    assert response.status_code == 200
    assert response.json() == {"head": {}, "boolean": True}


def test_construct_returns_turtle(live, http) -> None:
    query = AREAS.replace("SELECT ?a WHERE", "CONSTRUCT { ?a a kg:QMArea } WHERE")
    response = http.get(f"{live.url}/sparql", params={"query": query}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=response.text, format="turtle")) == 51


def test_missing_query_is_400(live, http) -> None:
    for params in ({}, {"query": "  "}):
        response = http.get(f"{live.url}/sparql", params=params, timeout=10)
        assert response.status_code == 400
        assert "missing the 'query' parameter" in response.text


def test_syntax_error_is_400_with_the_parsers_message(live, http) -> None:
    response = http.get(f"{live.url}/sparql", params={"query": "SELECT ?x WHERE {"}, timeout=10)
    assert response.status_code == 400
    assert "SPARQL syntax error" in response.text


def test_update_is_not_a_query(live, http) -> None:
    response = http.get(f"{live.url}/sparql", timeout=10,
                        params={"query": "INSERT DATA { <http://a> <http://b> <http://c> }"})
    assert response.status_code == 400
