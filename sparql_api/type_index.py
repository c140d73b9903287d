"""Index pages: the things of one type (``/id/<segment>``), with their labels, paged;
areas can be filtered by district and status, projects by climate relation."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from ingest.executor import Job

from . import pages
from .errors import BadRequest, NotFound

PAGE = 100
_SEGMENT = re.compile(r"^[a-z0-9-]+$")
FILTERS = {"area": ("district", "status"), "project": ("district", "climate")}
TITLES = {"area": ("Quartiersmanagement-Gebiete", "Quartiersmanagement areas"),
          "district": ("Bezirke", "Districts"), "fund": ("Fonds", "Funds"),
          "committee": ("Gremien", "Committees"),
          "department": ("Senatsverwaltungen", "Senate departments"),
          "project": ("Projekte", "Projects")}


def _select(request: Request, query: str) -> list[dict[str, str]]:
    answer = request.app.state.backend.query(Job(query, "json"))
    rows = json.loads(answer.read_all())["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def _options(request: Request, prefix: str, path: str, lang: str) -> list[dict[str, str]]:
    """The values a filter offers: those the listed things actually have."""
    rows = _select(request, f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?value ?label WHERE {{
          ?s {path} ?value . ?value skos:prefLabel ?label .
          FILTER(STRSTARTS(STR(?s), "{prefix}") && LANG(?label) = "{lang}") }}
        ORDER BY ?label""")
    return [{"value": r["value"].rsplit("/", 1)[-1], "label": r["label"]} for r in rows]


def list_things(request: Request, segment: str) -> Response:
    if not _SEGMENT.match(segment):
        raise NotFound(f"nothing is served at /id/{segment}")
    state = request.app.state
    base, lang = state.settings.base_iri, pages.language(request)
    kg, prefix = f"{base}/def/", f"{base}/id/{segment}/"
    allowed = {"page", "lang", *FILTERS.get(segment, ())}
    unknown = set(request.query_params) - allowed
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(sorted(unknown))}; this list "
                         f"takes: {', '.join(sorted(allowed))}")
    raw_page = request.query_params.get("page", "1")
    if not raw_page.isdigit() or int(raw_page) < 1:
        raise BadRequest(f"'page' must be a whole number from 1, got {raw_page!r}")
    page = int(raw_page)
    conditions, chosen = _conditions(request, segment, base, kg)
    query = f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX schema: <https://schema.org/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{
          ?s a ?type . FILTER(STRSTARTS(STR(?s), "{prefix}"))
          FILTER(!CONTAINS(SUBSTR(STR(?s), {len(prefix) + 1}), "/"))
          {conditions}
          OPTIONAL {{ ?s skos:prefLabel|schema:name|rdfs:label ?l
                     FILTER(LANG(?l) = "{lang}" || LANG(?l) = "de" || LANG(?l) = "") }}
        }} GROUP BY ?s ORDER BY LCASE(STR(?label)) ?s"""
    rows = _select(request, query)
    if not rows and not chosen:
        raise NotFound(f"there is no type {segment!r} under /id/")
    total = len(rows)
    shown = rows[(page - 1) * PAGE: page * PAGE]
    paths = {"district": f"<{kg}area>/<{kg}district>" if segment == "project"
             else f"<{kg}district>", "status": f"<{kg}status>"}
    filters = {name: _options(request, prefix, paths[name], lang)
               for name in FILTERS.get(segment, ()) if name in paths}
    return pages.render(
        request, "list.html", segment=segment, title=TITLES.get(segment, (segment, segment)),
        items=[{"href": r["s"][len(base):], "label": r.get("label") or r["s"].rsplit("/", 1)[-1]}
               for r in shown], total=total, page=page, pages=max(1, -(-total // PAGE)),
        filters=filters, chosen=chosen, climate=segment == "project",
        headers={"Cache-Control": "public, max-age=300"})


def _conditions(request: Request, segment: str, base: str, kg: str) -> tuple[str, dict[str, Any]]:
    chosen: dict[str, Any] = {}
    parts = []
    for name in FILTERS.get(segment, ()):
        value = request.query_params.get(name)
        if not value:
            continue
        if not _SEGMENT.match(value):
            raise BadRequest(f"'{name}' must be a slug such as 'mitte', got {value!r}")
        chosen[name] = value
        if name == "district" and segment == "project":
            parts.append(f"?s <{kg}area>/<{kg}district> <{base}/id/district/{value}> .")
        elif name == "district":
            parts.append(f"?s <{kg}district> <{base}/id/district/{value}> .")
        elif name == "status":
            parts.append(f"?s <{kg}status> <{base}/id/area-status/{value}> .")
        elif name == "climate":
            if value not in ("yes", "no"):
                raise BadRequest(f"'climate' must be yes or no, got {value!r}")
            parts.append(f"{'' if value == 'yes' else 'FILTER NOT EXISTS {'} "
                         f"?s a <{kg}SocialClimateProject> {'' if value == 'yes' else '}'}")
    return "\n".join(parts), chosen
