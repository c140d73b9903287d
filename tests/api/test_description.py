"""Service description, VoID and the browser query page, over real HTTP."""

from __future__ import annotations

import re

import pytest
from rdflib import RDF, Graph, Namespace, URIRef

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
BASE = "http://127.0.0.1:8000"


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"), ("application/n-triples", "nt"), (None, "turtle")])
def test_service_description(live, http, accept, rdflib_format) -> None:
    headers = {"Accept": accept} if accept else {}
    response = http.get(f"{live.url}/sparql", headers=headers, timeout=30)
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=rdflib_format)
    service = URIRef(f"{BASE}/sparql")
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert len(set(graph.objects(service, SD.resultFormat))) == 10
    assert (service, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
            URIRef(f"{BASE}/.well-known/void")) in graph
    names = {str(o) for o in graph.objects(None, SD.name)}
    assert f"{BASE}/graph/data/areas" in names and f"{BASE}/graph/release" in names


def test_service_description_not_acceptable(live, http) -> None:
    response = http.get(f"{live.url}/sparql", headers={"Accept": "image/png"}, timeout=30)
    assert response.status_code == 406 and "text/turtle" in response.text


def test_void(live, http, backend) -> None:
    response = http.get(f"{live.url}/.well-known/void", headers={"Accept": "text/turtle"},
                        timeout=30)
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef(f"{BASE}/id/dataset/kiezgraph")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    subsets = list(graph.objects(dataset, VOID.subset))
    total = int(graph.value(dataset, VOID.triples))
    assert sum(int(graph.value(s, VOID.triples)) for s in subsets) == total
    vocabularies = {str(v) for v in graph.objects(dataset, VOID.vocabulary)}
    assert {"http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/ns/org#",
            "http://purl.org/linked-data/cube#", f"{BASE}/def/"} <= vocabularies
    assert len(list(graph.objects(dataset, VOID.exampleResource))) >= 5
    assert graph.value(dataset, URIRef("http://purl.org/dc/terms/identifier")).toPython() == \
        backend.release_id()


def test_query_page_works_offline(live, http) -> None:
    response = http.get(f"{live.url}/sparql", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="de">' in html
    assert "default-src 'self'" in response.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/", "data:")) for s in sources), sources
    for asset in ("/static/yasgui/yasgui.min.js", "/static/yasgui/yasgui.min.css",
                  "/static/query.js", "/static/yasgui/LICENSE.txt"):
        assert http.get(f"{live.url}{asset}", timeout=30).status_code == 200
    assert html.count('<textarea id="q') >= 15
