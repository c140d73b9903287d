"""HTTP semantics of the linked-data side, over real HTTP: HEAD for every GET route, one
``Vary`` that names each field once, 304 only for what exists, JSON for JSON clients, the
type index as a Hydra collection with its filters, and the published JSON-LD context."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from starlette.routing import Mount

from ingest.vocab import Vocab
from sparql_api.app import Application

from ..conftest import BASE, select
from .conftest import LiveServer

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
LABEL_PROPERTIES = {SKOS.prefLabel, RDFS.label, URIRef("https://schema.org/name")}
KG = f"{BASE}/def/"
ID = f"{BASE}/id"
RDFLIB = {"text/turtle": "turtle", "application/ld+json": "json-ld",
          "application/n-triples": "nt", "application/rdf+xml": "xml"}
LABELS = "skos:prefLabel|schema:name|rdfs:label"
# Only these differ between two answers to the same request.
PER_ANSWER = {"date", "server"}


# ----------------------------------------------------------------- HEAD on every route

def _get_routes(routes: list[Any], prefix: str = "") -> Iterator[str]:
    """The path templates of every route that answers GET, included routers walked."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _get_routes(inner.routes, prefix + route.include_context.prefix)
        elif isinstance(route, Mount):
            yield prefix + route.path + "/{path:path}"
        elif "GET" in (getattr(route, "methods", None) or ()):
            yield prefix + route.path


def _samples(live: LiveServer) -> dict[str, list[str]]:
    """Concrete URLs for each GET route template (several where a route serves kinds)."""
    catalog = requests.get(f"{live.url}/catalog", headers={"Accept": "text/turtle"},
                           timeout=60).text
    download = re.search(r"/download/[^/>\s]+/[^/>\s]+", catalog)
    assert download, "the catalogue names no download"
    return {
        "/id/{path:path}": ["/id/area/badstrasse", "/id/area/badstrasse.ttl", "/id/area",
                            "/id/area?status=left", "/id/area/nothing-here",
                            "/id/area?status=nonsense"],
        "/def/{path:path}": ["/def/QMArea", "/def/QMArea.ttl"],
        "/graph/{path:path}": ["/graph/release"],
        "/download/{release_id}/{name}": [download.group(0)],
        "/geo/{layer}.geojson": ["/geo/districts.geojson"],
        "/static/{path:path}": ["/static/site.css"],
        "/search": ["/search", "/search?q=mitte", "/search?q=mitte&size=0"],
        "/lookup": ["/lookup?lat=52.52&lon=13.40", "/lookup"],
    }


def _headers(response: requests.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items() if k.lower() not in PER_ANSWER}


def test_head_answers_like_get_on_every_get_route(live: LiveServer) -> None:
    """Regression: ``/``, ``/search`` and ``/context.jsonld`` (among others) answered 405
    to HEAD. HEAD before GET reaches the route, HEAD after GET the memo: both must give
    GET's status and headers, Content-Length included, and no body."""
    app = live.server.config.app
    assert isinstance(app, Application)
    templates = set(_get_routes(app.api.routes))
    with warnings.catch_warnings():
        # regression: routes that listed HEAD beside GET made FastAPI warn of duplicate
        # operation ids while building the schema
        warnings.simplefilter("error")
        schema = app.api.openapi()
    documented = {p.replace("{path}", "{path:path}") for p, ops in schema["paths"].items()
                  if "get" in ops}
    assert documented <= templates  # the walk found every route the API documents
    samples = _samples(live)
    urls = [url for t in sorted(templates) for url in samples.get(t, [t])]
    assert not [u for u in urls if "{" in u], "a route has no sample URL"
    failures = []
    with requests.Session() as session:
        for url in urls:
            before = session.head(live.url + url, timeout=60, allow_redirects=False)
            get = session.get(live.url + url, timeout=60, allow_redirects=False)
            assert get.status_code < 500, (url, get.text)
            after = session.head(live.url + url, timeout=60, allow_redirects=False)
            expected = _headers(get)
            for head in (before, after):
                got = _headers(head)
                if (head.status_code, got) != (get.status_code, expected) or head.content:
                    failures.append((url, head.status_code, get.status_code,
                                     set(got.items()) ^ set(expected.items())))
            if "content-length" in get.headers and "content-encoding" not in get.headers:
                assert int(get.headers["content-length"]) == len(get.content), url
    assert failures == []
    assert any(u == "/" for u in urls) and "/context.jsonld" in urls


