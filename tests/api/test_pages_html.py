"""The HTML pages over real HTTP, read with a real HTML parser: the home page's entry
points, pagers and the language switch that keep the reader's state, link texts that are
labels and not IRIs, escaping of hostile labels in search, and accessibility basics on
every kind of page in both languages."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from rdflib import OWL, RDF, Graph, URIRef

from ingest.config import Settings
from ingest.pipeline import ingest
from ingest.store import EmbeddedBackend
from sparql_api import type_index
from sparql_api.describe import KINDS
from sparql_api.resource_view import build_view

from ..conftest import BASE, DATA, PROJECT, edit_cell, make_settings, select
from .conftest import LiveServer

AS_HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
AS_JSON = {"Accept": "application/json"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
             "source", "track", "wbr"}


# ------------------------------------------------------------------ a small DOM


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def ancestors(self) -> Iterator[Element]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def iter(self, tag: str | None = None) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def find(self, tag: str, **attrs: str) -> list[Element]:
        return [e for e in self.iter(tag)
                if all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.open = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.open)
        self.open.children.append(element)
        if tag not in VOID_TAGS:
            self.open = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.children.append(Element(tag, {k: v or "" for k, v in attrs}, self.open))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.open
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.open = node.parent

    def handle_data(self, data: str) -> None:
        self.open.children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def get(server: LiveServer, target: str, **params: Any) -> requests.Response:
    response = requests.get(server.url + target, params=params or None, headers=AS_HTML,
                            timeout=60)
    assert response.status_code == 200, (target, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    return response


def link(doc: Element, rel: str) -> str | None:
    found = [a.attrs["href"] for a in doc.iter("a") if a.attrs.get("rel") == rel]
    assert len(found) <= 1
    return found[0] if found else None


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query, keep_blank_values=True)


def switch_link(doc: Element) -> Element:
    (span,) = [s for s in doc.iter("span") if s.attrs.get("class") == "lang"]
    (anchor,) = list(span.iter("a"))
    return anchor


# ------------------------------------------------------------------ 1. the home page


def test_home_page_leads_to_catalogue_sparql_ontology_and_ended_areas(
        live: LiveServer, backend: EmbeddedBackend) -> None:
    ended = {r["a"][len(BASE):] for r in select(backend, f"""SELECT ?a WHERE {{
        ?a a kg:QMArea ; kg:status ?s . FILTER(?s != <{BASE}/id/area-status/active>) }}""")}
    assert ended
    for lang in ("de", "en"):
        doc = parse(get(live, "/", lang=lang).text)
        hrefs = {a.attrs.get("href") for a in doc.find("main")[0].iter("a")}
        assert {"/catalog", "/sparql", "/def/", "/id/area?status=left",
                "/id/area", "/id/fund", "/search"} <= hrefs
    catalogue = requests.get(live.url + "/catalog", timeout=60)
    assert catalogue.status_code == 200 and "dcat:Catalog" in catalogue.text
    assert requests.get(live.url + "/def/", headers=AS_HTML, timeout=60).status_code == 200
    assert requests.get(live.url + "/sparql", headers=AS_HTML, timeout=60).status_code == 200
    listed = parse(get(live, "/id/area?status=left").text)
    shown = {a.attrs["href"] for a in listed.find("main")[0].find("ul")[0].iter("a")}
    assert shown == ended


# ------------------------------------------------------------------ 2. pagers keep state


@pytest.fixture
def small_pages(published: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """A server of its own whose type lists have ten entries a page, so that a filtered
    list of areas spans several pages."""
    monkeypatch.setattr(type_index, "PAGE", 10)
    with LiveServer(published) as server:
        yield server


def _walk(server: LiveServer, first: str, rel: str) -> list[Element]:
    """Every page from ``first`` on, following ``rel`` links."""
    pages, target = [], first
    while target is not None:
        assert len(pages) < 50
        doc = parse(get(server, target).text)
        pages.append(doc)
        target = link(doc, rel)
        assert target is None or target.startswith("/"), target
    return pages


def test_list_pager_keeps_the_filters_and_the_language(small_pages: LiveServer,
                                                      backend: EmbeddedBackend) -> None:
    active = {r["a"][len(BASE):] for r in select(backend, f"""SELECT ?a WHERE {{
        ?a a kg:QMArea ; kg:status <{BASE}/id/area-status/active> }}""")}
    forward = _walk(small_pages, "/id/area?status=active&lang=en", "next")
    assert len(forward) == -(-len(active) // 10) > 1
    seen: list[str] = []
    for doc in forward:
        assert doc.find("html")[0].attrs["lang"] == "en"
        seen += [a.attrs["href"] for a in doc.find("main")[0].find("ul")[0].iter("a")]
        for rel in ("next", "prev"):
            href = link(doc, rel)
            if href:
                params = query_of(href)
                assert params["status"] == ["active"] and params["lang"] == ["en"], href
    assert len(seen) == len(set(seen)) and set(seen) == active
    last = link(forward[-2], "next")
    assert last is not None
    backward = _walk(small_pages, last, "prev")
    assert len(backward) == len(forward)
    assert query_of(link(backward[-2], "prev") or "")["page"] == ["1"]


def test_resource_pager_keeps_the_language_and_the_format(live: LiveServer) -> None:
    path = "/id/monitoring-report/mss-2021"  # over 500 observations link to it
    doc = parse(get(live, f"{path}?format=html&lang=en").text)
    following = link(doc, "next")
    assert following is not None and urlsplit(following).path == path
    assert query_of(following) == {"format": ["html"], "lang": ["en"], "page": ["2"]}
    second = parse(get(live, following).text)
    assert second.find("html")[0].attrs["lang"] == "en"
    assert query_of(link(second, "prev") or "") == {"format": ["html"], "lang": ["en"],
                                                   "page": ["1"]}


def test_search_pager_keeps_the_query_the_type_and_the_language(live: LiveServer) -> None:
    everything = requests.get(f"{live.url}/search", params={
        "q": "quartiersrat", "type": "Quartiersrat", "size": 100, "format": "json"},
        timeout=60).json()
    expected = [r["uri"][len(BASE):] for r in everything["results"]]
    assert len(expected) > 10
    pages = _walk(live, "/search?q=quartiersrat&type=Quartiersrat&size=4&lang=en", "next")
    assert len(pages) == -(-len(expected) // 4)
    seen: list[str] = []
    for doc in pages:
        assert doc.find("html")[0].attrs["lang"] == "en"
        for ordered in doc.find("ol"):
            seen += [a.attrs["href"] for a in ordered.iter("a")]
        for rel in ("next", "prev"):
            href = link(doc, rel)
            if href:
                params = query_of(href)
                assert (params["q"], params["type"], params["size"], params["lang"]) == \
                    (["quartiersrat"], ["Quartiersrat"], ["4"], ["en"]), href
    assert seen == expected


@pytest.mark.parametrize("target", [
    "/id/area?district=mitte&status=active&page=1",
    "/search?q=quartiersrat&type=Quartiersrat&size=4&page=2",
    "/id/monitoring-report/mss-2021?format=html&page=2",
    "/def/",
])
def test_language_switch_keeps_every_other_parameter(live: LiveServer, target: str) -> None:
    for lang, other in (("de", "en"), ("en", "de")):
        separator = "&" if "?" in target else "?"
        doc = parse(get(live, f"{target}{separator}lang={lang}").text)
        anchor = switch_link(doc)
        assert anchor.attrs["hreflang"] == other and anchor.attrs["lang"] == other
        expected = query_of(target)
        expected["lang"] = [other]
        assert query_of(anchor.attrs["href"]) == expected
        switched = parse(get(live, urlsplit(target).path + anchor.attrs["href"]).text)
        assert switched.find("html")[0].attrs["lang"] == other


# ------------------------------------------------------------------ 3. labels, not IRIs


def _one_per_type(backend: EmbeddedBackend) -> list[str]:
    rows = select(backend, f"""SELECT ?t (MIN(STR(?s)) AS ?x) WHERE {{ ?s a ?t .
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}/")) }} GROUP BY ?t""")
    paths = {r["x"][len(BASE):] for r in rows}
    # the catalogue is RDF for harvesters, not a page (sparql_api.routes.catalog)
    return sorted(p for p in paths if not p.startswith("/catalog"))


