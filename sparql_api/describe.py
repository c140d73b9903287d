"""The description of one resource: everything a reader or a program needs in one request.

Its own statements with the full content of the blank nodes it reaches (as in a Concise
Bounded Description); labels (and dates and sources, for time lines) of everything it
links to; the shapes of its geometry and of its district, for the map; its inbound links,
a page at a time, with their labels; and the descriptions of its sources. One SPARQL
CONSTRUCT, run through the same backend and worker processes as every query, so the time
limit holds. Only IRIs under the deployment's base are ever described; nothing is fetched
from elsewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from ingest.executor import Job

INBOUND_PAGE = 100
# The kg: properties whose concept says what sort of thing a resource is; a page names a
# thing without a label by its kind. Listed, not matched by name: FILTER(IN) is fast.
KINDS = ("caveatKind", "committeeKind", "documentKind", "eventKind", "factKind",
         "geometryKind", "legislationKind", "lorKind", "nameKind", "organisationKind",
         "periodKind", "projectKind", "reportKind", "ruleKind")
NAMING_KINDS = f"?kp IN ({', '.join('kg:' + kind for kind in KINDS)})"
LABELS = ("skos:prefLabel", "rdfs:label", "schema:name", "dct:title", "skosxl:literalForm",
          "foaf:name", "skos:notation")
PREFIXES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skosxl: <http://www.w3.org/2008/05/skos-xl#>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""


@dataclass(frozen=True)
class Description:
    iri: str
    ntriples: bytes  # the whole description, as the worker wrote it
    triples: list[ox.Triple]  # the same, parsed
    inbound_total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.inbound_total // INBOUND_PAGE))


def _query(iri: str, kg: str, page: int, shapes: bool) -> str:
    """``shapes``: what only the page needs: the WKT of the resource's geometry and of
    its district (for the map; data clients dereference the geometry resource itself),
    and, for everything it links to and that links to it, the types with their labels
    and the labels of their kinds (``NAMING_KINDS``), to name what has no label.

    Branches joined by UNION, not a chain of OPTIONALs (which multiplies rows), and
    ``FILTER(?q IN (…))`` rather than ``VALUES``, which pyoxigraph 0.5 joins by scanning
    every triple: 0.7 ms instead of 1.2 ms per description on the curated graph.

    Blank nodes: SPARQL cannot make a path stop at IRIs, so ``(!rdf:type)*`` may walk
    on through an IRI to blank nodes that belong to something else; ``_closure`` drops
    those afterwards. A class is never a blank node here, and following ``rdf:type``
    would walk into every class's definition."""
    about = ", ".join((*LABELS, "schema:startDate", "schema:endDate", "kg:observedFrom",
                       "kg:observedUntil", "kg:eventKind", *(("geo:asWKT",) if shapes else ())))
    labels = ", ".join(LABELS)
    page_only = f"""
  UNION
  {{ <{iri}> kg:district ?o . ?o geo:hasGeometry ?og . ?og geo:asWKT ?owkt }}
  UNION
  {{ <{iri}> ?p ?o . ?o a ?otype . OPTIONAL {{ ?otype rdfs:label ?otypeLabel }} }}""" \
        if shapes else ""
    kinds = NAMING_KINDS if shapes else "?kp = kg:eventKind"
    inbound_naming = f"""
     UNION {{ ?s a ?stype . OPTIONAL {{ ?stype rdfs:label ?stypeLabel }} }}
     UNION {{ ?s ?skp ?skind . FILTER({kinds.replace("?kp", "?skp")})
              ?skind skos:prefLabel ?skindLabel }}""" if shapes else ""
    return PREFIXES + f"""PREFIX kg: <{kg}>
CONSTRUCT {{
  <{iri}> ?p ?o . ?p rdfs:label ?plabel . ?o ?q ?v . ?kind skos:prefLabel ?kindLabel .
  ?o ?kp ?kind . ?o a ?otype . ?otype rdfs:label ?otypeLabel .
  ?o geo:hasGeometry ?og . ?og geo:asWKT ?owkt .
  ?s ?ip <{iri}> . ?s ?slp ?slabel . ?ip rdfs:label ?iplabel .
  ?s a ?stype . ?stype rdfs:label ?stypeLabel .
  ?s ?skp ?skind . ?skind skos:prefLabel ?skindLabel .
  ?src ?sp ?so .
  ?b ?bp ?bo . ?bp rdfs:label ?bplabel . ?bo ?blp ?blabel .
  ?o dct:source ?osrc . ?osrc rdfs:label ?osrclabel .
}} WHERE {{
  {{ <{iri}> ?p ?o . OPTIONAL {{ ?p rdfs:label ?plabel }} }}
  UNION
  {{ <{iri}> ?p ?o . ?o ?q ?v . FILTER(?q IN ({about})) }}
  UNION
  {{ <{iri}> ?p ?o . ?o ?kp ?kind . FILTER({kinds})
     ?kind skos:prefLabel ?kindLabel }}{page_only}
  UNION
  {{ {{ SELECT DISTINCT ?s ?ip WHERE {{ ?s ?ip <{iri}> }}
       ORDER BY ?ip ?s LIMIT {INBOUND_PAGE} OFFSET {(page - 1) * INBOUND_PAGE} }}
     OPTIONAL {{ {{ ?s ?slp ?slabel FILTER(?slp IN ({labels})) }}{inbound_naming} }}
     OPTIONAL {{ ?ip rdfs:label ?iplabel }} }}
  UNION
  {{ <{iri}> dct:source ?src . ?src ?sp ?so . FILTER(!isBlank(?so)) }}
  UNION
  {{ <{iri}> ?p ?top . FILTER(isBlank(?top)) ?top (!rdf:type)* ?b . FILTER(isBlank(?b))
     ?b ?bp ?bo . OPTIONAL {{ ?bp rdfs:label ?bplabel }}
     OPTIONAL {{ ?bo ?blp ?blabel FILTER(?blp IN ({labels})) }} }}
  UNION
  {{ <{iri}> ?p ?o . ?o schema:startDate|kg:observedFrom ?start . ?o dct:source ?osrc .
     OPTIONAL {{ ?osrc rdfs:label ?osrclabel }} }}
}}"""


