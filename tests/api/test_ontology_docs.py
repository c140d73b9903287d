"""``/def/``: the vocabulary documented from ontology/ and shapes/, with examples from the
data, and the ontology itself as RDF by content negotiation."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from ingest.vocab import FIXED_PREFIXES
from sparql_api.ontology_docs import term_anchor
from sparql_api.pages import PAGE_CSP

from ..conftest import BASE, PROJECT, make_settings
from .conftest import LiveServer

KG = f"{BASE}/def/"
SH = "http://www.w3.org/ns/shacl#"
QB = "http://purl.org/linked-data/cube#"
SKOS_DEFINITION = URIRef("http://www.w3.org/2004/02/skos/core#definition")
DOCUMENTED_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                    URIRef(QB + "DataStructureDefinition"))
RDF_TYPES = {"text/turtle": "turtle", "application/ld+json": "json-ld",
             "application/n-triples": "nt", "application/rdf+xml": "xml"}


# ------------------------------------------------------------------ reading the page


@dataclass
class Section:
    id: str
    heading: str = ""
    text: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)
    children: list[str] = field(default_factory=list)  # ids of the sections directly inside

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())

    def hrefs(self) -> list[str]:
        return [h for h, _ in self.links]


class Page(HTMLParser):
    """Every id of the page, every link, and for each <section id=…> its text, links and
    first heading."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.sections: dict[str, Section] = {}
        self._open: list[Section | None] = []  # one entry per open <section>
        self._link: list[str] | None = None
        self._href = ""
        self._heading: list[str] | None = None
        self.source = html
        self.feed(html)
        self.close()

    def _active(self) -> list[Section]:
        return [s for s in self._open if s is not None]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id") is not None:
            self.ids.append(values["id"] or "")
        if tag == "section":
            section = Section(values["id"]) if values.get("id") else None
            if section is not None:
                self.sections[section.id] = section
                if self._active():
                    self._active()[-1].children.append(section.id)
            self._open.append(section)
        elif tag == "a" and values.get("href") is not None:
            self._link, self._href = [], values["href"] or ""
        elif tag in ("h3", "h2") and self._active() and not self._active()[-1].heading:
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._open:
            self._open.pop()
        elif tag == "a" and self._link is not None:
            text = " ".join("".join(self._link).split())
            self.links.append((self._href, text))
            for section in self._active():
                section.links.append((self._href, text))
            self._link = None
        elif tag in ("h3", "h2") and self._heading is not None:
            self._active()[-1].heading = " ".join("".join(self._heading).split())
            self._heading = None

    def handle_data(self, data: str) -> None:
        for section in self._active():
            section.text.append(data)
        if self._link is not None:
            self._link.append(data)
        if self._heading is not None:
            self._heading.append(data)

    def section(self, term_id: str) -> Section:
        assert term_id in self.sections, f"no section with id {term_id!r}"
        return self.sections[term_id]


def local(iri: URIRef | str) -> str:
    return str(iri)[len(KG):]


def curie_of(iri: URIRef | str) -> str:
    for prefix, namespace in FIXED_PREFIXES.items():
        if str(iri).startswith(namespace):
            return f"{prefix}:{str(iri)[len(namespace):]}"
    raise AssertionError(f"no prefix for {iri}")


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    graph.parse(PROJECT / "ontology" / "kiezgraph.ttl", format="turtle", publicID=f"{BASE}/")
    return graph


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    graph.parse(PROJECT / "shapes" / "kiezgraph-shapes.ttl", format="turtle",
                publicID=f"{BASE}/")
    return graph


@pytest.fixture(scope="module")
def terms(ontology: Graph) -> dict[URIRef, dict[str, str]]:
    """Every documented kg: term with its labels by language."""
    found: dict[URIRef, dict[str, str]] = {}
    for kind in DOCUMENTED_TYPES:
        for term in ontology.subjects(RDF.type, kind):
            if isinstance(term, URIRef) and str(term).startswith(KG) and str(term) != KG:
                found[term] = {lit.language: str(lit)
                               for lit in ontology.objects(term, RDFS.label)
                               if isinstance(lit, Literal) and lit.language}
    assert len(found) > 150, "the ontology should document well over 150 terms"
    return found


@pytest.fixture(scope="module")
def pages(live: LiveServer) -> dict[str, Page]:
    out = {}
    for lang in ("de", "en"):
        response = requests.get(f"{live.url}/def/", params={"lang": lang}, timeout=60)
        assert response.status_code == 200, response.text[:300]
        assert response.headers["content-type"].startswith("text/html")
        out[lang] = Page(response.text)
    return out