BARE_IRI = re.compile(rf"^\s*https?://{re.escape(BASE.split('://', 1)[1])}")


def test_no_link_text_is_an_iri_of_the_base_on_any_kind_of_page(
        live: LiveServer, backend: EmbeddedBackend) -> None:
    paths = _one_per_type(backend)
    assert len(paths) > 40
    bare: list[tuple[str, str, str]] = []
    with requests.Session() as session:
        for path in paths:
            for lang in ("de", "en"):
                response = session.get(f"{live.url}{path}", params={"lang": lang},
                                       headers=AS_HTML, timeout=60)
                assert response.status_code == 200, path
                doc = parse(response.text)
                bare += [(path, lang, a.text) for a in doc.iter("a") if BARE_IRI.match(a.text)]
                assert not BARE_IRI.match(doc.find("h1")[0].text), path
    assert bare == []


def _cell(doc: Element, heading: str) -> list[Element]:
    for row in doc.iter("tr"):
        header = row.find("th")
        if header and header[0].text.strip() == heading:
            return list(row.find("td")[0].iter("a"))
    raise AssertionError(f"no row {heading!r}")


def test_a_funds_rules_are_named_by_their_kind(live: LiveServer,
                                               backend: EmbeddedBackend) -> None:
    """Regression: the rules on a fund's page were shown as bare IRIs."""
    fund = "/id/fund/qf1"
    for lang, heading in (("de", "Regel"), ("en", "rule")):
        kinds = {r["rule"][len(BASE):]: r["label"] for r in select(backend, f"""
            SELECT ?rule ?label WHERE {{ <{BASE}{fund}> kg:rule ?rule .
              ?rule kg:ruleKind/skos:prefLabel ?label FILTER(LANG(?label) = "{lang}") }}""")}
        assert len(set(kinds.values())) == len(kinds) > 1
        shown = {a.attrs["href"]: a.text for a in _cell(parse(get(live, fund, lang=lang).text),
                                                       heading)}
        assert shown == kinds