def test_405_names_head_among_the_allowed_methods(live: LiveServer) -> None:
    response = requests.post(f"{live.url}/context.jsonld", timeout=30)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "HEAD"}


# ----------------------------------------------------------------------------- Vary

def _vary(response: requests.Response) -> list[str]:
    return [t.strip().lower() for t in response.headers.get("vary", "").split(",") if t.strip()]


VARY_CASES = [  # path, request headers, status
    ("/id/area/badstrasse", {"Accept": "text/turtle"}, 200),
    ("/id/area/badstrasse", {"Accept": "text/html"}, 200),
    ("/id/area/badstrasse", {"Accept": "image/png"}, 406),
    ("/id/area/no-such-area", {"Accept": "text/turtle"}, 404),
    ("/id/area/no-such-area", {"Accept": "text/html"}, 404),
    ("/id/area/badstrasse?page=9", {"Accept": "text/turtle"}, 404),
    ("/def/NoSuchTerm", {"Accept": "text/turtle"}, 404),
    ("/graph/nothing", {"Accept": "application/ld+json"}, 404),
    ("/id/area", {"Accept": "text/turtle"}, 200),
    ("/id/area", {"Accept": "image/png"}, 406),
    ("/", {}, 200),
]


@pytest.mark.parametrize("encoding", ["gzip", "identity"])
@pytest.mark.parametrize(("path", "headers", "status"), VARY_CASES)
def test_vary_names_each_field_once(live: LiveServer, path: str, headers: dict[str, str],
                                    status: int, encoding: str) -> None:
    """Regression: ``Vary`` said ``Accept-Encoding`` twice (the route and the compression
    middleware each added it), and 404 and 406 answers had no ``Accept`` in it."""
    response = requests.get(live.url + path, timeout=60,
                            headers={**headers, "Accept-Encoding": encoding})
    assert response.status_code == status
    tokens = _vary(response)
    assert len(tokens) == len(set(tokens)), response.headers["vary"]
    assert "accept" in tokens and "accept-encoding" in tokens
    if path != "/":
        assert "accept-language" in tokens
    if status == 200 and "etag" in response.headers:  # and its 304
        again = requests.get(live.url + path, timeout=60, headers={
            **headers, "Accept-Encoding": encoding, "If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
        assert len(_vary(again)) == len(set(_vary(again))) and "accept" in _vary(again)


# ------------------------------------------------------------------------ 304 and 404

@pytest.mark.parametrize("path", ["/id/area/not-an-area", "/def/NotATerm", "/graph/nope",
                                  "/id/area/badstrasse?page=50"])
def test_if_none_match_star_on_what_does_not_exist_is_404(live: LiveServer, path: str) -> None:
    """Regression: the ETag was checked before existence, so ``If-None-Match: *`` (and a
    tag guessed for a missing page) got 304 for a URI that describes nothing."""
    for _ in range(2):  # the second time the memo could answer, had it kept anything
        response = requests.get(live.url + path, timeout=60, headers={
            "Accept": "text/turtle", "If-None-Match": "*"})
        assert response.status_code == 404, path


def test_if_none_match_star_on_what_exists_is_304(live: LiveServer) -> None:
    url = f"{live.url}/id/district/pankow"
    headers = {"Accept": "application/n-triples", "If-None-Match": "*"}
    assert requests.get(url, timeout=60, headers=headers).status_code == 304  # the route
    assert requests.get(url, timeout=60, headers={"Accept": "application/n-triples"}
                        ).status_code == 200
    assert requests.get(url, timeout=60, headers=headers).status_code == 304  # the memo


# ------------------------------------------------------------------- JSON for JSON clients

def _json_ld_graph(live: LiveServer, body: bytes) -> Graph:
    """Our JSON-LD names its context by its URL under the base, which is not this test
    server: read it with the context inline."""
    context = requests.get(f"{live.url}/context.jsonld", timeout=30).json()["@context"]
    document = dict(json.loads(body), **{"@context": context})
    return Graph().parse(data=json.dumps(document), format="json-ld")


def _plain(graph: Graph) -> Graph:
    """``"x"^^xsd:string`` and ``"x"`` are the same literal in RDF 1.1; rdflib keeps
    them apart, so compare graphs with the one form."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        out.add((s, p, o))
    return out


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/json", "application/json"),
    ("application/json;q=0.9, text/csv", "application/json"),
    ("application/ld+json", "application/ld+json"),
    ("application/json, application/ld+json;q=0.5", "application/ld+json"),
])
def test_accept_json_gets_json_ld(live: LiveServer, accept: str, media_type: str) -> None:
    """Regression: ``Accept: application/json`` on a resource was a 406."""
    url = f"{live.url}/id/area/badstrasse"
    response = requests.get(url, headers={"Accept": accept}, timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    turtle = requests.get(url, headers={"Accept": "text/turtle"}, timeout=60)
    assert isomorphic(_plain(_json_ld_graph(live, response.content)),
                      _plain(Graph().parse(data=turtle.text, format="turtle")))


# ------------------------------------------------------------ the type index as RDF

def _collection(live: LiveServer, path: str, accept: str = "text/turtle",
                **params: str) -> tuple[Graph, URIRef]:
    response = requests.get(live.url + path, params=params, headers={"Accept": accept},
                            timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    assert "accept" in _vary(response)
    body = response.content
    graph = _json_ld_graph(live, body) if accept == "application/ld+json" else \
        Graph().parse(data=body, format=RDFLIB[accept])
    collections = list(graph.subjects(RDF.type, HYDRA.Collection))
    assert len(collections) == 1
    return graph, URIRef(collections[0])


def _members_in_store(backend, segment: str, condition: str = "") -> set[str]:
    rows = select(backend, f"""SELECT DISTINCT ?s WHERE {{ ?s a ?t .
        FILTER(STRSTARTS(STR(?s), "{ID}/{segment}/")
               && !CONTAINS(STRAFTER(STR(?s), "{ID}/{segment}/"), "/")) {condition} }}""")
    return {r["s"] for r in rows}


@pytest.mark.parametrize("accept", list(RDFLIB))
def test_type_index_is_a_hydra_collection(live: LiveServer, backend, accept: str) -> None:
    graph, collection = _collection(live, "/id/fund", accept)
    assert collection == URIRef(f"{ID}/fund")
    members = {str(m) for m in graph.objects(collection, HYDRA.member)}
    assert members == _members_in_store(backend, "fund")
    assert int(graph.value(collection, HYDRA.totalItems)) == len(members)
    view = graph.value(collection, HYDRA.view)
    assert (view, RDF.type, HYDRA.PartialCollectionView) in graph
    assert graph.value(view, HYDRA.first) == graph.value(view, HYDRA.last) == \
        URIRef(f"{ID}/fund?page=1")
    stored = {(r["s"], r["l"], r["lang"]) for r in select(backend, f"""
        SELECT ?s ?l (LANG(?l) AS ?lang) WHERE {{ ?s {LABELS} ?l
          FILTER(STRSTARTS(STR(?s), "{ID}/fund/") && LANG(?l) IN ("de", "en", "")) }}""")
        if r["s"] in members}
    served = {(str(s), str(o), o.language or "") for s, p, o in graph
              if p in LABEL_PROPERTIES and s != collection}
    assert served == stored
    assert {lang for *_, lang in served} == {"de", "en"}


def test_type_index_pages_keep_the_filters_and_cover_every_member(live: LiveServer,
                                                                  backend) -> None:
    graph, collection = _collection(live, "/id/plr-2021")
    total = int(graph.value(collection, HYDRA.totalItems))
    expected = _members_in_store(backend, "plr-2021")
    assert total == len(expected) > 100  # more than one page
    view = graph.value(collection, HYDRA.view)
    assert graph.value(view, HYDRA.previous) is None
    last = graph.value(view, HYDRA.last)
    seen: list[str] = []
    while True:
        seen += [str(m) for m in graph.objects(collection, HYDRA.member)]
        following = graph.value(view, HYDRA.next)
        if following is None:
            assert view == last
            break
        graph, collection = _collection(live, str(following)[len(BASE):])
        assert graph.value(graph.value(collection, HYDRA.view), HYDRA.previous) == view
        view = graph.value(collection, HYDRA.view)
    assert len(seen) == len(set(seen)) and set(seen) == expected


def test_type_index_filters_apply_to_rdf_and_the_views_keep_them(live: LiveServer,
                                                                backend) -> None:
    graph, collection = _collection(live, "/id/area.jsonld", "application/ld+json",
                                    district="mitte", status="left")
    assert str(collection) == f"{ID}/area?district=mitte&status=left"
    view = graph.value(collection, HYDRA.view)
    assert str(view) == f"{ID}/area?district=mitte&status=left&page=1"
    assert str(graph.value(view, HYDRA.first)) == str(view)
    expected = _members_in_store(backend, "area", f"""?s kg:district <{ID}/district/mitte> ;
        kg:status ?status FILTER(?status != <{ID}/area-status/active>)""")
    assert {str(m) for m in graph.objects(collection, HYDRA.member)} == expected
    assert expected


STATUS_COUNTS = {"active": 32, "left": 19, "verstetigt": 13, "ended": 4, "merged": 2}


@pytest.mark.parametrize(("status", "count"), list(STATUS_COUNTS.items()))
def test_status_filter_left_and_the_existing_statuses(live: LiveServer, backend, status: str,
                                                      count: int) -> None:
    """``left`` is every area whose funding ended, however: all statuses but active."""
    condition = f"FILTER(?status != <{ID}/area-status/active>)" if status == "left" else \
        f"FILTER(?status = <{ID}/area-status/{status}>)"
    expected = _members_in_store(backend, "area", f"?s kg:status ?status {condition}")
    assert len(expected) == count
    page = requests.get(f"{live.url}/id/area", params={"status": status}, timeout=60)
    assert set(re.findall(r'<li><a href="(/id/area/[^"]+)"', page.text)) == \
        {iri[len(BASE):] for iri in expected}
    graph, collection = _collection(live, "/id/area", "application/n-triples", status=status)
    assert {str(m) for m in graph.objects(collection, HYDRA.member)} == expected


@pytest.mark.parametrize(("params", "status", "message"), [
    ({"status": "gone"}, 400, "unknown status 'gone'; use one of: active, ended, left, "
                              "merged, verstetigt"),
    ({"district": "atlantis"}, 400, "unknown district 'atlantis'; use one of: "
                                    "charlottenburg-wilmersdorf,"),
    ({"district": "<b>x</b>"}, 400, "unknown district"),
    ({"page": "two"}, 400, "'page' must be a whole number from 1, got 'two'"),
    ({"page": "9"}, 404, "/id/area has 1 page(s), not 9"),
    ({"colour": "red"}, 400, "unknown parameter(s) colour"),
    ({"format": "yaml"}, 400, "unknown format 'yaml'"),
])
@pytest.mark.parametrize("accept", ["text/turtle", "text/html,*/*;q=0.8"])
def test_bad_type_index_requests_get_a_clear_error(live: LiveServer, params: dict[str, str],
                                                   status: int, message: str,
                                                   accept: str) -> None:
    response = requests.get(f"{live.url}/id/area", params=params, headers={"Accept": accept},
                            timeout=60)
    assert response.status_code == status
    if accept.startswith("text/html"):
        assert response.headers["content-type"].startswith("text/html")
        assert "<b>" not in response.text  # escaped
        text = re.sub(r"<[^>]+>", "", response.text).replace("&#39;", "'")
        assert message.replace("&", "&amp;") in text
    else:
        assert response.headers["content-type"].startswith("text/plain")
        assert message in response.text


def test_type_index_has_an_etag_per_release_and_request(live: LiveServer) -> None:
    url, turtle = f"{live.url}/id/area", {"Accept": "text/turtle"}
    left = requests.get(url, params={"status": "left"}, headers=turtle, timeout=60)
    tag = left.headers["etag"]
    again = requests.get(url, params={"status": "left"}, timeout=60,
                         headers={**turtle, "If-None-Match": tag})
    assert again.status_code == 304 and again.headers["etag"] == tag and not again.content
    others = [requests.get(url, params=params, headers=headers, timeout=60).headers["etag"]
              for params, headers in (({"status": "active"}, turtle), ({}, turtle),
                                      ({"status": "left"}, {"Accept": "text/html"}))]
    assert len({tag, *others}) == 4
    # a bad filter is an error even for a client that would take any cached answer
    bad = requests.get(url, params={"status": "gone"}, timeout=60,
                       headers={**turtle, "If-None-Match": "*"})
    assert bad.status_code == 400


def test_project_filters_check_their_values(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/id/project", params={"climate": "maybe"}, timeout=60)
    assert response.status_code == 400 and "use one of: no, yes" in response.text
    assert requests.get(f"{live.url}/id/project", params={"climate": "yes"},
                        timeout=60).status_code == 200


def _labels_shown(html: str) -> list[str]:
    return re.findall(r'<li><a href="/id/fund/[^"]+">([^<]+)</a>', html)


def test_type_index_labels_in_the_readers_language(live: LiveServer, backend) -> None:
    rows = select(backend, f"""SELECT ?l (LANG(?l) AS ?lang) WHERE {{ ?s skos:prefLabel ?l
        FILTER(STRSTARTS(STR(?s), "{ID}/fund/")) }}""")
    german = {r["l"] for r in rows if r["lang"] == "de"}
    english = {r["l"] for r in rows if r["lang"] == "en"}
    url = f"{live.url}/id/fund"
    assert set(_labels_shown(requests.get(url, timeout=60).text)) == german
    for response in (requests.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"},
                                  timeout=60), requests.get(url, params={"lang": "en"},
                                                            timeout=60)):
        shown = _labels_shown(response.text)
        assert set(shown) == english
        assert shown == sorted(shown, key=str.casefold)


# ------------------------------------------------------------- the JSON-LD context

PREFIXES = ("kg", "org", "dcat", "dct", "skos", "skosxl", "geo", "prov", "qb", "schema",
            "foaf", "hydra", "xsd", "rdf", "rdfs", "owl", "time", "void", "spdx", "vcard",
            "dcatde", "sdmx-dimension", "sdmx-attribute")


def test_context_declares_the_prefixes_of_our_data(live: LiveServer, backend) -> None:
    context = requests.get(f"{live.url}/context.jsonld", timeout=30).json()["@context"]
    vocab = Vocab(BASE)
    for prefix in PREFIXES:
        assert context[prefix] == vocab.prefixes[prefix]
    # every namespace of a predicate or class in the store has its prefix
    rows = select(backend, """SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }""")
    namespaces = {re.sub(r"[^/#]*$", "", r["t"]) for r in rows}
    assert namespaces <= {v for v in context.values() if isinstance(v, str)}


def _keys(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


@pytest.mark.parametrize("path", ["/id/area/badstrasse", "/id/dataset/kiezgraph",
                                  "/id/fund/aktionsfonds-2021", "/id/department/sensbw",
                                  "/id/area?status=active"])
def test_compact_json_ld_uses_the_prefixes_and_expands_to_the_turtle(live: LiveServer,
                                                                      path: str) -> None:
    url = live.url + path
    response = requests.get(url, headers={"Accept": "application/ld+json"}, timeout=60)
    document = response.json()
    assert document["@context"] == f"{BASE}/context.jsonld"
    keys = set(_keys(document["@graph"]))
    assert not [k for k in keys if k.startswith(("http:", "https:"))], keys
    assert {k.split(":", 1)[0] for k in keys if ":" in k} <= set(PREFIXES)
    assert any(k.startswith(("dct:", "hydra:", "dcat:")) for k in keys)
    turtle = requests.get(url, headers={"Accept": "text/turtle"}, timeout=60)
    assert isomorphic(_plain(_json_ld_graph(live, response.content)),
                      _plain(Graph().parse(data=turtle.text, format="turtle")))


@pytest.mark.parametrize("path", ["/", "/id/area", "/id/area/badstrasse", "/search?q=wedding",
                                  "/def/", "/id/department/sensbw", "/sparql"])
@pytest.mark.parametrize("accept", ["text/turtle", "text/html,*/*;q=0.8"])
def test_a_language_we_do_not_write_in_is_refused_not_replaced(live: LiveServer, path: str,
                                                                accept: str) -> None:
    """Regression: ?lang=fr used to answer in German without a word."""
    url = live.url + path + ("&" if "?" in path else "?") + "lang=fr"
    response = requests.get(url, headers={"Accept": accept}, timeout=60)
    assert response.status_code == 400
    text = re.sub(r"<[^>]+>", "", response.text).replace("&#39;", "'")
    assert "'lang' must be one of de, en, got 'fr'" in text
    twice = requests.get(live.url + "/id/area?lang=de&lang=en", timeout=60)
    assert twice.status_code == 400 and "'lang' is given more than once" in twice.text
    fine = requests.get(live.url + path + ("&" if "?" in path else "?") + "lang=en",
                        headers={"Accept": accept}, timeout=60)
    assert fine.status_code in (200, 406)  # 406: a page that has no Turtle form


@pytest.mark.parametrize(("path", "accept", "status", "detail"), [
    ("/id/area/nothing-here", "application/ld+json", 404, "/id/area/nothing-here"),
    ("/id/area?district=atlantis", "application/json", 400, "unknown district 'atlantis'"),
    ("/geo/nowhere.geojson", "application/geo+json", 404, "nowhere"),
    ("/search?q=a&size=0", "application/json", 400, "'size' must be a whole number"),
    ("/id/area/badstrasse?format=yaml", "application/ld+json", 400, "unknown format 'yaml'"),
])
def test_json_clients_get_problem_details(live: LiveServer, path: str, accept: str,
                                          status: int, detail: str) -> None:
    """Errors for JSON clients are RFC 9457 problem details; text and pages stay as they
    are, and the SPARQL endpoint keeps plain text for SPARQL clients."""
    response = requests.get(live.url + path, headers={"Accept": accept}, timeout=60)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert "accept" in _vary(response)
    problem = response.json()
    assert set(problem) == {"type", "title", "status", "detail", "instance"}
    assert problem["type"] == "about:blank" and problem["status"] == status
    assert problem["instance"] == path.split("?")[0]
    assert detail in problem["detail"]
    plain = requests.get(live.url + path, headers={"Accept": "text/plain"}, timeout=60)
    assert plain.headers["content-type"].startswith("text/plain")
    assert plain.text.startswith(f"{plain.status_code} ") and plain.status_code in (status, 406)
    sparql = requests.get(f"{live.url}/sparql", params={"query": "SELEC nothing"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert sparql.status_code == 400
    assert sparql.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/*", "application/n-triples"),  # our first application/ format
    ("application/*, text/html;q=0.1", "application/n-triples"),
    ("text/*", "text/html"),
    ("text/*;q=0.5, application/ld+json", "application/ld+json"),
    ("application/xhtml+xml", "text/html"),  # an alias named exactly still counts
    ("application/x-turtle", "text/turtle"),
])
def test_a_wildcard_range_does_not_match_through_an_alias(live: LiveServer, accept: str,
                                                          media_type: str) -> None:
    """Regression: application/* gave HTML (through its alias application/xhtml+xml),
    and application/* with text/html;q=0.1 gave Turtle (through application/x-turtle)."""
    response = requests.get(f"{live.url}/id/area/badstrasse", headers={"Accept": accept},
                            timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


@pytest.mark.parametrize(("path", "params", "status", "check"), [
    ("/id/area/badstrasse", {"format": "ttl"}, 200, "text/turtle"),
    ("/id/area/badstrasse", {"format": "nt"}, 200, "application/n-triples"),
    ("/id/area/badstrasse", {"format": "rdf"}, 200, "application/rdf+xml"),
    ("/id/area", {"format": "ttl"}, 200, "text/turtle"),
    ("/catalog", {"format": "ttl"}, 200, "text/turtle"),
    ("/id/area/badstrasse", {"format": "yaml"}, 400, "use one of html, turtle (ttl),"),
    ("/id/area/badstrasse", {"lang": "EN"}, 200, 'lang="en"'),
    ("/id/area/badstrasse", {"lang": "en-GB"}, 200, 'lang="en"'),
    ("/id/area", {"district": ["mitte", "neukoelln"]}, 400,
     "'district' is given more than once"),
])
def test_parameters_take_what_users_type(live: LiveServer, path: str, params: dict,
                                         status: int, check: str) -> None:
    """Regression: ?format= took only turtle/ntriples/rdfxml (not the extensions), ?lang=EN
    and en-GB were 400, and a filter given twice silently used its last value."""
    response = requests.get(live.url + path, params=params,
                            headers={"Accept": "text/html,*/*;q=0.8"}, timeout=60)
    assert response.status_code == status
    if status == 200 and "/" in check:
        assert response.headers["content-type"].startswith(check)
    else:
        assert check in response.text.replace("&#39;", "'")
