"""What a description holds and how its page words it: the full content of blank nodes,
labels for reused properties, money, dates and numbers in the reader's language, the
sources of time-line entries, and paging that keeps the query."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic

from ..conftest import BASE, current_release, select
from .conftest import LiveServer

KG = f"{BASE}/def/"
QB = "http://purl.org/linked-data/cube#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
MONTHS_DE = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
             "September", "Oktober", "November", "Dezember")
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def store(published_store: Path) -> Iterator[ox.Store]:
    """The published release, opened read-only beside the workers."""
    yield ox.Store.read_only(str(published_store / "releases" / current_release(published_store)))


def described(live: LiveServer, iri: str) -> Graph:
    response = requests.get(live.url + iri[len(BASE):], timeout=60,
                            headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, iri
    return Graph().parse(data=response.text, format="nt")


def page(live: LiveServer, path: str, lang: str = "de") -> str:
    response = requests.get(live.url + path, timeout=60, headers={"Accept-Language": lang})
    assert response.status_code == 200 and response.headers["content-language"] == lang
    return response.text


def store_closure(store: ox.Store, iri: str) -> Graph:
    """The resource's own triples and, recursively, those of the blank nodes they reach,
    read from the store's quads (not through SPARQL)."""
    triples: list[ox.Triple] = []
    frontier: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(iri)]
    seen: set[object] = set()
    while frontier:
        node = frontier.pop()
        for quad in store.quads_for_pattern(node, None, None, None):
            triples.append(quad.triple)
            if isinstance(quad.object, ox.BlankNode) and quad.object not in seen:
                seen.add(quad.object)
                frontier.append(quad.object)
    return Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
                         format="nt")


def own_closure(graph: Graph, iri: str) -> Graph:
    """The same part of a description: triples of the resource and of blank nodes."""
    reached: set[object] = {URIRef(iri)}
    frontier = [URIRef(iri)]
    while frontier:
        node = frontier.pop()
        for obj in graph.objects(node, None):
            if isinstance(obj, BNode) and obj not in reached:
                reached.add(obj)
                frontier.append(obj)
    out = Graph()
    for triple in graph:
        if triple[0] in reached:
            out.add(triple)
    return out