def test_rules_of_the_same_kind_stay_apart_and_a_rule_page_is_named(
        live: LiveServer, backend: EmbeddedBackend) -> None:
    fund = "/id/fund/aktionsfonds-2014"  # two rules of each of two kinds
    texts = [a.text for a in _cell(parse(get(live, fund, lang="de").text), "Regel")]
    assert len(texts) == len(set(texts)) >= 4
    (row,) = select(backend, f"""SELECT ?label WHERE {{
        <{BASE}/id/rule/af2014-decision> kg:ruleKind/skos:prefLabel ?label
        FILTER(LANG(?label) = "de") }}""")
    heading = parse(get(live, "/id/rule/af2014-decision").text).find("h1")[0].text
    assert heading.startswith(row["label"]) and "af2014-decision" in heading


def test_every_kind_property_of_the_ontology_names_things() -> None:
    """The kinds a page names label-less things by are all the ontology's kg:*Kind."""
    graph = Graph().parse(PROJECT / "ontology" / "kiezgraph.ttl", format="turtle",
                          publicID=f"{BASE}/")
    kg = f"{BASE}/def/"
    declared = {str(p)[len(kg):] for p in graph.subjects(RDF.type, OWL.ObjectProperty)
                if str(p).startswith(kg) and str(p).endswith("Kind")}
    assert declared and declared == set(KINDS)


def test_a_thing_without_a_kind_is_named_by_its_type_and_slug(live: LiveServer) -> None:
    doc = parse(get(live, "/id/fund/qf1", lang="en").text)
    texts = {a.attrs["href"]: a.text for a in doc.iter("a")}
    observation = "/id/observation/funding-py-2013-heerstrasse-qf1"
    assert observation in texts
    assert "funding-py-2013-heerstrasse-qf1" in texts[observation]
    assert not texts[observation].startswith("http")


# ------------------------------------------------------------------ 4. hostile labels


EVIL = '</script><script>alert("x")</script> Kiezprobe \'quoted\' & <b>bold</b>'
EVIL_ALT = '"><img src=x onerror=alert(1)> Kiezprobe alt </title>'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A release whose area Badstraße is named with markup, quotes and ``</script>``."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(DATA, data)
    edit_cell(data / "areas.csv", "badstrasse", "name", EVIL)
    edit_cell(data / "areas.csv", "badstrasse", "alt_names", EVIL_ALT)
    settings = make_settings(root / "store", data_dir=data)
    ingest(settings)
    with LiveServer(settings) as server:
        yield server


def _no_markup_from_data(doc: Element) -> None:
    assert [s for s in doc.iter("script")
            if s.attrs.get("type") != "application/ld+json"] == []
    assert doc.find("b") == [] and doc.find("img") == []