def sparql(live: LiveServer, query: str) -> list[dict[str, str]]:
    prefixes = (f"PREFIX kg: <{KG}>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
    response = requests.get(f"{live.url}/sparql", params={"query": prefixes + query},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in row.items()}
            for row in response.json()["results"]["bindings"]]


# ------------------------------------------------------------------ the page


def test_every_term_has_a_section_with_its_label_in_the_readers_language(
        pages: dict[str, Page], terms: dict[URIRef, dict[str, str]]) -> None:
    for lang, page in pages.items():
        toc = {href for href, _ in page.links if href.startswith("#")}
        for term, labels in terms.items():
            assert set(labels) >= {"de", "en"}, f"{term} lacks a German or English label"
            section = page.section(local(term))
            assert labels[lang] in section.heading, (lang, term, section.heading)
            assert f"kg:{local(term)}" in section.heading
            assert f"#{local(term)}" in toc, f"{term} is missing from the contents"
            # Both labels are given in every language, each marked with its language.
            for code, label in labels.items():
                assert f'<span lang="{code}">{escape(label)}</span>' in page.source


def escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def test_definitions_in_the_readers_language(pages: dict[str, Page], ontology: Graph,
                                             terms: dict[URIRef, dict[str, str]]) -> None:
    for lang, page in pages.items():
        for term in terms:
            definition = {lit.language: str(lit) for lit in ontology.objects(term, SKOS_DEFINITION)}
            if lang in definition:
                assert " ".join(definition[lang].split()) in page.section(local(term)).all_text


def test_anchors_are_unique_valid_and_resolve(pages: dict[str, Page]) -> None:
    for page in pages.values():
        ids = page.ids
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
        assert all(i and not re.search(r"\s", i) for i in ids)
        for href, _ in page.links:
            if href.startswith("#"):
                assert href[1:] in ids, f"link {href} points nowhere"
        for required in ("QMArea", "district", "dsd-mss", "dsd-funding", "main"):
            assert required in ids


def test_contents_and_groups(pages: dict[str, Page], ontology: Graph) -> None:
    page = pages["en"]
    expected = {
        "classes": OWL.Class, "object-properties": OWL.ObjectProperty,
        "datatype-properties": OWL.DatatypeProperty,
        "structures": URIRef(QB + "DataStructureDefinition")}
    toc = {href for href, _ in page.links if href.startswith("#")}
    for group, kind in expected.items():
        members = {local(t) for t in ontology.subjects(RDF.type, kind)}
        if kind == OWL.Class:
            assert "QMArea" in members
        assert set(page.section(group).children) == members, group
        assert f"#{group}" in toc
    headings = {page.section(g).heading for g in expected}
    assert headings == {"Classes", "Object properties", "Datatype properties",
                        "Data Cube structures"}


def test_intro_names_reused_vocabularies_and_what_specialises_them(
        pages: dict[str, Page], ontology: Graph) -> None:
    page = pages["en"]
    vocabularies = page.section("vocabularies").all_text
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if str(sup).startswith(KG):
            continue
        curie = curie_of(sup)
        assert curie in vocabularies, f"{curie} (superclass of {sub}) is not listed"
    for name in ("GeoSPARQL", "schema.org", "PROV-O", "W3C Organization Ontology"):
        assert name in vocabularies


def test_qmarea_lists_the_shacl_rules_that_target_it(pages: dict[str, Page],
                                                     shapes: Graph) -> None:
    area = URIRef(KG + "QMArea")
    node_shapes = set(shapes.subjects(URIRef(SH + "targetClass"), area))
    assert URIRef(f"{KG}shapes/QMAreaShape") in node_shapes
    for lang, page in pages.items():
        section = page.section("QMArea")
        text = section.all_text
        for shape in node_shapes:
            assert f"kgsh:{str(shape).rsplit('/', 1)[-1]}" in text
            for prop in shapes.objects(shape, URIRef(SH + "property")):
                messages = {m.language: str(m)
                            for m in shapes.objects(prop, URIRef(SH + "message"))}
                assert messages[lang] in text, (lang, messages[lang])
                other = "en" if lang == "de" else "de"
                if messages[other] != messages[lang]:
                    assert messages[other] not in text
        # path, cardinality, class of one constraint, all in one row
        exactly = "genau 1" if lang == "de" else "exactly 1"
        assert re.search(rf"kg:district {exactly} · \w+: kg:District", text)
        assert "#District" in section.hrefs()
    district = pages["de"].section("District").all_text
    assert "^[0-9]{3}$" in district  # a pattern
    # shapes of superclasses apply too: a Quartiersrat is a committee, an organisation
    council = pages["en"].section("Quartiersrat").all_text
    assert "kgsh:CommitteeShape" in council and "applies via the superclass kg:Committee" in council


