"""Dereferencing: every URI under the base answers with its description.

``/id/...`` (things), ``/def/<term>`` (vocabulary terms and shapes) and ``/graph/...``
(named graphs) negotiate HTML, Turtle, JSON-LD (compact, with the context published at
``/context.jsonld``), N-Triples and RDF/XML by ``Accept``, ``?format=`` or a file
extension (``.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``). Answers carry
``Vary``, ``Link: rel="alternate"`` for the other formats, and an ETag from the release,
so a repeated request is a 304. ``/id/<type>`` lists the things of a type.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from rdflib import RDF, URIRef

from ingest.vocab import Vocab

from .. import pages
from ..cache import etag_for, etag_matches
from ..conneg import negotiate
from ..describe import INBOUND_PAGE, describe, to_graph
from ..errors import BadRequest, NotAcceptable, NotFound
from ..formats import GRAPH_FORMATS, HTML, Format, by_name, offered
from ..ontology_docs import term_anchor
from ..resource_view import build_view
from ..schema_org import DCAT_DATASET, schema_org_dataset
from ..search import suggest
from ..type_index import list_things
from .search import index_for

router = APIRouter()
FORMATS: tuple[Format, ...] = (HTML, *(f for f in GRAPH_FORMATS
                                       if f.name in ("turtle", "jsonld", "ntriples", "rdfxml")))
EXTENSIONS = {"html": HTML, **{f.extension: f for f in FORMATS if f is not HTML}}
OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "rdfxml": ox.RdfFormat.RDF_XML}
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~%\-/]+$")
CACHE_CONTROL = "public, max-age=300, must-revalidate"


def context(base: str) -> dict[str, Any]:
    """The JSON-LD context of every description (published at /context.jsonld)."""
    vocab = Vocab(base)
    ctx: dict[str, Any] = dict(vocab.prefixes)
    ctx.update({"id": "@id", "type": "@type", "label": {"@id": "skos:prefLabel",
                                                         "@container": "@language"}})
    return {"@context": ctx}


@router.get("/context.jsonld", summary="The JSON-LD context of all descriptions")
def context_document(request: Request) -> Response:
    return Response(json.dumps(context(request.app.state.settings.base_iri), indent=1),
                    media_type="application/ld+json",
                    headers={"Cache-Control": "public, max-age=86400",
                             "Access-Control-Allow-Origin": "*"})


def _split(path: str) -> tuple[str, Format | None]:
    """The path without a known extension, and the format the extension names."""
    stem, dot, extension = path.rpartition(".")
    if dot and extension in EXTENSIONS and "/" not in extension:
        return stem, EXTENSIONS[extension]
    return path, None


def _choose(request: Request, by_extension: Format | None) -> Format:
    name = request.query_params.get("format")
    if name is not None:
        fmt = by_name(FORMATS, name)
        if fmt is None:
            raise BadRequest(f"unknown format {name!r}; use one of "
                             f"{', '.join(f.name for f in FORMATS)}")
        return fmt
    if by_extension is not None:
        return by_extension
    accept = request.headers.get("accept")
    fmt = negotiate(accept, FORMATS) if accept else HTML
    if fmt is None:
        raise NotAcceptable(f"this resource is offered as: {offered(FORMATS)}")
    return fmt


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"'page' must be a whole number from 1, got {raw!r}")
    return int(raw)


def _links(path: str) -> str:
    return ", ".join(f'<{path}.{f.extension if f is not HTML else "html"}>; rel="alternate"; '
                     f'type="{f.media_type}"' for f in FORMATS)


def serve_description(request: Request, path: str) -> Response:
    unknown = set(request.query_params) - {"format", "page", "lang"}
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(sorted(unknown))}; expected "
                         "format, page or lang")
    path, by_extension = _split(path)
    if not _SAFE_PATH.match(path) or ".." in path:
        raise NotFound(f"nothing is served at {path}")
    fmt = _choose(request, by_extension)
    page = _page(request)
    state = request.app.state
    base = state.settings.base_iri
    release_id = state.backend.release_id()
    lang = pages.language(request) if fmt is HTML else ""
    tag = etag_for(release_id, path, fmt.name, lang, str(page))
    # a weak ETag: gzip may change the bytes, never the meaning
    headers = {"ETag": "W/" + tag, "Cache-Control": CACHE_CONTROL, "Link": _links(path),
               "Vary": "Accept, Accept-Language, Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    iri = base + path
    kg = f"{base}/def/"
    found = describe(state.backend, iri, kg, page, shapes=fmt is HTML)
    if found is None:
        return _not_found(request, path, fmt)
    if page > found.pages:
        raise NotFound(f"{path} has {found.pages} page(s) of inbound links, not {page}")
    if found.page < found.pages:
        headers["Link"] += f', <{path}?page={page + 1}>; rel="next"'
    if fmt is HTML:
        graph = to_graph(found.triples)
        view = build_view(graph, iri, lang, base, kg)
        dataset = schema_org_dataset(state.backend, iri) \
            if (URIRef(iri), RDF.type, DCAT_DATASET) in graph else None
        return pages.render(request, "resource.html", headers=headers, view=view, iri=iri,
                            schema_org=dataset, local=path,
                            formats=[f for f in FORMATS if f is not HTML], page=page,
                            pages=found.pages, inbound_total=found.inbound_total,
                            page_size=INBOUND_PAGE)
    if fmt.name == "ntriples":
        body = found.ntriples  # as the worker wrote it
    elif fmt.name == "jsonld":  # rdflib compacts against our context
        graph = to_graph(found.triples)
        ctx = context(base)["@context"]
        document = json.loads(graph.serialize(format="json-ld", context=ctx, auto_compact=True))
        document["@context"] = f"{base}/context.jsonld"
        body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    else:  # pyoxigraph writes Turtle and RDF/XML much faster than rdflib
        body = ox.serialize(found.triples, format=OX_FORMATS[fmt.name],
                            prefixes=Vocab(base).prefixes)
    return Response(body, media_type=fmt.media_type, headers=headers)


def _not_found(request: Request, path: str, fmt: Format) -> Response:
    suggestions = _suggest(request, path)
    if fmt is HTML:
        return pages.render(request, "not_found.html", status_code=404, local=path,
                            suggestions=suggestions)
    hint = f"; did you mean {', '.join(s['path'] for s in suggestions)}?" if suggestions else ""
    raise NotFound(f"nothing is described at {path}{hint}")


def _suggest(request: Request, path: str) -> list[dict[str, str]]:
    """Close matches among the known URIs, from the search index."""
    base = request.app.state.settings.base_iri
    try:
        found = suggest(index_for(request), path.rsplit("/", 1)[-1], limit=5)
    except Exception:  # a suggestion must never turn a 404 into a 500
        return []
    return [{"path": r["uri"][len(base):] if r["uri"].startswith(base) else r["uri"],
             "label": r.get("label", r["uri"])} for r in found]


@router.api_route("/id/{path:path}", methods=["GET", "HEAD"], summary="Dereference a thing")
def thing(request: Request, path: str) -> Response:
    if "/" not in path.strip("/"):
        return type_index(request, path.strip("/"))
    return serve_description(request, f"/id/{path}")


@router.api_route("/def/{path:path}", methods=["GET", "HEAD"],
                  summary="Dereference a vocabulary term or shape")
def term(request: Request, path: str) -> Response:
    if not path:
        raise NotFound("the ontology documentation is at /def/")
    stem, by_extension = _split(path)
    fmt_is_html = by_extension is HTML or (by_extension is None and _choose(request, None) is HTML)
    if fmt_is_html and "/" not in stem:
        anchor = term_anchor(stem, request.app.state.settings.ontology_dir)
        if anchor is not None:
            return RedirectResponse(anchor, status_code=303, headers={"Vary": "Accept"})
    return serve_description(request, f"/def/{path}")


@router.api_route("/graph/{path:path}", methods=["GET", "HEAD"],
                  summary="Dereference a named graph")
def named_graph(request: Request, path: str) -> Response:
    return serve_description(request, f"/graph/{path}")


def type_index(request: Request, segment: str) -> Response:
    """``/id/<type>``: the things of one type, with filters for areas and projects."""
    return list_things(request, segment)
