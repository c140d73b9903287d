"""Query classification and content negotiation, as pure functions."""

from __future__ import annotations

import time

import pytest

from ingest.executor import first_keyword, is_update, uses_service
from sparql_api.conneg import negotiate
from sparql_api.formats import GRAPH_FORMATS, RESULT_FORMATS


@pytest.mark.parametrize(("query", "keyword"), [
    ("SELECT * {}", "SELECT"), ("  prefix a: <http://a#> ask {}", "ASK"),
    ("BASE <http://x/> PREFIX : <http://y/> CONSTRUCT {} WHERE {}", "CONSTRUCT"),
    ("# SELECT in a comment\nDESCRIBE <http://x>", "DESCRIBE"),
    ("PREFIX a: <http://a/> INSERT DATA {}", "INSERT"), ("", None),
])
def test_first_keyword(query: str, keyword: str | None) -> None:
    assert first_keyword(query) == keyword


def test_long_prologue_does_not_backtrack() -> None:
    """Regression: a regex with nested repetition hung on rdflib SPARQLStore's queries."""
    query = "".join(f"PREFIX p{i}: <http://example.org/{i}#>\n" for i in range(300))
    started = time.monotonic()
    assert not is_update(query + "SELECT * WHERE { ?s ?p ?o }")
    assert not is_update(query + "SELEC")
    assert time.monotonic() - started < 0.5


def test_service_detection_ignores_strings_iris_and_variables() -> None:
    assert uses_service("SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }")
    assert uses_service("select * { service silent <http://x> {} }")
    assert not uses_service('SELECT ?service { BIND("SERVICE" AS ?service) }')
    assert not uses_service("SELECT * { <http://x/SERVICE> ex:service ?o } # SERVICE")


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "json"), ("*/*", "json"), ("text/csv", "csv"),
    ("application/json", "json"), ("application/xml", "xml"),
    ("text/*;q=0.5, application/sparql-results+xml", "xml"),
    # a wildcard matches what the answer is labelled, not an alias (XML goes out as
    # application/sparql-results+xml, which text/* does not cover)
    ("text/*", "csv"), ("text/xml", "xml"),
    ("text/tab-separated-values;q=1, text/csv;q=0.9", "tsv"),
    ("text/csv;q=0, */*;q=0.1", "json"), ("image/png", None), ("text/csv;q=0", None),
    ("garbage", "json"),
])
def test_negotiate_results(accept: str | None, expected: str | None) -> None:
    chosen = negotiate(accept, RESULT_FORMATS)
    assert (chosen.name if chosen else None) == expected


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "turtle"), ("application/ld+json", "jsonld"), ("application/rdf+xml", "rdfxml"),
    ("application/n-triples, text/turtle;q=0.8", "ntriples"), ("application/*", "ntriples"),
    ("application/x-turtle", "turtle"),
    ("text/html", None),
])
def test_negotiate_graphs(accept: str | None, expected: str | None) -> None:
    chosen = negotiate(accept, GRAPH_FORMATS)
    assert (chosen.name if chosen else None) == expected
