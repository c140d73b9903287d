"""Service description, VoID and the browser query page, over real HTTP."""

from __future__ import annotations

import json
import re

import pytest
from rdflib import RDF, Dataset, Graph, Namespace, URIRef

from ingest.executor import Job

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


@pytest.mark.parametrize("accept", ["application/trig", "application/n-quads"])
def test_service_description_and_void_in_dataset_formats(live, http, accept) -> None:
    """Regression: rdflib cannot write a plain Graph as N-Quads; this was a 500."""
    for path in ("/sparql", "/.well-known/void"):
        response = http.get(f"{live.url}{path}", headers={"Accept": accept}, timeout=30)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].startswith(accept)
        dataset = Dataset().parse(data=response.content,
                                  format="trig" if "trig" in accept else "nquads")
        assert len(dataset) > 10


def test_service_description_names_the_void_dataset(live, http) -> None:
    graph = Graph().parse(data=http.get(f"{live.url}/sparql", timeout=30).text,
                          format="turtle")
    dataset = graph.value(URIRef(f"{BASE}/sparql"), SD.defaultDataset)
    assert dataset == URIRef(f"{BASE}/id/dataset/kiezgraph")
    void = Graph().parse(data=http.get(f"{live.url}/.well-known/void", timeout=30).text,
                         format="turtle")
    assert (dataset, RDF.type, VOID.Dataset) in void


@pytest.mark.parametrize("query_string", [
    "default-graph-uri=http%3A%2F%2F127.0.0.1%3A8000%2Fgraph%2Fdata%2Fareas",
    "named-graph-uri=http%3A%2F%2Fexample.org%2Fg", "query"])
def test_dataset_or_empty_query_without_a_query_is_400(live, http, query_string) -> None:
    response = http.get(f"{live.url}/sparql?{query_string}", timeout=30)
    assert response.status_code == 400
    assert "query" in response.text


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


def _count(backend, query: str) -> int:
    answer = json.loads(backend.query(Job(query, "json")).read_all())
    return int(answer["results"]["bindings"][0]["n"]["value"])


def test_void_subsets_match_the_store(live, http, backend) -> None:
    """Each named graph's count, vocabularies and example, checked against the store."""
    graph = Graph().parse(data=http.get(f"{live.url}/.well-known/void", timeout=30).text,
                          format="turtle")
    dataset = URIRef(f"{BASE}/id/dataset/kiezgraph")
    subsets = set(graph.objects(dataset, VOID.subset))
    live_graphs = {URIRef(r["g"]["value"]) for r in json.loads(backend.query(Job(
        "SELECT DISTINCT ?g { GRAPH ?g {} }", "json")).read_all())["results"]["bindings"]}
    assert subsets == live_graphs
    assert int(graph.value(dataset, VOID.triples)) == _count(
        backend, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
    for subset in subsets:
        assert int(graph.value(subset, VOID.triples)) == _count(
            backend, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{subset}> {{ ?s ?p ?o }} }}")
    areas = URIRef(f"{BASE}/graph/data/areas")
    assert URIRef("http://www.w3.org/2004/02/skos/core#") in set(
        graph.objects(areas, VOID.vocabulary))
    for subset in subsets:  # each vocabulary listed for a graph is used in that graph
        for namespace in graph.objects(subset, VOID.vocabulary):
            assert _count(backend, (
                f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{subset}> {{ ?s ?p ?o }} "
                f'FILTER(STRSTARTS(STR(?p), "{namespace}") || (?p = rdf:type && '
                f'STRSTARTS(STR(?o), "{namespace}"))) }}').replace(
                    "rdf:type", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>")) > 0
    example = graph.value(areas, VOID.exampleResource)
    assert example is not None and _count(backend, (
        f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{areas}> {{ <{example}> ?p ?o }} }}")) > 0
    response = http.get(str(example).replace(BASE, live.url), timeout=30,
                        headers={"Accept": "text/turtle"})
    assert response.status_code == 200


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples"])
def test_service_description_is_the_same_bytes_each_time(live, http, accept: str) -> None:
    """Regression: rdflib named its blank nodes anew on each request, so two answers (and
    a HEAD and a GET) differed in Content-Length."""
    bodies = {http.get(f"{live.url}/sparql", headers={"Accept": accept}, timeout=30).content
              for _ in range(5)}
    assert len(bodies) == 1


def test_void_is_revalidated_by_release_etag(live, http) -> None:
    first = http.get(f"{live.url}/.well-known/void", timeout=30)
    again = http.get(f"{live.url}/.well-known/void", timeout=30,
                     headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_query_page_works_offline(live, http) -> None:
    response = http.get(f"{live.url}/sparql", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="de">' in html
    assert "default-src 'self'" in response.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    # all on this server: paths, fragments and the language switch (a query string)
    assert sources and all(s.startswith(("/", "data:", "#", "?")) for s in sources), sources
    for asset in ("/static/yasgui/yasgui.min.js", "/static/yasgui/yasgui.min.css",
                  "/static/query.js", "/static/yasgui/LICENSE.txt",
                  "/static/yasgui/yasgui.min.js.LICENSE.txt"):
        assert http.get(f"{live.url}{asset}", timeout=30).status_code == 200
    assert html.count('<textarea id="q') >= 15
    assert 'aria-label="Hauptnavigation"' in html and "Beispielabfragen" in html


def test_query_page_speaks_the_readers_language(live, http) -> None:
    """Regression: the query page was German-only (lang="de" fixed, no site navigation)
    and answered ?lang=en with 400."""
    response = http.get(f"{live.url}/sparql", params={"lang": "en"},
                        headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    html = response.text
    assert '<html lang="en">' in html and response.headers["content-language"] == "en"
    assert "<h2 id=\"examples-heading\">Example queries</h2>" in html
    assert 'aria-label="Main navigation"' in html and "Beispielabfragen" not in html
    assert "Accept-Language" in response.headers["vary"]
    tabs = json.loads(re.search(r'id="kiezgraph-examples">(.*?)</script>', html, re.S)[1])
    assert tabs and {"name", "query"} <= set(tabs[0])
    german = http.get(f"{live.url}/sparql", headers={"Accept": "text/html",
                                                      "Accept-Language": "de"}, timeout=30)
    german_tabs = json.loads(re.search(r'id="kiezgraph-examples">(.*?)</script>',
                                       german.text, re.S)[1])
    assert len(german_tabs) == len(tabs) and german_tabs != tabs  # names per language
    assert http.get(f"{live.url}/sparql", params={"lang": "fr"},
                    headers={"Accept": "text/html"}, timeout=30).status_code == 400
    service = http.get(f"{live.url}/sparql", params={"lang": "en"},
                       headers={"Accept": "text/turtle"}, timeout=30)
    assert service.status_code == 200 and service.headers["content-type"].startswith(
        "text/turtle")
    # the bundle names the file that carries its bundled libraries' notices: it is there
    bundle = http.get(f"{live.url}/static/yasgui/yasgui.min.js", timeout=30).text
    assert "yasgui.min.js.LICENSE.txt" in bundle[:200]
    notices = http.get(f"{live.url}/static/yasgui/yasgui.min.js.LICENSE.txt", timeout=30).text
    assert "jQuery" in notices and "MIT" in notices
