"""``/.well-known/void``: the VoID description of the dataset (RFC 5785 well-known URI)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import RDF, XSD, Graph, Literal, URIRef

from ingest.executor import Job
from ingest.vocab import DCT, VOID, Vocab

from ..conneg import negotiate
from ..description import rdf_response, release_graphs
from ..errors import NotAcceptable
from ..formats import GRAPH_FORMATS, offered

router = APIRouter()
EXAMPLES = ("area/badstrasse", "area/rixdorf", "fund/aktionsfonds-2021", "department/sensbw",
            "initiative/gemeinschaftsinitiative", "project/panke-klima")
TERMS = "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }"


def _vocabularies(request: Request, vocab: Vocab) -> list[str]:
    rows = json.loads(request.app.state.backend.query(Job(TERMS, "json")).read_all())
    used = {b["t"]["value"] for b in rows["results"]["bindings"]}
    return sorted({ns for ns in vocab.prefixes.values()
                   if any(term.startswith(ns) for term in used)})


def void_graph(request: Request) -> Graph:
    base = request.app.state.settings.base_iri
    vocab = Vocab(base)
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
    total = 0
    for name, count in release_graphs(request):
        part = URIRef(name)
        graph.add((dataset, VOID.subset, part))
        graph.add((part, RDF.type, VOID.Dataset))
        graph.add((part, VOID.triples, Literal(count, datatype=XSD.integer)))
        total += count
    graph.add((dataset, VOID.triples, Literal(total, datatype=XSD.integer)))
    for namespace in _vocabularies(request, vocab):
        graph.add((dataset, VOID.vocabulary, URIRef(namespace)))
    for example in EXAMPLES:
        graph.add((dataset, VOID.exampleResource, URIRef(f"{base}/id/{example}")))
    return graph


@router.get("/.well-known/void", summary="VoID description of the dataset")
def void(request: Request) -> Response:
    fmt = negotiate(request.headers.get("accept"), GRAPH_FORMATS)
    if fmt is None:
        raise NotAcceptable(f"VoID is offered as: {offered(GRAPH_FORMATS)}")
    return rdf_response(void_graph(request), fmt, {"Vary": "Accept"})