def test_search_page_shows_hostile_labels_as_text(hostile: LiveServer) -> None:
    response = get(hostile, "/search", q="Kiezprobe")
    assert "<script>alert" not in response.text and "<b>bold" not in response.text
    doc = parse(response.text)
    _no_markup_from_data(doc)
    results = [a for ordered in doc.find("ol") for a in ordered.iter("a")]
    assert [a.text for a in results] == [EVIL]
    assert results[0].attrs["href"] == "/id/area/badstrasse"
    alt = parse(get(hostile, "/search", q="Kiezprobe alt").text)
    _no_markup_from_data(alt)
    assert EVIL_ALT in alt.find("ol")[0].text
    title = parse(get(hostile, "/search", q=EVIL).text)
    _no_markup_from_data(title)
    assert title.find("title")[0].text.startswith(EVIL.strip())


def test_search_json_is_valid_with_hostile_labels(hostile: LiveServer) -> None:
    response = requests.get(f"{hostile.url}/search", params={"q": "Kiezprobe"},
                            headers=AS_JSON, timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert [r["label"] for r in body["results"]] == [EVIL]
    body = requests.get(f"{hostile.url}/search", params={"q": EVIL_ALT, "format": "json"},
                        timeout=60).json()
    assert body["query"] == EVIL_ALT.strip()
    assert body["results"][0]["matched"]["label"] == EVIL_ALT


@pytest.mark.parametrize("target", ["/id/area/badstrasse", "/id/area?district=mitte",
                                    "/id/district/mitte"])
def test_pages_show_hostile_labels_as_text(hostile: LiveServer, target: str) -> None:
    for lang in ("de", "en"):
        response = get(hostile, target, lang=lang)
        assert "<script>alert" not in response.text
        doc = parse(response.text)
        _no_markup_from_data(doc)
        assert EVIL in {a.text for a in doc.iter("a")} | {doc.find("h1")[0].text}


@pytest.mark.parametrize(("params", "message"), [
    ({"page": "0"}, "'page' must be a whole number 1 or more, got '0'"),
    ({"page": "-1"}, "'page' must be a whole number 1 or more, got '-1'"),
    ({"page": "two"}, "'page' must be a whole number 1 or more, got 'two'"),
    ({"page": ""}, "'page' must be a whole number 1 or more, got ''"),
    ({"page": "1.5"}, "'page' must be a whole number 1 or more, got '1.5'"),
    ({"size": "0"}, "'size' must be a whole number between 1 and 100, got '0'"),
    ({"size": "-5"}, "'size' must be a whole number between 1 and 100, got '-5'"),
    ({"size": "ten"}, "'size' must be a whole number between 1 and 100, got 'ten'"),
    ({"size": "101"}, "'size' must be a whole number between 1 and 100, got '101'"),
    ({"size": "100000000000000000000"}, "'size' must be a whole number between 1 and 100"),
    ({"page": "9" * 5000}, "'page' is too large: at most 9 digits, got 5000"),
    ({"size": "9" * 5000}, "'size' must be a whole number between 1 and 100, got 5000 digits"),
])
@pytest.mark.parametrize("headers", [AS_HTML, AS_JSON], ids=["html", "json"])
def test_bad_paging_is_400_with_a_clear_message(live: LiveServer, params: dict[str, str],
                                                message: str, headers: dict[str, str]) -> None:
    response = requests.get(f"{live.url}/search", params={"q": "wedding", **params},
                            headers=headers, timeout=60)
    assert response.status_code == 400
    if headers is AS_HTML and response.headers["content-type"].startswith("text/html"):
        doc = parse(response.text)
        assert message in doc.find("main")[0].text  # the page says it, as text
    else:
        assert response.headers["content-type"] == "application/problem+json"
        assert message in response.json()["detail"]


# ------------------------------------------------------------------ 5. accessibility


PAGE_KINDS = {  # kind: (path, status)
    "home": ("/", 200),
    "list": ("/id/area?status=active", 200),
    "resource": ("/id/area/germaniagarten", 200),  # with a map
    "search": ("/search?q=wedding", 200),
    "empty-search": ("/search", 200),
    "ontology": ("/def/", 200),
    "not-found": ("/id/area/badstrase", 404),
    "bad-request": ("/search?q=wedding&page=0", 400),
}


def _labelled(control: Element, doc: Element) -> bool:
    if control.attrs.get("aria-label") or control.attrs.get("aria-labelledby"):
        return True
    if any(a.tag == "label" for a in control.ancestors()):
        return True
    ident = control.attrs.get("id")
    return bool(ident) and any(label.attrs.get("for") == ident for label in doc.iter("label"))


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("kind", list(PAGE_KINDS))
def test_accessibility_basics(live: LiveServer, kind: str, lang: str) -> None:
    path, status = PAGE_KINDS[kind]
    separator = "&" if "?" in path else "?"
    response = requests.get(f"{live.url}{path}{separator}lang={lang}", headers=AS_HTML,
                            timeout=60)
    assert response.status_code == status
    doc = parse(response.text)
    assert doc.find("html")[0].attrs.get("lang") == lang
    assert response.headers["content-language"] == lang
    assert len(doc.find("h1")) == 1
    navs = doc.find("nav")
    assert navs and all(n.attrs.get("aria-label") for n in navs)
    other = "en" if lang == "de" else "de"
    anchor = switch_link(doc)
    assert (anchor.attrs.get("hreflang"), anchor.attrs.get("lang")) == (other, other)
    controls = [c for tag in ("input", "select", "textarea") for c in doc.iter(tag)
                if c.attrs.get("type") not in ("hidden", "submit", "button")]
    assert [c.attrs for c in controls if not _labelled(c, doc)] == []
    for image in doc.find("img"):
        assert image.attrs.get("alt") is not None
    svgs = doc.find("svg")
    if kind == "resource":
        assert svgs
    for svg in svgs:
        assert svg.attrs.get("role") == "img"
        titles = svg.find("title")
        assert svg.attrs.get("aria-label") and titles and titles[0].text.strip()
        assert "Germaniagarten" in svg.attrs["aria-label"]


def test_only_web_addresses_become_links() -> None:
    """A value IRI with a script scheme is shown as text, never as a link to follow."""
    graph = Graph()
    me = URIRef(f"{BASE}/id/project/x")
    page = URIRef("https://schema.org/url")
    for target in ("javascript:alert(1)", "data:text/html,<b>x</b>", "https://example.org/a"):
        graph.add((me, page, URIRef(target)))
    view = build_view(graph, str(me), "en", BASE, f"{BASE}/def/")
    hrefs = {v.text: v.href for row in view.rows for v in row.values}
    assert hrefs == {"javascript:alert(1)": None, "data:text/html,<b>x</b>": None,
                     "https://example.org/a": "https://example.org/a"}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_district_filter_offers_every_district_in_both_languages(live: LiveServer,
                                                                     lang: str) -> None:
    """Regression: district names are German only, and the English page's district
    filter offered nothing but "all"."""
    for segment in ("area", "project"):
        page = requests.get(f"{live.url}/id/{segment}", params={"lang": lang}, headers=AS_HTML,
                            timeout=60).text
        menu = re.search(r'<select id="filter-district".*?</select>', page, re.S)
        assert menu, segment
        options = re.findall(r'<option value="([^"]+)"', menu[0])
        assert "neukoelln" in options and "mitte" in options, (segment, lang, options)


def test_every_type_list_has_a_title_and_labelled_entries(live: LiveServer, backend) -> None:
    """Regression: lists of types without a hand-written title (cubes, initiatives,
    monitoring reports, ...) had the path segment as heading, and cubes (which have only
    a dct:title) were listed by slug."""
    cube = requests.get(f"{live.url}/id/cube", params={"lang": "de"}, headers=AS_HTML,
                        timeout=60).text
    heading = re.search(r"<h1>(.*?)</h1>", cube, re.S)[1].strip()
    assert heading == "Datenwürfel – Liste"
    titles = {r["t"] for r in select(backend, f"""SELECT ?t WHERE {{ ?c a qb:DataSet ;
        dct:title ?t FILTER(STRSTARTS(STR(?c), "{BASE}/id/cube/") && LANG(?t) = "de") }}""")}
    assert titles and all(title in cube for title in titles)
    english = requests.get(f"{live.url}/id/monitoring-report", params={"lang": "en"},
                           headers=AS_HTML, timeout=60).text
    assert re.search(r"<h1>(.*?)</h1>", english, re.S)[1].strip() != "monitoring-report"
    rdf = Graph().parse(data=requests.get(f"{live.url}/id/cube.ttl", timeout=60).text,
                        format="turtle")
    assert {str(t) for t in rdf.objects(URIRef(f"{BASE}/id/cube"),
                                        URIRef("http://purl.org/dc/terms/title"))}