def with_blank_objects(backend) -> list[str]:
    rows = select(backend, f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o
        FILTER(isIRI(?s) && isBlank(?o) && STRSTARTS(STR(?s), "{BASE}/")) }} ORDER BY ?s""")
    return [r["s"] for r in rows]


# ------------------------------------------------------------------ blank nodes


def test_every_component_of_the_funding_structure_is_described(live: LiveServer) -> None:
    graph = described(live, KG + "dsd-funding")
    components = list(graph.objects(URIRef(KG + "dsd-funding"), URIRef(QB + "component")))
    assert len(components) == 8
    for component in components:
        roles = {str(p)[len(QB):] for p in graph.predicates(component)}
        assert roles & {"dimension", "measure", "attribute"}, roles
        if "dimension" in roles:
            assert "order" in roles


def test_blank_nodes_come_whole_and_match_the_store(live: LiveServer, backend,
                                                     store: ox.Store) -> None:
    """For every resource with blank nodes (structures, shapes, catalogue records): its
    statements and the blank nodes they reach are those of the store, no more, no less."""
    iris = with_blank_objects(backend)
    assert len(iris) > 50
    for required in (KG + "dsd-funding", KG + "shapes/QMAreaShape", f"{BASE}/id/dataset/areas"):
        assert required in iris
    different = [iri for iri in iris
                 if not isomorphic(own_closure(described(live, iri), iri),
                                   store_closure(store, iri))]
    assert different == []


def test_catalogue_dataset_has_its_temporal_coverage(live: LiveServer, backend) -> None:
    dataset = f"{BASE}/id/dataset/areas"
    expected = select(backend, f"""SELECT ?p ?v WHERE {{ <{dataset}> dct:temporal ?t .
        ?t ?p ?v }}""")
    assert any(r["p"] == DCAT + "startDate" for r in expected)
    graph = described(live, dataset)
    temporal = list(graph.objects(URIRef(dataset), URIRef(DCT + "temporal")))
    assert len(temporal) == 1
    got = {(str(p), str(v)) for p, v in graph.predicate_objects(temporal[0])}
    assert got == {(r["p"], r["v"]) for r in expected}
    start = next(r["v"] for r in expected if r["p"] == DCAT + "startDate")
    day = datetime.fromisoformat(start)
    text = page(live, "/id/dataset/areas")
    assert f"Beginn: {day.day}. {MONTHS_DE[day.month - 1]} {day.year}" in text
    for name in ("dcat:contactPoint", "spdx:checksum", "dct:rights"):
        assert name not in text
    assert not re.search(r"<span>[Nn]?[0-9a-f]{20,}(b[0-9]+)?</span>", text), "a blank node id"


# ------------------------------------------------------------------ labels


def test_every_property_in_the_store_has_a_german_and_an_english_label(backend) -> None:
    rows = select(backend, """SELECT DISTINCT ?p WHERE { ?s ?p ?o
        FILTER(NOT EXISTS { ?p rdfs:label ?de FILTER(lang(?de) = "de") }
               || NOT EXISTS { ?p rdfs:label ?en FILTER(lang(?en) = "en") }) }""")
    assert [r["p"] for r in rows] == []


def test_merged_area_names_and_links_its_successor(live: LiveServer, backend) -> None:
    rows = select(backend, """SELECT ?area ?next WHERE { ?area a kg:QMArea ;
        dct:isReplacedBy ?next } ORDER BY ?area""")
    assert rows
    area, successor = rows[0]["area"][len(BASE):], rows[0]["next"][len(BASE):]
    for lang, label in (("de", "ersetzt durch"), ("en", "is replaced by")):
        text = page(live, area, lang)
        row = re.search(r'<th scope="row"><a href="http://purl.org/dc/terms/isReplacedBy">'
                        r"([^<]*)</a></th>\s*<td>(.*?)</td>", text)
        assert row is not None and row.group(1) == label
        assert f'href="{successor}"' in row.group(2)


@pytest.mark.parametrize("path", ["/id/area/ganghoferstrasse", "/id/department/sensbw",
                                  "/id/dataset/areas", "/id/distribution/areas.csv",
                                  "/def/shapes/QMAreaShape", "/id/fund/projektfonds-2014"])
def test_no_property_is_shown_by_its_curie(live: LiveServer, path: str) -> None:
    for lang in ("de", "en"):
        headings = re.findall(r'<th scope="row"><a href="[^"]*">([^<]*)</a></th>',
                              page(live, path, lang))
        assert headings
        assert [h for h in headings if re.fullmatch(r"[\w-]+:\S+", h)] == [], (path, lang)


# ------------------------------------------------------------------ money, dates, numbers


def cell(text: str, label: str) -> str:
    match = re.search(rf'<th scope="row"><a href="[^"]*">{re.escape(label)}</a></th>\s*'
                      r"<td>(.*?)</td>", text)
    assert match is not None, label
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1)))


def test_money_and_months_in_german_and_english(live: LiveServer) -> None:
    project = "/id/project/kool-im-kiez-phase-2"  # data/projects.csv: 110000, until 2025-12
    german, english = page(live, project, "de"), page(live, f"{project}?lang=en", "en")
    assert cell(german, "Betrag (EUR)") == f"110.000{NBSP}€"
    assert cell(german, "Ende") == "Dezember 2025"
    assert cell(english, "amount (EUR)") == "€110,000"
    assert cell(english, "end date") == "December 2025"


def test_values_in_euro_by_their_unit(live: LiveServer) -> None:
    rule = "/id/rule/qf2-max-per-project"  # data/rules.csv: max 10000, unit eur
    assert cell(page(live, rule, "de"), "Höchstwert") == f"10.000{NBSP}€"
    assert cell(page(live, rule, "en"), "maximum value") == "€10,000"
    fact = "/id/committee-fact/aktionsfondsjury-boulevard-kastanienallee-2023-funding-round"
    assert cell(page(live, fact, "de"), "Budget (EUR)") == f"13.000{NBSP}€"
    assert cell(page(live, fact, "en"), "budget (EUR)") == "€13,000"


def test_decimals_and_times_in_the_readers_style(live: LiveServer, backend) -> None:
    overlap = "/id/area/marzahn-nordwest/overlap/10100101"  # share of the area: 0.268
    assert cell(page(live, overlap, "de"), "Anteil am Gebiet") == "0,268"
    assert cell(page(live, overlap, "en"), "share of the area") == "0.268"
    row = select(backend, "SELECT ?r ?t ?n WHERE { ?r prov:generatedAtTime ?t ; void:triples ?n }")
    release, moment, triples = row[0]["r"], datetime.fromisoformat(row[0]["t"]), int(row[0]["n"])
    german = page(live, release[len(BASE):], "de")
    assert cell(german, "erzeugt am") == \
        f"{moment.day}. {MONTHS_DE[moment.month - 1]} {moment.year}, {moment:%H:%M} UTC"
    assert cell(german, "Anzahl Tripel") == f"{triples:,}".replace(",", ".")
    assert cell(page(live, release[len(BASE):], "en"), "triples") == f"{triples:,}"


# ------------------------------------------------------------------ time-line sources


def timeline(text: str) -> dict[str, list[str]]:
    """Each time-line entry's link, with the links of its sources."""
    section = text[text.index('<ul class="timeline">'):]
    section = section[:section.index("</ul>")]
    entries = {}
    for item in section.split("<li>")[1:]:
        hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', item)]
        entries[hrefs[0]] = hrefs[1:]
    return entries


