"""Descriptions in every format, parsed back, with the resource's own statements; HTTP
semantics (Vary, Link, ETag/304, HEAD, 406, 404). Every subject of the graph is
dereferenced in test_dereference_all.py."""

from __future__ import annotations

import json

import pytest
import requests
from rdflib import Graph, Literal, URIRef

from ..conftest import BASE, select
from .conftest import LiveServer

ID = f"{BASE}/id"


def own_statements(backend, iri: str) -> set[tuple[str, str]]:
    rows = select(backend, f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")
    return {(r["p"], r["o"]) for r in rows}


@pytest.mark.parametrize("iri", [f"{ID}/area/badstrasse", f"{ID}/department/sensbw",
                                 f"{ID}/plr-2021/01200517", f"{BASE}/def/QMArea",
                                 f"{BASE}/graph/release"])
def test_a_description_contains_all_own_statements(live: LiveServer, backend,
                                                   iri: str) -> None:
    expected = own_statements(backend, iri)
    response = requests.get(live.url + iri[len(BASE):], timeout=60,
                            headers={"Accept": "application/n-triples"})
    graph = Graph().parse(data=response.text, format="nt")
    got = {(str(p), str(o)) for p, o in graph.predicate_objects(URIRef(iri))}
    assert expected <= got


def test_description_has_labels_inbound_links_and_sources(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/id/area/badstrasse", timeout=60,
                            headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.text, format="turtle")
    me = URIRef(f"{ID}/area/badstrasse")
    district = URIRef(f"{ID}/district/mitte")
    skos = "http://www.w3.org/2004/02/skos/core#"
    assert Literal("Mitte", lang="de") in set(graph.objects(district, URIRef(skos + "prefLabel")))
    assert any(True for _ in graph.subject_predicates(me))  # inbound links
    sources = set(graph.objects(me, URIRef("http://purl.org/dc/terms/source")))
    assert sources and any(any(True for _ in graph.predicate_objects(s)) for s in sources)


def test_json_ld_is_compact_with_the_published_context(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/id/area/badstrasse", timeout=60,
                            headers={"Accept": "application/ld+json"})
    document = response.json()
    assert document["@context"] == f"{BASE}/context.jsonld"
    context = requests.get(f"{live.url}/context.jsonld", timeout=30).json()
    assert context["@context"]["kg"] == f"{BASE}/def/"
    inline = dict(document, **{"@context": context["@context"]})
    graph = Graph().parse(data=json.dumps(inline), format="json-ld")
    assert (URIRef(f"{ID}/area/badstrasse"), None, None) in graph


def test_http_semantics(live: LiveServer) -> None:
    url = f"{live.url}/id/area/badstrasse"
    first = requests.get(url, headers={"Accept": "text/turtle"}, timeout=60)
    assert "Accept" in first.headers["vary"] and 'rel="alternate"' in first.headers["link"]
    assert first.headers["etag"].startswith('W/"')
    again = requests.get(url, timeout=60, headers={"Accept": "text/turtle",
                                                   "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    head = requests.head(url, headers={"Accept": "text/turtle"}, timeout=60)
    assert head.status_code == 200 and head.content == b""
    html = requests.get(url, headers={"Accept": "text/html"}, timeout=60)
    assert html.headers["etag"] != first.headers["etag"]
    assert "default-src 'none'" in html.headers["content-security-policy"]
    gzipped = requests.get(url, headers={"Accept": "text/html", "Accept-Encoding": "gzip"},
                           timeout=60)
    assert gzipped.headers.get("content-encoding") == "gzip"
    refused = requests.get(url, headers={"Accept": "image/png"}, timeout=60)
    assert refused.status_code == 406 and "text/turtle" in refused.text
    assert requests.get(url, params={"format": "jsonld"}, timeout=60).headers[
        "content-type"].startswith("application/ld+json")
    assert requests.get(url, params={"format": "yaml"}, timeout=60).status_code == 400


def test_a_uri_that_ends_in_a_format_extension_resolves_itself(live: LiveServer,
                                                                backend) -> None:
    """Regression: the release's input ``.../input/shapes/kiezgraph-shapes.ttl`` was read
    as "Turtle of .../kiezgraph-shapes" and answered 404."""
    rows = select(backend, f"""SELECT ?s WHERE {{ ?s ?p ?o FILTER(
        STRSTARTS(STR(?s), "{BASE}/id/release/") && STRENDS(STR(?s), "/kiezgraph-shapes.ttl"))
        }} LIMIT 1""")
    path = rows[0]["s"][len(BASE):]
    page = requests.get(live.url + path, headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "shapes/kiezgraph-shapes.ttl" in page.text
    for url, headers in ((live.url + path, {"Accept": "text/turtle"}),
                         (live.url + path + ".ttl", {"Accept": "text/html"})):
        turtle = requests.get(url, headers=headers, timeout=60)
        assert turtle.status_code == 200, url
        assert turtle.headers["content-type"].startswith("text/turtle")
        graph = Graph().parse(data=turtle.text, format="turtle")
        assert (URIRef(BASE + path), None, Literal("shapes/kiezgraph-shapes.ttl")) in graph
    # a short URI still wins, and what exists under neither name is still a 404
    short = requests.get(f"{live.url}/id/area/badstrasse.ttl", timeout=60)
    assert short.headers["content-type"].startswith("text/turtle")
    assert (URIRef(f"{BASE}/id/area/badstrasse"), None, None) in Graph().parse(
        data=short.text, format="turtle")
    missing = requests.get(f"{live.url}/id/area/nothing-here.ttl", timeout=60)
    assert missing.status_code == 404 and missing.text.startswith("404 Not Found")


def test_every_named_graph_resolves_and_counts_itself(live: LiveServer, backend) -> None:
    """Regression: /graph/catalog (written after the provenance graph) answered 404."""
    rows = select(backend, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                           "GROUP BY ?g")
    assert f"{BASE}/graph/catalog" in {r["g"] for r in rows}
    void_triples = URIRef("http://rdfs.org/ns/void#triples")
    with requests.Session() as session:
        for row in rows:
            response = session.get(live.url + row["g"][len(BASE):],
                                   headers={"Accept": "text/turtle"}, timeout=60)
            assert response.status_code == 200, row["g"]
            graph = Graph().parse(data=response.text, format="turtle")
            assert graph.value(URIRef(row["g"]), void_triples).toPython() == int(row["n"]), \
                row["g"]


def test_unknown_uri_is_404_with_suggestions(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/id/area/badstrase", timeout=60,
                            headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    page = requests.get(f"{live.url}/id/area/badstrase", timeout=60)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "/id/area/badstrasse" in page.text  # suggested


def test_german_by_default_english_on_request(live: LiveServer) -> None:
    url = f"{live.url}/id/area/badstrasse"
    german = requests.get(url, timeout=60)
    assert '<html lang="de">' in german.text and "Quellen" in german.text
    english = requests.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"}, timeout=60)
    assert '<html lang="en">' in english.text and "Sources" in english.text
    assert '<html lang="en">' in requests.get(url, params={"lang": "en"}, timeout=60).text


def test_language_switch_keeps_the_filters(live: LiveServer) -> None:
    """Regression: the switch linked to ?lang=en alone and dropped the list's filters."""
    page = requests.get(f"{live.url}/id/area", params={"status": "active", "lang": "de"},
                        timeout=60)
    assert 'href="?status=active&amp;lang=en"' in page.text


def test_type_index_with_filters(live: LiveServer) -> None:
    everything = requests.get(f"{live.url}/id/area", timeout=60)
    active = requests.get(f"{live.url}/id/area", params={"status": "active"}, timeout=60)
    mitte = requests.get(f"{live.url}/id/area", params={"district": "mitte",
                                                        "status": "active"}, timeout=60)
    assert everything.text.count('href="/id/area/') == 51
    assert active.text.count('href="/id/area/') == 32
    assert mitte.text.count('href="/id/area/') == 6
    assert requests.get(f"{live.url}/id/area", params={"colour": "red"},
                        timeout=60).status_code == 400
    assert requests.get(f"{live.url}/id/nosuchtype", timeout=60).status_code == 404


def test_home_page_leads_everywhere(live: LiveServer) -> None:
    home = requests.get(live.url + "/", timeout=60)
    assert home.status_code == 200
    for href in ("/id/area", "/id/district", "/id/fund", "/id/department", "/id/project",
                 "/sparql", "/def/"):
        assert f'href="{href}"' in home.text
