"""Label search over all resources, in German and English: an HTML page and a JSON API.

``GET /search?q=…&type=…&lang=de|en&page=1&size=20`` answers JSON when the client
prefers ``application/json`` (or asks with ``format=json``), else the search page. The
index lives in ``sparql_api.search``; it is built on first use, per release.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import pages
from ..conneg import choose, negotiate
from ..errors import BadRequest
from ..formats import HTML, Format
from ..per_release import PerRelease
from ..search import MATCH_NAMES, Hit, SearchIndex, TypeInfo, build_index

router = APIRouter()
JSON = Format("json", "application/json", (), "", "json")
SEARCH_FORMATS = (HTML, JSON)
PARAMETERS = ("q", "type", "lang", "page", "size", "format")
MAX_QUERY = 200
DEFAULT_SIZE = 20
MAX_SIZE = 100
MAX_DIGITS = 9
_holder_lock = threading.Lock()


def index_for(request: Request) -> SearchIndex:
    """The search index of the release being served (built on first use)."""
    state = request.app.state
    holder = getattr(state, "search", None)
    if holder is None:
        with _holder_lock:
            holder = getattr(state, "search", None)
            if holder is None:
                backend, base = state.backend, state.settings.base_iri
                holder = state.search = PerRelease(backend, lambda: build_index(backend, base))
    return holder.get()  # type: ignore[no-any-return]


def _format(request: Request) -> Format:
    return choose(request.query_params.get("format"), request.headers.get("accept"),
                  SEARCH_FORMATS, "the search", default=negotiate(None, SEARCH_FORMATS))


def _whole_number(request: Request, name: str, default: int, high: int | None) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    limit = f"between 1 and {high}" if high else "1 or more"
    if not text.isascii() or not text.lstrip("-").isdigit():
        raise BadRequest(f"'{name}' must be a whole number {limit}, got {raw!r}")
    if len(text) > MAX_DIGITS:  # int() refuses over 4300 digits; no page is that far
        if high is None:
            raise BadRequest(f"'{name}' is too large: at most {MAX_DIGITS} digits, got "
                             f"{len(text)}")
        raise BadRequest(f"'{name}' must be a whole number {limit}, got {len(text)} digits")
    value = int(text)
    if value < 1 or (high is not None and value > high):
        raise BadRequest(f"'{name}' must be a whole number {limit}, got {raw!r}")
    return value


def _type(index: SearchIndex, value: str | None) -> TypeInfo | None:
    if value is None or not value.strip():
        return None
    found = index.resolve_type(value.strip())
    if found is None:
        names = ", ".join(sorted(index.type_names, key=str.casefold))
        raise BadRequest(f"unknown type {value!r}; use one of: {names}")
    return found


def _path(uri: str, base: str) -> str:
    """The link to a resource: local when it lives under the base."""
    return uri[len(base):] if uri.startswith(base + "/") else uri


def _types(index: SearchIndex, hit: Hit, lang: str) -> list[dict[str, str]]:
    infos = [index.types[t] for t in hit.resource.types if t in index.types]
    return [{"uri": t.uri, "name": t.name, "label": t.label(lang)} for t in infos]


def _result(index: SearchIndex, hit: Hit, lang: str) -> dict[str, Any]:
    shown = hit.resource.display(lang)
    return {"uri": hit.resource.uri, "label": shown.text, "lang": shown.lang,
            "types": _types(index, hit, lang),
            "matched": {"label": hit.matched.text, "lang": hit.matched.lang,
                        "property": hit.matched.property, "match": MATCH_NAMES[hit.match]}}


@router.get("/search", summary="Search all resources by label (German and English)")
def search(request: Request) -> Response:
    params = request.query_params
    unknown = set(params) - set(PARAMETERS)
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(sorted(unknown))}; expected "
                         f"{', '.join(PARAMETERS)}")
    for name in PARAMETERS:
        if len(params.getlist(name)) > 1:
            raise BadRequest(f"'{name}' is given more than once")
    fmt = _format(request)
    lang = pages.language(request)
    query = params.get("q", "")
    if len(query) > MAX_QUERY:
        raise BadRequest(f"'q' is too long: at most {MAX_QUERY} characters, got {len(query)}")
    query = query.strip()
    if not query and fmt is JSON:
        raise BadRequest("missing 'q': give the words to search for, e.g. "
                         "/search?q=Neuk%C3%B6lln&format=json")
    page = _whole_number(request, "page", 1, None)
    size = _whole_number(request, "size", DEFAULT_SIZE, MAX_SIZE)
    index = index_for(request)
    kind = _type(index, params.get("type"))

    hits = index.search(query, kind.uri if kind else None) if query else []
    total = len(hits)
    shown = hits[(page - 1) * size:page * size]
    results = [_result(index, hit, lang) for hit in shown]
    headers = {"Vary": "Accept, Accept-Language", "X-Kiezgraph-Release": index.release_id}
    if fmt is JSON:
        body = {"query": query, "type": kind.name if kind else None, "page": page,
                "size": size, "total": total, "results": results}
        return Response(json.dumps(body, ensure_ascii=False), media_type=JSON.media_type,
                        headers=headers)
    return _page(request, index, query, kind, lang, page, size, total, results, headers)


def _page(request: Request, index: SearchIndex, query: str, kind: TypeInfo | None, lang: str,
          page: int, size: int, total: int, results: list[dict[str, Any]],
          headers: dict[str, str]) -> Response:
    base = request.app.state.settings.base_iri
    pages_total = max(1, math.ceil(total / size))

    def link(number: int, **extra: str) -> str:
        query_params: dict[str, Any] = {"q": query, **({"type": kind.name} if kind else {}),
                                        "page": number}
        if size != DEFAULT_SIZE:
            query_params["size"] = size
        if "lang" in request.query_params:
            query_params["lang"] = lang
        return "/search?" + urlencode({**query_params, **extra})

    rows = [{"path": _path(r["uri"], base), "uri": r["uri"], "label": r["label"],
             "lang": r["lang"], "types": [t["label"] for t in r["types"]],
             "matched": r["matched"]["label"] if r["matched"]["label"] != r["label"] else None,
             "matched_lang": r["matched"]["lang"]} for r in results]
    options = sorted(({"name": t.name, "label": t.label(lang), "count": t.count}
                      for t in index.types.values()),
                     key=lambda o: (str(o["label"]).casefold(), o["name"]))
    return pages.render(
        request, "search.html", headers=headers, q=query, type_name=kind.name if kind else "",
        types=options, results=rows, total=total, page=page, pages=pages_total, size=size,
        first=(page - 1) * size + 1, lang_param=lang if "lang" in request.query_params else "",
        prev_url=link(page - 1) if page > 1 else None,
        next_url=link(page + 1) if page < pages_total else None,
        json_url=link(page, format="json") if query else None)
