"""The pieces of a resource page without a server: formatting of values, blank nodes on
one line, the blank-node closure of a description, and escaping in the template."""

from __future__ import annotations

from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from sparql_api.describe import _closure
from sparql_api.pages import environment
from sparql_api.resource_view import (
    Labeller,
    Value,
    date_time,
    money,
    month_year,
    number,
    yes_no,
)

BASE = "http://127.0.0.1:8000"
KG = f"{BASE}/def/"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
NBSP = "\u00a0"


@pytest.mark.parametrize(("function", "text", "de", "en"), [
    (money, "1234567", f"1.234.567{NBSP}€", "€1,234,567"),
    (money, "1234.5", f"1.234,50{NBSP}€", "€1,234.50"),
    (money, "ten", "ten", "ten"),
    (number, "9505", "9.505", "9,505"),
    (number, "0.268", "0,268", "0.268"),
    (number, "-1234567.125", "-1.234.567,125", "-1,234,567.125"),
    (number, "12", "12", "12"),
    (number, "n/a", "n/a", "n/a"),
    (month_year, "2003-05", "Mai 2003", "May 2003"),
    (month_year, "2003-13", "2003-13", "2003-13"),
    (date_time, "2026-12-06T01:52:47.800018Z", "6. Dezember 2026, 01:52 UTC",
     "6 December 2026, 01:52 UTC"),
    (date_time, "2021-03-01T09:05:00+01:00", "1. März 2021, 09:05 UTC+01:00",
     "1 March 2021, 09:05 UTC+01:00"),
    (date_time, "2021-03-01T09:05:00", "1. März 2021, 09:05", "1 March 2021, 09:05"),
    (date_time, "yesterday", "yesterday", "yesterday"),
    (yes_no, "false", "nein", "no"),
])
def test_values_in_each_language(function, text: str, de: str, en: str) -> None:
    assert function(text, "de") == de
    assert function(text, "en") == en


def names(graph: Graph, lang: str = "de") -> Labeller:
    return Labeller(graph, lang, BASE, KG)


def test_quantities_are_money_only_in_euro() -> None:
    graph = Graph()
    rule, other, eur, ha = (URIRef(f"{BASE}/id/{n}") for n in ("rule/a", "rule/b", "units/eur",
                                                                  "units/ha"))
    graph.add((eur, URIRef(SKOS + "notation"), Literal("EUR")))
    graph.add((ha, URIRef(SKOS + "notation"), Literal("ha")))
    graph.add((rule, URIRef(KG + "unit"), eur))
    graph.add((other, URIRef(KG + "unit"), ha))
    value = Literal("1500", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))
    labeller = names(graph)
    assert labeller.value(value, URIRef(SCHEMA + "minValue"), rule).text == f"1.500{NBSP}€"
    assert labeller.value(value, URIRef(SCHEMA + "minValue"), other).text == "1.500"
    assert labeller.value(value, URIRef(KG + "budgetEur")).text == f"1.500{NBSP}€"


def test_a_blank_node_is_spelled_out_in_the_readers_language() -> None:
    graph = Graph()
    shape, items = BNode(), BNode()
    path, message = URIRef("http://www.w3.org/ns/shacl#path"), \
        URIRef("http://www.w3.org/ns/shacl#message")
    graph.add((path, URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
               Literal("Pfad", lang="de")))
    graph.add((shape, RDF.type, URIRef("http://www.w3.org/ns/shacl#PropertyShape")))
    graph.add((shape, path, URIRef(KG + "status")))
    graph.add((shape, message, Literal("Genau ein Status.", lang="de")))
    graph.add((shape, message, Literal("Exactly one status.", lang="en")))
    graph.add((shape, URIRef("http://www.w3.org/ns/shacl#in"), items))
    Collection(graph, items, [Literal("a"), Literal("b")])
    text = names(graph).blank(shape)
    assert text == "Pfad: kg:status; sh:in: [a, b]; sh:message: Genau ein Status."
    assert "Exactly" in names(graph, "en").blank(shape)


def test_closure_keeps_what_the_resource_reaches_and_its_inbound_links() -> None:
    me, other = ox.NamedNode(f"{BASE}/id/x"), ox.NamedNode(f"{BASE}/id/y")
    p = ox.NamedNode("http://example.org/p")
    mine, nested, foreign, pointing = (ox.BlankNode(n) for n in ("mine", "nested", "foreign",
                                                                    "pointing"))
    triples = [ox.Triple(me, p, mine), ox.Triple(mine, p, nested),
               ox.Triple(nested, p, ox.Literal("deep")), ox.Triple(mine, p, other),
               ox.Triple(other, p, foreign), ox.Triple(foreign, p, ox.Literal("not mine")),
               ox.Triple(pointing, p, me), ox.Triple(me, p, mine)]
    kept = _closure(triples, me)
    assert ox.Triple(foreign, p, ox.Literal("not mine")) not in kept
    assert ox.Triple(nested, p, ox.Literal("deep")) in kept
    assert ox.Triple(pointing, p, me) in kept
    assert len(kept) == len(set(kept)) == 6


def test_hostile_text_in_new_places_is_escaped() -> None:
    """Time-line sources, blank-node text and the pager carry data into the page; a
    value without a page of its own (a blank node) is text, not a link to "None"."""
    evil = '<script>alert("x")</script>'
    view = SimpleNamespace(
        label="x", types=[], map_svg=None, sources=[], inbound=[
            SimpleNamespace(label=evil, href="/id/a",
                            values=[Value(evil, "/id/b"), Value("a blank node")])],
        rows=[SimpleNamespace(label=evil, href="/def/p", values=[Value(evil)])],
        timeline=[{"start": "2020", "start_text": "2020", "end_text": None, "text": evil,
                   "href": "/id/e", "sources": [Value(evil, 'https://x.test/"><b>')]}])
    page = environment().get_template("resource.html").render(
        view=view, iri="i", schema_org=None, local="/id/x", formats=[], page=2, pages=3,
        inbound_total=250, page_size=100, lang="en", t=lambda de, en: en,
        with_lang=lambda code: "?page=2&lang=" + code, path="/id/x", query="")
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page
    assert 'href="/id/x?lang=en&amp;page=3"' in page
    assert 'href="None"' not in page and "<span>a blank node</span>" in page
