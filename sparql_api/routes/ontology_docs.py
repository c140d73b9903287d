"""``/def/``: the documentation of the Kiezgraph vocabulary, or the ontology as RDF.

Browsers (and clients without Accept) get the HTML page, generated from ontology/ and
shapes/ with counts and examples from the current release; ``Accept`` (or ``?format=``)
text/turtle, application/ld+json, application/n-triples or application/rdf+xml get the
ontology graph itself. Anything else is 406 with the list of offers.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ingest.errors import StoreError
from ingest.executor import Busy, QueryTimeout

from ..cache import etag_for, etag_matches
from ..conneg import named, negotiate
from ..description import RDFLIB_FORMATS
from ..errors import ApiError, NotAcceptable
from ..formats import GRAPH_FORMATS, HTML, Format, offered
from ..ontology_docs import (
    GROUPS,
    OntologyUnreadable,
    documentation,
    examples,
    files_version,
    serialized,
)
from ..pages import LANGUAGES, language, page_response, render

router = APIRouter()
_rendered: dict[str, bytes] = {}  # ETag -> page; the newest per language
_lock = threading.Lock()
RDF_FORMATS: tuple[Format, ...] = tuple(
    f for f in GRAPH_FORMATS if f.name in ("turtle", "jsonld", "ntriples", "rdfxml"))
OFFERS: tuple[Format, ...] = (HTML, *RDF_FORMATS)
VARY = {"Vary": "Accept, Accept-Language, Accept-Encoding"}
GROUP_TITLES = {
    "classes": ("Klassen", "Classes"),
    "object-properties": ("Objekteigenschaften", "Object properties"),
    "datatype-properties": ("Datentypeigenschaften", "Datatype properties"),
    "structures": ("Data-Cube-Strukturen", "Data Cube structures"),
}


def _choose(request: Request) -> Format:
    name = request.query_params.get("format")
    if name is not None:
        return named(OFFERS, name, VARY)
    fmt = negotiate(request.headers.get("accept"), OFFERS)
    if fmt is None:
        raise NotAcceptable(f"the ontology is offered as: {offered(OFFERS)}", headers=VARY)
    return fmt


@router.get("/def", include_in_schema=False)
def ontology_without_slash(request: Request) -> Response:
    query = request.url.query
    return RedirectResponse("/def/" + (f"?{query}" if query else ""), status_code=308)


@router.get("/def/",
                  summary="Ontology documentation (HTML) or the ontology as RDF")
def ontology(request: Request) -> Response:
    fmt = _choose(request)
    settings = request.app.state.settings
    # the files are read once per process, the examples once per release
    lang = language(request) if fmt is HTML else ""
    tag = etag_for(request.app.state.backend.release_id(), files_version(settings), "/def/",
                   fmt.name, lang)
    headers = {**VARY, "ETag": "W/" + tag, "Cache-Control": "public, max-age=300, must-revalidate"}
    if etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    try:
        if fmt is not HTML:
            body = serialized(settings, RDFLIB_FORMATS[fmt.name])
            return Response(body, media_type=fmt.media_type, headers=headers)
        docs = documentation(settings)
    except OntologyUnreadable as exc:
        raise ApiError(f"the ontology or shapes files do not parse: {exc}") from exc
    try:
        found = examples(request.app.state.backend, docs)
    except (StoreError, QueryTimeout, Busy):
        found = None  # the vocabulary is documented all the same, without examples
    if found is None:  # not kept, and no ETag: the examples may come back any moment
        return render(request, "ontology.html", docs=docs, found=None, ids=docs.page_ids,
                      groups=GROUPS, group_titles=GROUP_TITLES, formats=RDF_FORMATS,
                      headers=VARY)
    html = _rendered.get(tag)
    if html is None:  # half a megabyte of HTML: rendered once per release and language
        html = render(request, "ontology.html", docs=docs, found=found, ids=docs.page_ids,
                      groups=GROUPS, group_titles=GROUP_TITLES, formats=RDF_FORMATS).body
        with _lock:
            _rendered[tag] = html
            while len(_rendered) > len(LANGUAGES):
                _rendered.pop(next(iter(_rendered)))
    return page_response(html, lang, headers=headers)
