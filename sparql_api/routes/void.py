"""``/.well-known/void``: the VoID description of the dataset (RFC 5785 well-known URI).

The whole dataset and each named graph as a ``void:subset``, each with its triple count,
the vocabularies its terms come from and an example resource. The statistics scan the
release, so they are gathered once per release; the answer carries a release ETag.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import RDF, XSD, Graph, Literal, URIRef

from ingest.store import select
from ingest.vocab import DCT, VOID, Vocab

from ..cache import etag_for, etag_matches
from ..conneg import negotiate
from ..description import rdf_response, release_graphs
from ..errors import NotAcceptable
from ..formats import GRAPH_FORMATS, offered
from ..per_release import PerRelease

router = APIRouter()
EXAMPLES = ("area/badstrasse", "area/rixdorf", "fund/aktionsfonds-2021", "department/sensbw",
            "initiative/gemeinschaftsinitiative", "project/panke-klima")
TERMS = ("SELECT DISTINCT ?g ?t WHERE { GRAPH ?g { { ?s ?t ?o } UNION { ?s a ?t } } }")
FIRST_THING = ("SELECT ?g (MIN(STR(?s)) AS ?e) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
               'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}/id/")) }} GROUP BY ?g')


@dataclass(frozen=True)
class GraphStats:
    name: str
    triples: int
    vocabularies: tuple[str, ...]
    example: str | None


def _statistics(request: Request) -> list[GraphStats]:
    backend, base = request.app.state.backend, request.app.state.settings.base_iri
    namespaces = Vocab(base).prefixes.values()
    terms: dict[str, set[str]] = {}
    for row in select(backend, TERMS):
        terms.setdefault(row["g"]["value"], set()).add(row["t"]["value"])
    examples = {r["g"]["value"]: r["e"]["value"]
                for r in select(backend, FIRST_THING.format(base=base)) if "e" in r}
    return [GraphStats(name, count,
                       tuple(sorted({ns for ns in namespaces
                                     if any(t.startswith(ns) for t in terms.get(name, ()))})),
                       examples.get(name))
            for name, count in release_graphs(request)]


def _statistics_per_release(request: Request) -> list[GraphStats]:
    state = request.app.state
    holder = getattr(state, "void_statistics", None)
    if holder is None:
        holder = state.void_statistics = PerRelease(state.backend,
                                                    lambda: _statistics(request))
    return holder.get()  # type: ignore[no-any-return]


def void_graph(request: Request) -> Graph:
    base = request.app.state.settings.base_iri
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dct", DCT)
    dataset = URIRef(f"{base}/id/dataset/kiezgraph")
    graph.add((dataset, RDF.type, VOID.Dataset))
    title = "Kiezgraph: Sozialer Zusammenhalt in Berlin"
    graph.add((dataset, DCT.title, Literal(title, lang="de")))
    graph.add((dataset, DCT.title, Literal(title, lang="en")))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(f"{base}/sparql")))
    graph.add((dataset, VOID.uriSpace, Literal(f"{base}/id/")))
    graph.add((dataset, DCT.identifier, Literal(request.app.state.backend.release_id())))
    total, vocabularies = 0, set()
    for stats in _statistics_per_release(request):
        part = URIRef(stats.name)
        graph.add((dataset, VOID.subset, part))
        graph.add((part, RDF.type, VOID.Dataset))
        graph.add((part, VOID.triples, Literal(stats.triples, datatype=XSD.integer)))
        for namespace in stats.vocabularies:
            graph.add((part, VOID.vocabulary, URIRef(namespace)))
        if stats.example:
            graph.add((part, VOID.exampleResource, URIRef(stats.example)))
        total += stats.triples
        vocabularies.update(stats.vocabularies)
    # The dataset's triples are its graphs' triples (quads): a triple stated in two
    # graphs, with two sources, counts twice.
    graph.add((dataset, VOID.triples, Literal(total, datatype=XSD.integer)))
    for namespace in sorted(vocabularies):
        graph.add((dataset, VOID.vocabulary, URIRef(namespace)))
    for example in EXAMPLES:
        graph.add((dataset, VOID.exampleResource, URIRef(f"{base}/id/{example}")))
    return graph


@router.get("/.well-known/void",
                  summary="VoID description of the dataset")
def void(request: Request) -> Response:
    fmt = negotiate(request.headers.get("accept"), GRAPH_FORMATS)
    if fmt is None:
        raise NotAcceptable(f"VoID is offered as: {offered(GRAPH_FORMATS)}",
                            {"Vary": "Accept"})
    release_id = request.app.state.backend.release_id()
    etag = etag_for(release_id, "void", fmt.name)
    headers = {"Vary": "Accept", "ETag": etag, "Cache-Control": "public, max-age=60"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return rdf_response(void_graph(request), fmt, headers)
