"""The ontology declares every term the data uses, in German and English; the shapes
cover every class and speak both languages."""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

from ingest.errors import Problem
from ingest.rdfio import parse_turtle_dir
from ingest.tables import TABLES
from ingest.vocab import Vocab

from .conftest import BASE, PROJECT

SH = Namespace("http://www.w3.org/ns/shacl#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
VOCAB = Vocab(BASE)
KG = VOCAB.kg_ns


def load(folder: str) -> Graph:
    problems: list[Problem] = []
    graphs = parse_turtle_dir(PROJECT / folder, BASE, problems)
    assert problems == []
    merged = Graph()
    for graph in graphs.values():
        merged += graph
    return merged


ONTOLOGY = load("ontology")
SHAPES = load("shapes")


def langs(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def kg_terms_of_tables() -> set[URIRef]:
    curies = {t.cls for t in TABLES} | {m for t in TABLES for m in t.type_map.values()}
    curies |= {c.predicate for t in TABLES for c in t.columns}
    curies |= {c.inverse for t in TABLES for c in t.columns if c.inverse}
    return {VOCAB.iri(c) for c in curies if c.startswith("kg:")}


def test_every_kg_term_is_declared_with_labels_and_definitions() -> None:
    declared = set(ONTOLOGY.subjects(RDF.type, OWL.Class)) | \
        set(ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty)) | \
        set(ONTOLOGY.subjects(RDF.type, OWL.DatatypeProperty))
    for term in kg_terms_of_tables():
        assert term in declared, f"{term} is used by the tables but not declared"
    for term in declared:
        if str(term).startswith(KG):
            assert {"de", "en"} <= langs(ONTOLOGY, term, RDFS.label), term
            assert {"de", "en"} <= langs(ONTOLOGY, term, SKOS.definition), term


def test_published_data_uses_only_declared_kg_terms(backend) -> None:
    from .conftest import select

    rows = select(backend, f"""
        SELECT DISTINCT ?term WHERE {{
            {{ ?s ?term ?o }} UNION {{ ?s a ?term }}
            FILTER(STRSTARTS(STR(?term), "{KG}"))
        }}""")
    declared = {str(s) for s in ONTOLOGY.subjects(RDFS.isDefinedBy, None)}
    assert {r["term"] for r in rows} - declared == set()


def superclasses(cls: URIRef) -> set[URIRef]:
    return set(ONTOLOGY.transitive_objects(cls, RDFS.subClassOf))


def test_every_class_of_the_tables_is_targeted_by_a_shape() -> None:
    targeted = set(SHAPES.objects(None, SH.targetClass))
    for table in TABLES:
        classes = {VOCAB.iri(table.cls)} | {VOCAB.iri(c) for c in table.type_map.values()}
        for cls in classes:
            assert superclasses(cls) & targeted, f"no shape targets {cls} ({table.name})"


def test_every_constraint_has_a_german_and_an_english_message() -> None:
    constraints = set(SHAPES.subjects(SH.path, None)) | set(SHAPES.subjects(SH.select, None))
    assert len(constraints) > 50
    for node in constraints:
        assert {"de", "en"} <= langs(SHAPES, node, SH.message), node


def test_ontology_reuses_standard_vocabularies() -> None:
    reused = {str(o) for o in ONTOLOGY.objects(None, RDFS.subClassOf)}
    for namespace in ("http://www.w3.org/ns/org#", "http://www.opengis.net/ont/geosparql#",
                      "http://www.w3.org/ns/prov#", "https://schema.org/",
                      "http://www.w3.org/2008/05/skos-xl#"):
        assert any(o.startswith(namespace) for o in reused), namespace
    assert (None, RDF.type, URIRef("http://purl.org/linked-data/cube#DataStructureDefinition")) \
        in ONTOLOGY


def test_sparql_checks_use_declared_prefixes_not_relative_iris() -> None:
    """Relative IRIs inside a query string are not resolved against the base (regression:
    the merger check once matched nothing because it wrote <id/area-event-kinds/merger>)."""
    for query in SHAPES.objects(None, SH.select):
        assert "<id/" not in str(query) and "<def/" not in str(query), query


def test_shacl_namespaces_are_anyuri_literals_of_the_base() -> None:
    for namespace in SHAPES.objects(None, SH.namespace):
        assert isinstance(namespace, Literal)
        assert str(namespace).startswith(("http://", "https://"))