def test_property_sections_show_domain_range_and_constraints_on_their_path(
        pages: dict[str, Page], ontology: Graph) -> None:
    page = pages["en"]
    properties = [p for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
                  for p in ontology.subjects(RDF.type, kind)]
    for prop in properties:
        section = page.section(local(prop))
        for predicate in (RDFS.domain, RDFS.range):
            for value in ontology.objects(prop, predicate):
                if str(value).startswith(KG):
                    assert f"#{local(value)}" in section.hrefs(), (prop, predicate, value)
                else:
                    curie = curie_of(value)
                    assert curie in section.all_text, (prop, predicate, curie)
    text = page.section("lifeCycleEvent").all_text
    assert re.search(r"Domain kg:QMArea Range kg:AreaEvent", text)
    district = page.section("district").all_text
    assert "An area lies in exactly one known district." in district
    assert "Every LOR unit lies in exactly one district." in district
    assert "kgsh:QMAreaShape" in district and "kgsh:LORUnitShape" in district
    planned = page.section("plannedEnd").all_text  # reported by a SHACL-SPARQL check
    assert "The planned end does not lie before the area's start." in planned


def test_examples_are_real_instances_with_local_links(live: LiveServer,
                                                     pages: dict[str, Page]) -> None:
    page = pages["de"]
    section = page.section("QMArea")
    count = int(sparql(live, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a kg:QMArea }")[0]["n"])
    assert count > 40
    assert re.search(rf"Instanzen \(mit Unterklassen\) {count}\b", section.all_text)
    examples = [(h, t) for h, t in section.links if h.startswith("/id/")]
    assert 1 <= len(examples) <= 3
    for href, label in examples:
        assert re.fullmatch(r"/id/area/[a-z0-9-]+", href), href
        names = sparql(live, f'SELECT ?l WHERE {{ <{BASE}{href}> a kg:QMArea ; skos:prefLabel ?l '
                             'FILTER(LANG(?l) = "de") }')
        assert [n["l"] for n in names] == [label], (href, label, names)

    district = page.section("district")
    uses = int(sparql(live, "SELECT (COUNT(*) AS ?n) WHERE { ?s kg:district ?o }")[0]["n"])
    assert re.search(rf"Verwendungen \(Tripel\) {uses}\b", district.all_text)
    subjects = [h for h, _ in district.links if h.startswith("/id/")]
    assert 1 <= len(subjects) <= 3
    for href in subjects:
        assert sparql(live, f"SELECT ?o WHERE {{ <{BASE}{href}> kg:district ?o }}"), href

    # a class without instances says so rather than inventing examples
    empty = sparql(live, "SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:Steuerungsrunde }")[0]["n"]
    runde = page.section("Steuerungsrunde")
    assert re.search(rf"Instanzen \(mit Unterklassen\) {empty}\b", runde.all_text)
    if empty == "0":
        assert not [h for h in runde.hrefs() if h.startswith("/id/")]


def test_structure_sections_list_their_components(pages: dict[str, Page]) -> None:
    text = pages["en"].section("dsd-mss").all_text
    assert "Dimension 1 kg:monitoringReport" in text
    assert "Dimension 2 sdmx-dimension:refArea – reference area" in text
    assert "Measure kg:statusIndexClass" in text
    assert "Attribute kg:inhabitants" in text and "(optional)" in text


# ------------------------------------------------------------------ negotiation and headers


@pytest.mark.parametrize("media_type", list(RDF_TYPES))
def test_the_ontology_as_rdf(live: LiveServer, ontology: Graph, media_type: str) -> None:
    response = requests.get(f"{live.url}/def/", headers={"Accept": media_type}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"] and "Accept-Language" in response.headers["vary"]
    graph = Graph()
    graph.parse(data=response.content, format=RDF_TYPES[media_type])
    assert isomorphic(graph, ontology), "the served ontology differs from ontology/"
    assert (URIRef(KG + "QMArea"), RDFS.subClassOf,
            URIRef("http://www.opengis.net/ont/geosparql#Feature")) in graph


def test_html_when_preferred_or_nothing_is_said(live: LiveServer) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    cases = {None: "text/html", browser: "text/html", "*/*": "text/html",
             "text/turtle;q=0.5, text/html": "text/html",
             "text/html;q=0.2, text/turtle": "text/turtle",
             "application/ld+json": "application/ld+json"}
    for accept, expected in cases.items():
        response = requests.get(f"{live.url}/def/", headers={"Accept": accept}, timeout=30)
        assert response.status_code == 200, accept
        assert response.headers["content-type"].split(";")[0] == expected, accept
    by_name = requests.get(f"{live.url}/def/", params={"format": "turtle"}, timeout=30)
    assert by_name.headers["content-type"].startswith("text/turtle")


def test_unacceptable_type_gets_406_with_the_offers(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/def/", headers={"Accept": "image/png"}, timeout=30)
    assert response.status_code == 406
    for offer in ("text/html", *RDF_TYPES):
        assert offer in response.text
    assert requests.get(f"{live.url}/def/", params={"format": "pdf"},
                        timeout=30).status_code == 400


def test_without_slash_redirects_permanently(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/def", params={"lang": "en"}, allow_redirects=False,
                            timeout=30)
    assert response.status_code == 308
    assert response.headers["location"] == "/def/?lang=en"


def test_language_by_accept_language_and_headers(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/def/", headers={"Accept-Language": "en-GB,en;q=0.8"},
                            timeout=30)
    assert response.headers["content-language"] == "en"
    assert '<html lang="en">' in response.text and ">Classes<" in response.text
    german = requests.get(f"{live.url}/def/", timeout=30)
    assert german.headers["content-language"] == "de" and ">Klassen<" in german.text
    for page in (response, german):
        assert page.headers["content-security-policy"] == PAGE_CSP
        vary = page.headers["vary"]
        assert "Accept" in vary and "Accept-Language" in vary
        assert not re.search(r"\sstyle=", page.text), "style attributes break the CSP"
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "inline script"
        assert not re.search(r"\son[a-z]+=", page.text), "inline event handler"


def test_text_from_the_files_is_escaped(pages: dict[str, Page]) -> None:
    # kg:validityNote's definition quotes 'ungültig (EW unter 300)'
    assert "&#39;ungültig (EW unter 300)&#39;" in pages["de"].source


# ------------------------------------------------------------------ edited files, hostile text


@pytest.fixture(scope="module")
def edited(published_store: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[LiveServer, Path]]:
    folder = tmp_path_factory.mktemp("ontology")
    shutil.copy(PROJECT / "ontology" / "kiezgraph.ttl", folder / "kiezgraph.ttl")
    settings = make_settings(published_store, ontology_dir=folder)
    with LiveServer(settings) as server:
        yield server, folder / "kiezgraph.ttl"


HOSTILE = """
kg:Hostile a owl:Class ;
    rdfs:label "<script>alert('x')</script> & \\"co\\""@de, "Hostile <b>term</b>"@en ;
    skos:definition "<img src=x onerror=alert(1)>"@de ;
    rdfs:subClassOf <javascript:alert(1)> .
"""


def test_page_follows_edits_and_escapes_hostile_text(edited: tuple[LiveServer, Path]) -> None:
    server, path = edited
    before = requests.get(f"{server.url}/def/", timeout=60)
    assert before.status_code == 200 and 'id="Hostile"' not in before.text
    time.sleep(0.01)
    with path.open("a", encoding="utf-8") as file:
        file.write(HOSTILE)
    after = requests.get(f"{server.url}/def/", timeout=60)  # no restart: mtimes changed
    page = Page(after.text)
    section = page.section("Hostile")
    assert "<script>alert('x')</script> & \"co\"" in section.heading
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;co&#34;" in after.text
    assert "<script>alert" not in after.text and "<img src=x" not in after.text
    assert not any(h.lower().startswith("javascript:") for h in page_hrefs(after.text))
    turtle = requests.get(f"{server.url}/def/", headers={"Accept": "text/turtle"}, timeout=30)
    graph = Graph().parse(data=turtle.content, format="turtle")
    assert (URIRef(KG + "Hostile"), RDF.type, OWL.Class) in graph


def page_hrefs(html: str) -> list[str]:
    return [h for h, _ in Page(html).links]


def test_term_anchor(tmp_path: Path) -> None:
    assert term_anchor("QMArea") == "/def/#QMArea"
    assert term_anchor("dsd-mss") == "/def/#dsd-mss"
    assert term_anchor("district") == "/def/#district"
    assert term_anchor("NoSuchTerm") is None
    assert term_anchor("") is None
    assert term_anchor("shapes/QMAreaShape") is None
    shutil.copy(PROJECT / "ontology" / "kiezgraph.ttl", tmp_path / "kiezgraph.ttl")
    assert term_anchor("Hostile", tmp_path) is None
    with (tmp_path / "kiezgraph.ttl").open("a", encoding="utf-8") as file:
        file.write(HOSTILE)
    assert term_anchor("Hostile", tmp_path) == "/def/#Hostile"
