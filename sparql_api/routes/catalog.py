"""The DCAT-AP.de catalogue for harvesters, its downloads, and crawler files.

``/catalog`` pages its datasets with Hydra (``hydra:PartialCollectionView`` with
first/next/previous/last, as ckanext-dcat reads them; ``hydra:totalItems``), ordered by
``dct:identifier`` so each dataset is on exactly one page. ``/download/<release>/<file>``
serves the files the catalogue describes, byte for byte (versioned URLs: a new release
never changes an old file). ``/sitemap.xml`` and ``/robots.txt`` are for crawlers.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from ingest.downloads import CATALOG_FILE, downloads_dir, read_manifest
from ingest.executor import Job
from ingest.vocab import DCT

from ..cache import etag_matches
from ..conneg import choose
from ..errors import BadRequest, NotFound, Unavailable
from ..formats import GRAPH_FORMATS
from ..per_release import PerRelease

router = APIRouter()
DCAT = Namespace("http://www.w3.org/ns/dcat#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FORMATS = tuple(f for f in GRAPH_FORMATS if f.name in ("turtle", "rdfxml", "jsonld",
                                                         "ntriples"))
RDFLIB = {"turtle": "turtle", "rdfxml": "xml", "jsonld": "json-ld", "ntriples": "nt"}
_FILE = re.compile(r"^[A-Za-z0-9_.-]+$")


def _catalog_graph(request: Request) -> Graph:
    """The current release's catalogue, read once per release from its downloads."""
    state = request.app.state
    holder = getattr(state, "catalog", None)
    if holder is None:
        settings, backend = state.settings, state.backend

        def load() -> Graph:
            path = downloads_dir(settings) / backend.release_id() / CATALOG_FILE
            try:
                return Graph().parse(path, format="nt")
            except FileNotFoundError:
                raise Unavailable("this release has no catalogue; run 'kiezgraph ingest'",
                                  {"Retry-After": "60"}) from None

        holder = state.catalog = PerRelease(backend, load)
    return holder.get()  # type: ignore[no-any-return]


def _closure(full: Graph, start: list[Any], out: Graph) -> None:
    """Copy the triples of ``start`` and of the blank nodes and distributions they reach."""
    todo, seen = list(start), set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in full.predicate_objects(node):
            out.add((node, p, o))
            typed = (o, RDF.type, None) in full and p not in (DCAT.servesDataset, DCAT.dataset)
            if isinstance(o, BNode) or p == DCAT.distribution or typed:
                todo.append(o)


def page_of(full: Graph, base: str, page: int, size: int) -> Graph:
    catalog = URIRef(f"{base}/catalog")
    datasets = sorted(full.subjects(RDF.type, DCAT.Dataset),
                      key=lambda d: (str(full.value(d, DCT.identifier)), str(d)))
    pages = max(1, -(-len(datasets) // size))
    if page > pages:
        raise NotFound(f"the catalogue has {pages} page(s), not {page}")
    shown = datasets[(page - 1) * size: page * size]
    out = Graph()
    for p, o in full.predicate_objects(catalog):
        if p != DCAT.dataset:
            out.add((catalog, p, o))
    for dataset in shown:
        out.add((catalog, DCAT.dataset, dataset))
    others = [o for o in full.objects(catalog, None) if o not in datasets]
    _closure(full, others, out)
    _closure(full, shown, out)
    for service in full.objects(catalog, DCAT.service):
        for p, o in list(out.predicate_objects(service)):
            if p == DCAT.servesDataset and o not in shown:
                out.remove((service, p, o))
        for dataset in shown:
            out.add((service, DCAT.servesDataset, dataset))
    view = URIRef(f"{base}/catalog?page={page}")
    out.add((view, RDF.type, HYDRA.PartialCollectionView))
    out.add((view, RDF.type, HYDRA.PagedCollection))
    out.add((view, HYDRA.totalItems, Literal(len(datasets))))
    out.add((view, HYDRA.itemsPerPage, Literal(size)))
    links = {"first": 1, "last": pages, "next": page + 1 if page < pages else None,
             "previous": page - 1 if page > 1 else None}
    for name, number in links.items():
        if number is not None:
            target = URIRef(f"{base}/catalog?page={number}")
            out.add((view, HYDRA[name], target))
            out.add((view, HYDRA[f"{name}Page"], target))  # the older Hydra terms
    out.add((catalog, HYDRA.view, view))
    return out


@router.get("/catalog", summary="DCAT-AP.de catalogue")
def catalog(request: Request) -> Response:
    unknown = set(request.query_params) - {"page", "format"}
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(sorted(unknown))}; expected page "
                         "or format")
    raw = request.query_params.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"'page' must be a whole number from 1, got {raw!r}")
    fmt = choose(request.query_params.get("format"), request.headers.get("accept"), FORMATS,
                 "the catalogue")
    settings = request.app.state.settings
    graph = page_of(_catalog_graph(request), settings.base_iri, int(raw),
                    settings.catalog_page_size)
    for prefix, namespace in (("dcat", DCAT), ("dct", DCT), ("hydra", HYDRA),
                              ("spdx", Namespace("http://spdx.org/rdf/terms#")),
                              ("vcard", Namespace("http://www.w3.org/2006/vcard/ns#")),
                              ("dcatde", Namespace("http://dcat-ap.de/def/dcatde/"))):
        graph.bind(prefix, namespace)
    body = graph.serialize(format=RDFLIB[fmt.name], encoding="utf-8")
    return Response(body, media_type=fmt.media_type, headers={
        "Vary": "Accept", "Cache-Control": "public, max-age=300",
        "X-Kiezgraph-Release": request.app.state.backend.release_id()})


