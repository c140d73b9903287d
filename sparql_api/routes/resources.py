"""Dereferencing: every URI under the base answers with its description.

``/id/...`` (things), ``/def/<term>`` (vocabulary terms and shapes) and ``/graph/...``
(named graphs) negotiate HTML, Turtle, JSON-LD (compact, with the context published at
``/context.jsonld``), N-Triples and RDF/XML by ``Accept``, ``?format=`` or a file
extension (``.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``). ``Accept:
application/json`` gets JSON-LD too, labelled with the type asked for (see
``conneg.json_ld_media_type``). Answers carry ``Vary`` (errors included: a 404 or 406
depends on the same headers), ``Link: rel="alternate"`` for the other formats, and an
ETag from the release, so a repeated request for a resource that exists is a 304.
``/id/<type>`` lists the things of a type, as a page or a Hydra collection.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from rdflib import RDF, URIRef

from ingest.executor import Job
from ingest.vocab import Vocab

from .. import pages, type_index
from ..cache import etag_for, etag_matches
from ..conneg import json_ld_media_type, named, negotiate
from ..describe import INBOUND_PAGE, describe, to_graph
from ..errors import BadRequest, NotAcceptable, NotFound
from ..formats import DESCRIPTION_FORMATS, HTML, Format, offered
from ..ontology_docs import term_anchor
from ..resource_view import build_view
from ..schema_org import DCAT_DATASET, schema_org_dataset
from ..search import suggest
from .search import index_for

router = APIRouter()
FORMATS = DESCRIPTION_FORMATS
EXTENSIONS = {"html": HTML, **{f.extension: f for f in FORMATS if f is not HTML}}
OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "rdfxml": ox.RdfFormat.RDF_XML,
              "ntriples": ox.RdfFormat.N_TRIPLES}
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~%\-/]+$")
CACHE_CONTROL = "public, max-age=300, must-revalidate"
VARY = "Accept, Accept-Language, Accept-Encoding"


@router.get("/context.jsonld", summary="The JSON-LD context of all descriptions")
def context_document(request: Request) -> Response:
    context = Vocab(request.app.state.settings.base_iri).jsonld_context()
    return Response(json.dumps({"@context": context}, indent=1),
                    media_type="application/ld+json",
                    headers={"Cache-Control": "public, max-age=86400",
                             "Access-Control-Allow-Origin": "*"})


def _split(path: str) -> tuple[str, Format | None]:
    """The path without a known extension, and the format the extension names."""
    stem, dot, extension = path.rpartition(".")
    if dot and extension in EXTENSIONS and "/" not in extension:
        return stem, EXTENSIONS[extension]
    return path, None


def _choose(request: Request, by_extension: Format | None) -> tuple[Format, str]:
    """The format (``?format=``, else the extension, else Accept; HTML without any) and
    the media type to send it as."""
    name = request.query_params.get("format")
    if name is not None:
        fmt = named(FORMATS, name)
        return fmt, fmt.media_type
    if by_extension is not None:
        return by_extension, by_extension.media_type
    accept = request.headers.get("accept")
    fmt = negotiate(accept, FORMATS) if accept else HTML
    if fmt is None:
        raise NotAcceptable(f"this resource is offered as: {offered(FORMATS)}",
                            headers={"Vary": VARY})
    return fmt, json_ld_media_type(accept) if fmt.name == "jsonld" else fmt.media_type


def rdf_body(triples: list[ox.Triple], fmt: Format, base: str) -> bytes:
    """``triples`` in one RDF syntax. JSON-LD is compacted by rdflib against the published
    context and names it by URL; pyoxigraph writes the others, much faster than rdflib."""
    if fmt.name == "jsonld":
        document = json.loads(to_graph(triples).serialize(
            format="json-ld", context=Vocab(base).jsonld_context(), auto_compact=True))
        document["@context"] = f"{base}/context.jsonld"
        return json.dumps(document, ensure_ascii=False, indent=1).encode()
    prefixes = Vocab(base).prefixes if fmt.name != "ntriples" else None
    return ox.serialize(triples, format=OX_FORMATS[fmt.name], prefixes=prefixes)


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"'page' must be a whole number from 1, got {raw!r}")
    return int(raw)


def _links(path: str) -> str:
    return ", ".join(f'<{path}.{f.extension if f is not HTML else "html"}>; rel="alternate"; '
                     f'type="{f.media_type}"' for f in FORMATS)


def serve_description(request: Request, asked: str, whole: bool = False) -> Response:
    """The description of ``asked``, in the format its extension names (``/id/x.ttl``:
    Turtle of ``/id/x``); a URI that itself ends in such an extension (a release's input
    file ``.../shapes/kiezgraph-shapes.ttl``) is tried ``whole`` when the shorter one is
    not described, so it resolves by negotiation like any other."""
    unknown = set(request.query_params) - {"format", "page", "lang"}
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(sorted(unknown))}; expected "
                         "format, page or lang")
    path, by_extension = (asked, None) if whole else _split(asked)
    fmt, media_type = _choose(request, by_extension)
    if not _SAFE_PATH.match(path) or ".." in path:
        return _not_found(request, path, fmt)
    page = _page(request)
    state = request.app.state
    base = state.settings.base_iri
    lang = pages.language(request) if fmt is HTML else ""
    tag = etag_for(state.backend.release_id(), path, media_type, lang, str(page))
    # a weak ETag: gzip may change the bytes, never the meaning
    headers = {"ETag": "W/" + tag, "Cache-Control": CACHE_CONTROL, "Link": _links(path),
               "Vary": VARY}
    iri, kg = base + path, f"{base}/def/"
    # 304 only for what exists: ``If-None-Match: *`` matches any tag (RFC 9110 §13.1.2)
    if etag_matches(request.headers.get("if-none-match"), tag) and \
            _exists(state.backend, iri, page):
        return Response(status_code=304, headers=headers)
    found = describe(state.backend, iri, kg, page, shapes=fmt is HTML)
    if found is None and by_extension is not None and _exists(state.backend, base + asked, 1):
        return serve_description(request, asked, whole=True)
    if found is None:
        return _not_found(request, path, fmt)
    if page > found.pages:
        raise NotFound(f"{path} has {found.pages} page(s) of inbound links, not {page}",
                       headers={"Vary": VARY})
    if found.page < found.pages:
        headers["Link"] += f', <{path}?page={page + 1}>; rel="next"'
    if fmt is not HTML:
        body = found.ntriples if fmt.name == "ntriples" else rdf_body(found.triples, fmt, base)
        return Response(body, media_type=media_type, headers=headers)
    graph = to_graph(found.triples)
    view = build_view(graph, iri, lang, base, kg)
    dataset = schema_org_dataset(state.backend, iri) \
        if (URIRef(iri), RDF.type, DCAT_DATASET) in graph else None
    return pages.render(request, "resource.html", headers=headers, view=view, iri=iri,
                        schema_org=dataset, local=path,
                        formats=[f for f in FORMATS if f is not HTML], page=page,
                        pages=found.pages, inbound_total=found.inbound_total,
                        page_size=INBOUND_PAGE)


def _exists(backend: object, iri: str, page: int) -> bool:
    """Whether ``describe`` would find ``iri`` (a statement about it or a link to it), and
    this page of its inbound links; one ASK, run only for conditional requests."""
    node = str(ox.NamedNode(iri))
    query = f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}" if page == 1 else (
        f"ASK {{ {{ SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p WHERE "
        f"{{ ?s ?p {node} }} }} }} FILTER(?n > {(page - 1) * INBOUND_PAGE}) }}")
    answer = backend.query(Job(query, "json"))  # type: ignore[attr-defined]
    return bool(json.loads(answer.read_all())["boolean"])


def _not_found(request: Request, path: str, fmt: Format) -> Response:
    suggestions = _suggest(request, path)
    if fmt is HTML:
        return pages.render(request, "not_found.html", status_code=404, local=path,
                            suggestions=suggestions)
    hint = f"; did you mean {', '.join(s['path'] for s in suggestions)}?" if suggestions else ""
    raise NotFound(f"nothing is described at {path}{hint}", headers={"Vary": VARY})


def _suggest(request: Request, path: str) -> list[dict[str, str]]:
    """Close matches among the known URIs, from the search index."""
    base = request.app.state.settings.base_iri
    try:
        found = suggest(index_for(request), path.rsplit("/", 1)[-1], limit=5)
    except Exception:  # a suggestion must never turn a 404 into a 500
        return []
    return [{"path": r["uri"][len(base):] if r["uri"].startswith(base) else r["uri"],
             "label": r.get("label", r["uri"])} for r in found]


# HEAD comes for every GET route from app.HeadAsGet.
@router.get("/id/{path:path}", summary="Dereference a thing, or list the things of a type")
def thing(request: Request, path: str) -> Response:
    if "/" not in path.strip("/"):
        return type_list(request, path.strip("/"))
    return serve_description(request, f"/id/{path}")


@router.get("/def/{path:path}", summary="Dereference a vocabulary term or shape")
def term(request: Request, path: str) -> Response:
    if not path:
        raise NotFound("the ontology documentation is at /def/")
    stem, by_extension = _split(path)
    if (by_extension or _choose(request, None)[0]) is HTML and "/" not in stem:
        anchor = term_anchor(stem, request.app.state.settings.ontology_dir)
        if anchor is not None:
            return RedirectResponse(anchor, status_code=303, headers={"Vary": "Accept"})
    return serve_description(request, f"/def/{path}")


@router.get("/graph/{path:path}", summary="Dereference a named graph")
def named_graph(request: Request, path: str) -> Response:
    return serve_description(request, f"/graph/{path}")


def type_list(request: Request, segment: str) -> Response:
    """``/id/<type>``: an HTML list, or a Hydra collection in any RDF format (by the same
    negotiation as descriptions, extensions included: ``/id/area.ttl``)."""
    segment, by_extension = _split(segment)
    fmt, media_type = _choose(request, by_extension)
    lang = pages.language(request) if fmt is HTML else "de"  # RDF: pages for every reader
    found = type_index.listing(request, segment, lang)  # bad filters: 400 before any 304
    tag = etag_for(request.app.state.backend.release_id(), f"/id/{segment}",
                   request.url.query, media_type, lang)
    headers = {"ETag": "W/" + tag, "Vary": VARY, "Cache-Control": CACHE_CONTROL,
               "Link": _list_links(request, found)}
    if etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    if fmt is HTML:
        return type_index.html(request, found, lang, headers)
    body = rdf_body(type_index.collection(found), fmt, request.app.state.settings.base_iri)
    return Response(body, media_type=media_type, headers=headers)


def _list_links(request: Request, found: type_index.Listing) -> str:
    """The list in the other formats (filters kept), and the pages around this one."""
    base = request.app.state.settings.base_iri
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "format"])
    links = [f'</id/{found.segment}.{f.extension}{"?" + query if query else ""}>; '
             f'rel="alternate"; type="{f.media_type}"' for f in FORMATS]
    links += [f'<{iri[len(base):]}>; rel="{rel}"'
              for rel, iri in type_index.page_links(found).items()]
    return ", ".join(links)
