"""What the endpoint says about itself: the SPARQL Service Description, the VoID
description of the dataset, and the browser query page with its example queries."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from rdflib import RDF, RDFS, XSD, BNode, Dataset, Graph, Literal, Namespace, URIRef

from ingest.geosparql import GEOF
from ingest.store import select
from ingest.vocab import DCT, VOID, Vocab

from . import pages
from .formats import GRAPH_FORMATS, RESULT_FORMATS, Format
from .per_release import PerRelease

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
HERE = Path(__file__).resolve().parent
EXAMPLES_DIR = HERE / "examples"
RDFLIB_FORMATS = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml",
                  "trig": "trig", "nquads": "nquads"}
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    title_de: str
    description: str
    query: str


@lru_cache(maxsize=1)
def examples() -> tuple[Example, ...]:
    """The example queries of ``examples/*.rq``; a header of ``# key: value`` lines
    names and explains each."""
    found = []
    for path in sorted(EXAMPLES_DIR.glob("*.rq")):
        meta: dict[str, str] = {}
        body = []
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^#\s*(title|title_de|description):\s*(.+)$", line)
            if match and not body:
                meta[match.group(1)] = match.group(2).strip()
            else:
                body.append(line)
        found.append(Example(path.stem, meta["title"], meta.get("title_de", meta["title"]),
                             meta.get("description", ""), "\n".join(body).strip() + "\n"))
    return tuple(found)


def with_prefixes(query: str, vocab: Vocab) -> str:
    """The query as a user would paste it: with the PREFIX lines it uses."""
    used = [p for p in vocab.prefixes if re.search(rf"(?<![\w-]){re.escape(p)}:", query)]
    return "".join(f"PREFIX {p}: <{vocab.prefixes[p]}>\n" for p in used) + query


GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def release_graphs(request: Request) -> list[tuple[str, int]]:
    """Named graphs of the current release with their triple counts, counted in the store
    once per release (the provenance graph cannot count the catalogue, which is built
    after it and describes it)."""
    state = request.app.state
    holder = getattr(state, "graph_counts", None)
    if holder is None:
        backend = state.backend

        def count() -> list[tuple[str, int]]:
            return [(r["g"]["value"], int(r["n"]["value"]))
                    for r in select(backend, GRAPH_COUNTS)]

        holder = state.graph_counts = PerRelease(backend, count)
    return holder.get()  # type: ignore[no-any-return]


def service_graph(request: Request) -> Graph:
    settings = request.app.state.settings
    base = settings.base_iri
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("dct", DCT)
    service = URIRef(f"{base}/sparql")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.allow_service:
        graph.add((service, SD.feature, SD.BasicFederatedQuery))
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        graph.add((service, SD.resultFormat, URIRef(fmt.w3c)))
    for name in ("sfWithin", "sfContains", "sfIntersects", "distance"):
        graph.add((service, SD.extensionFunction, URIRef(GEOF + name)))
    graph.add((service, DCT.description, Literal(
        "Read-only SPARQL 1.1 endpoint of Kiezgraph. Without FROM clauses or "
        "default-graph-uri parameters, the default graph is the union of all named graphs. "
        f"Queries are stopped after {settings.query_timeout:g} seconds.", lang="en")))
    graph.add((service, RDFS.seeAlso, URIRef(f"{base}/.well-known/void")))
    dataset = URIRef(f"{base}/id/dataset/kiezgraph")  # the dataset VoID describes
    # blank nodes with fixed labels: the same release gives the same bytes (and the same
    # Content-Length to HEAD and GET; regression: rdflib's random labels varied in length)
    default = BNode("default-graph")
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, RDFS.comment, Literal("the union of all named graphs", lang="en")))
    total = 0
    for number, (name, count) in enumerate(release_graphs(request), start=1):
        named, inner = BNode(f"named-graph-{number}"), BNode(f"graph-{number}")
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, inner))
        graph.add((inner, RDF.type, SD.Graph))
        graph.add((inner, VOID.triples, Literal(count, datatype=XSD.integer)))
        total += count
    graph.add((default, VOID.triples, Literal(total, datatype=XSD.integer)))
    return graph


DATASET_FORMATS = ("trig", "nquads")


def rdf_response(graph: Graph, fmt: Format, headers: dict[str, str] | None = None) -> Response:
    """``graph`` in ``fmt``; in a dataset format it is the default graph (rdflib refuses
    to write a plain Graph as N-Quads -- regression: 500 instead of an answer)."""
    source: Graph = graph
    if fmt.name in DATASET_FORMATS:
        source = Dataset()
        for prefix, namespace in graph.namespaces():
            source.bind(prefix, namespace)
        for triple in graph:
            source.add(triple)
    body = source.serialize(format=RDFLIB_FORMATS[fmt.name], encoding="utf-8")
    return Response(body, media_type=fmt.media_type, headers=headers)


def service_description(request: Request, fmt: Format) -> Response:
    return rdf_response(service_graph(request), fmt, {"Vary": "Accept"})


def _json_for_script(data: object) -> str:
    """JSON that is safe inside a <script type="application/json"> element."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def query_page(request: Request) -> HTMLResponse:
    """The query page, in the site's frame and the reader's language like every page; its
    own CSP, as the editor styles its widgets inline."""
    vocab = Vocab(request.app.state.settings.base_iri)
    english = pages.language(request) == "en"
    tabs = [{"name": e.title, "name_de": e.title_de, "description": e.description,
             "query": with_prefixes(e.query, vocab)} for e in examples()]
    in_editor = [{"name": tab["name"] if english else tab["name_de"], "query": tab["query"]}
                 for tab in tabs]
    return pages.render(request, "sparql.html", headers={"Content-Security-Policy": PAGE_CSP},
                        examples=tabs, examples_json=_json_for_script(in_editor),
                        timeout=request.app.state.settings.query_timeout)