def local(iri: str) -> str:
    return iri[len(BASE):] if iri.startswith(BASE + "/") else iri


@pytest.mark.parametrize(("path", "link"), [
    ("/id/area/beusselstrasse", "kg:lifeCycleEvent"),  # data/area_events.csv
    ("/id/department/sensbw", "skosxl:altLabel"),  # data/dated_names.programme.csv
])
def test_each_timeline_entry_shows_its_sources(live: LiveServer, backend, path: str,
                                               link: str) -> None:
    rows = select(backend, f"""SELECT ?entry ?source WHERE {{ <{BASE}{path}> {link} ?entry .
        FILTER EXISTS {{ ?entry schema:startDate|kg:observedFrom ?start }}
        ?entry dct:source ?source }}""")
    expected: dict[str, set[str]] = {}
    for r in rows:
        expected.setdefault(local(r["entry"]), set()).add(local(r["source"]))
    assert len(expected) >= 3
    for lang in ("de", "en"):
        shown = timeline(page(live, path, lang))
        for entry, sources in expected.items():
            assert entry in shown, entry
            assert set(shown[entry]) == sources, entry
    assert "Quellen:" in page(live, path, "de") and "Sources:" in page(live, path, "en")


# ------------------------------------------------------------------ paging


def test_pager_keeps_the_language_and_the_format(live: LiveServer) -> None:
    path = "/id/monitoring-report/mss-2021"  # over 500 observations link to it
    text = requests.get(f"{live.url}{path}", params={"page": "2", "lang": "en"},
                        timeout=60).text
    assert f'rel="prev" href="{path}?lang=en&amp;page=1"' in text
    assert f'rel="next" href="{path}?lang=en&amp;page=3"' in text
    text = requests.get(f"{live.url}{path}", params={"format": "html", "page": "2"},
                        headers={"Accept-Language": "en"}, timeout=60).text
    assert f'rel="next" href="{path}?format=html&amp;lang=en&amp;page=3"' in text
    following = requests.get(f"{live.url}{path}?lang=en&page=3", timeout=60)
    assert following.status_code == 200 and '<html lang="en">' in following.text