def describe(backend: object, iri: str, kg: str, page: int = 1, shapes: bool = False
             ) -> Description | None:
    """The description, or None when the graph says nothing about ``iri``.

    The inbound links are counted from the description itself when the first page holds
    all of them (most resources); only a full or later page costs a second query."""
    answer = backend.query(Job(_query(iri, kg, page, shapes), graph_format="ntriples"))  # type: ignore[attr-defined]
    data = answer.read_all()
    if not data.strip():
        return None
    parsed = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    me = ox.NamedNode(iri)
    triples = _closure(parsed, me)
    if len(triples) < len(parsed):
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    inbound = len({(t.subject, t.predicate) for t in triples if t.object == me})
    if page > 1 or inbound >= INBOUND_PAGE:
        count = json.loads(backend.query(Job(  # type: ignore[attr-defined]
            f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p WHERE "
            f"{{ ?s ?p <{iri}> }} }}", "json")).read_all())
        inbound = int(count["results"]["bindings"][0]["n"]["value"])
    return Description(iri, data, triples, inbound, page)


def _closure(triples: list[ox.Triple], me: ox.NamedNode) -> list[ox.Triple]:
    """The triples once each (a CONSTRUCT repeats a triple for every row that makes it),
    without those of blank nodes that ``me`` reaches only through an IRI (the query's path
    cannot stop there); inbound links are kept as they are."""
    triples = list(dict.fromkeys(triples))
    objects: dict[object, list[ox.BlankNode]] = {}
    for t in triples:
        if isinstance(t.object, ox.BlankNode):
            objects.setdefault(t.subject, []).append(t.object)
    reached: set[object] = set()
    frontier: list[object] = [me]
    while frontier:
        node = frontier.pop()
        for blank in objects.get(node, ()):
            if blank not in reached:
                reached.add(blank)
                frontier.append(blank)
    return [t for t in triples if not isinstance(t.subject, ox.BlankNode)
            or t.subject in reached or t.object == me]


def to_graph(triples: list[ox.Triple]) -> Graph:
    """An rdflib Graph of triples parsed by pyoxigraph: rdflib's own N-Triples parser
    takes tens of milliseconds over one long WKT literal."""
    graph = Graph()
    for triple in triples:
        graph.add((_term(triple.subject), _term(triple.predicate), _term(triple.object)))
    return graph


def _term(term: object) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal)  # noqa: S101 -- N-Triples has no other terms
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))