@router.get("/download/{release_id}/{name}",
                  summary="A file of a release, as the catalogue describes it")
def download(request: Request, release_id: str, name: str) -> Response:
    if not _FILE.match(release_id) or not _FILE.match(name):
        raise NotFound(f"no download {release_id}/{name}")
    folder = downloads_dir(request.app.state.settings) / release_id
    manifest = {item.file: item for item in read_manifest(folder)} \
        if (folder / "manifest.json").exists() else {}
    item = manifest.get(name)
    if item is None:
        raise NotFound(f"no download {name} in release {release_id} (older releases are "
                       "removed; see /catalog for the current files)")
    media_type = "application/gzip" if item.compressed else item.media_type
    # The tag is the file's SHA-256 (the catalogue's checksum). Text files may leave
    # gzip- or br-encoded, so their tag is weak; a .gz file passes byte for byte.
    tag = f'"{item.sha256}"' if item.compressed else f'W/"{item.sha256}"'
    headers = {"ETag": tag, "Cache-Control": "public, max-age=31536000, immutable",
               "Access-Control-Allow-Origin": "*", "Vary": "Accept-Encoding"}
    if etag_matches(request.headers.get("if-none-match"), f'"{item.sha256}"'):
        return Response(status_code=304, headers=headers)
    return FileResponse(Path(folder / name), media_type=media_type, filename=name,
                        headers=headers)


@router.get("/robots.txt", summary="For crawlers", response_class=PlainTextResponse)
def robots(request: Request) -> str:
    base = request.app.state.settings.base_iri
    return f"User-agent: *\nAllow: /\nDisallow: /sparql?\nSitemap: {base}/sitemap.xml\n"


@router.get("/sitemap.xml", summary="Every page worth indexing")
def sitemap(request: Request) -> Response:
    base = request.app.state.settings.base_iri
    answer = request.app.state.backend.query(Job(
        "SELECT DISTINCT ?s WHERE { ?s a ?type . "
        f"FILTER(?type IN (<{base}/def/QMArea>, <{base}/def/District>, <{base}/def/Fund>, "
        f"<{base}/def/SenateDepartment>, <{base}/def/Project>, <{base}/def/Initiative>, "
        "<http://www.w3.org/ns/dcat#Dataset>)) } ORDER BY ?s", "json"))
    rows = json.loads(answer.read_all())["results"]["bindings"]
    urls = [f"{base}/", f"{base}/def/", f"{base}/sparql", f"{base}/search",
            *(f"{base}/id/{t}" for t in ("area", "district", "fund", "department",
                                          "project", "committee")),
            *(r["s"]["value"] for r in rows if r["s"]["value"].startswith(base + "/"))]
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(f"  <url><loc>{escape(u)}</loc></url>\n" for u in urls) + "</urlset>\n")
    return Response(body, media_type="application/xml")
