"""Index of the things of one type (``/id/<segment>``), paged, each with its labels.

For readers an HTML list, labelled and ordered in the reader's language; for programs a
``hydra:Collection`` (``hydra:member`` with the members' labels in German and English,
``hydra:totalItems``, and a ``hydra:PartialCollectionView`` with first, previous, next
and last), ordered by the German label so that pages do not depend on the reader.
Areas can be filtered by district and status, projects by district and climate relation;
the collection's and views' IRIs keep the filters. A filter value that names nothing is
a 400 listing the values offered.

``status=left`` selects the areas that left the programme, however their funding ended:
every status but ``active`` (today ``merged``, ``verstetigt`` and ``ended``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from ingest.executor import Job
from ingest.vocab import FIXED_PREFIXES, HYDRA

from . import pages
from .errors import BadRequest, NotFound
from .search import EXTERNAL_TYPE_LABELS, PREFIXES

PAGE = 100
_SEGMENT = re.compile(r"^[a-z0-9-]+$")
FILTERS = {"area": ("district", "status"), "project": ("district", "climate")}
LEFT, ACTIVE = "left", "active"
LEFT_LABEL = ("ausgeschieden", "left the programme")
SKOS, RDFS, DCT = (FIXED_PREFIXES[p] for p in ("skos", "rdfs", "dct"))
# label predicates, the preferred first (a data cube or document has only a title)
LABELS = (f"{SKOS}prefLabel", f"{FIXED_PREFIXES['schema']}name", f"{RDFS}label",
          f"{DCT}title")
TITLES = {"area": ("Quartiersmanagement-Gebiete", "Quartiersmanagement areas"),
          "district": ("Bezirke", "Districts"), "fund": ("Fonds", "Funds"),
          "committee": ("Gremien", "Committees"),
          "department": ("Senatsverwaltungen", "Senate departments"),
          "project": ("Projekte", "Projects")}


@dataclass(frozen=True)
class Item:
    iri: str
    labels: tuple[tuple[str, str, str], ...]  # (predicate, text, language or "")

    def label(self, lang: str) -> str:
        """The label in ``lang``, else one without language, else German, else any."""
        rank: dict[str, int] = {}
        for position, code in enumerate((lang, "", "de", "en")):
            rank.setdefault(code, position)
        if not self.labels:
            return self.iri.rsplit("/", 1)[-1]
        return min(self.labels, key=lambda found: (rank.get(found[2], 4),
                                                LABELS.index(found[0])))[1]


@dataclass(frozen=True)
class Listing:
    segment: str
    collection: str  # the list's IRI, with its filters
    chosen: dict[str, str]
    items: tuple[Item, ...]  # the members on this page
    total: int
    page: int
    titles: tuple[str, str]  # German, English

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE))

    def view(self, page: int) -> str:
        return f"{self.collection}{'&' if '?' in self.collection else '?'}page={page}"


def _bindings(request: Request, query: str) -> list[dict[str, dict[str, str]]]:
    answer = request.app.state.backend.query(Job(query, "json"))
    return json.loads(answer.read_all())["results"]["bindings"]  # type: ignore[no-any-return]


def _select(request: Request, query: str) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in row.items()} for row in _bindings(request, query)]


def listing(request: Request, segment: str, lang: str) -> Listing:
    """This page of the things under ``/id/<segment>/``, ordered by their label in
    ``lang``; raises BadRequest for a bad parameter, NotFound for no such type or page."""
    if not _SEGMENT.match(segment):
        raise NotFound(f"nothing is served at /id/{segment}")
    base = request.app.state.settings.base_iri
    page = _page(request, segment)
    chosen = _chosen(request, segment, base)
    prefix = f"{base}/id/{segment}/"
    rows = _bindings(request, f"""SELECT DISTINCT ?s ?p ?l WHERE {{
          ?s a ?type . FILTER(STRSTARTS(STR(?s), "{prefix}")
                              && !CONTAINS(SUBSTR(STR(?s), {len(prefix) + 1}), "/"))
          {_conditions(segment, chosen, base)}
          OPTIONAL {{ ?s ?p ?l FILTER(?p IN ({", ".join(f"<{p}>" for p in LABELS)})
                                     && LANG(?l) IN ("de", "en", "")) }} }}""")
    if not rows and not chosen:
        raise NotFound(f"there is no type {segment!r} under /id/")
    labels: dict[str, list[tuple[str, str, str]]] = {}
    for row in rows:
        found = labels.setdefault(row["s"]["value"], [])
        if "l" in row:
            found.append((row["p"]["value"], row["l"]["value"], row["l"].get("xml:lang", "")))
    items = sorted((Item(iri, tuple(sorted(found))) for iri, found in labels.items()),
                   key=lambda item: (item.label(lang).casefold(), item.iri))
    query = urlencode([(name, chosen[name]) for name in FILTERS.get(segment, ())
                       if name in chosen])
    result = Listing(segment, f"{base}/id/{segment}" + (f"?{query}" if query else ""), chosen,
                     tuple(items[(page - 1) * PAGE: page * PAGE]), len(items), page,
                     TITLES.get(segment) or _class_titles(request, prefix, segment))
    if page > result.pages:
        raise NotFound(f"/id/{segment} has {result.pages} page(s), not {page}")
    return result


def _class_titles(request: Request, prefix: str, segment: str) -> tuple[str, str]:
    """A list's title from the class most of its things have: its label in the
    ontology, else the names pages use for common outside classes (``qb:DataSet``);
    the path segment only where neither names it. (German, English.)"""
    rows = _bindings(request, f"""SELECT ?type ?label (COUNT(DISTINCT ?s) AS ?n) WHERE {{
          ?s a ?type . FILTER(STRSTARTS(STR(?s), "{prefix}")
                              && !CONTAINS(SUBSTR(STR(?s), {len(prefix) + 1}), "/"))
          OPTIONAL {{ ?type <{RDFS}label> ?label FILTER(LANG(?label) IN ("de", "en")) }} }}
        GROUP BY ?type ?label ORDER BY DESC(?n) STR(?type)""")
    if not rows:
        return segment, segment
    top = rows[0]["type"]["value"]
    found = {r["label"].get("xml:lang"): r["label"]["value"] for r in rows
             if r["type"]["value"] == top and "label" in r}
    curie = next((f"{name}:{top[len(ns):]}" for name, ns in PREFIXES.items()
                  if top.startswith(ns)), "")
    outside = EXTERNAL_TYPE_LABELS.get(curie, (None, None))
    german = found.get("de") or outside[0] or found.get("en") or segment
    english = found.get("en") or outside[1] or german
    return f"{german[:1].upper()}{german[1:]} – Liste", f"{english[:1].upper()}{english[1:]} – list"


def _page(request: Request, segment: str) -> int:
    """The page asked for, once every parameter is known to be one this list takes."""
    allowed = {"page", "lang", "format", *FILTERS.get(segment, ())}
    unknown = set(request.query_params) - allowed
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(sorted(unknown))}; this list "
                         f"takes: {', '.join(sorted(allowed))}")
    raw = request.query_params.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"'page' must be a whole number from 1, got {raw!r}")
    return int(raw)


def _chosen(request: Request, segment: str, base: str) -> dict[str, str]:
    """The filters given (an empty value means no filter, as the page's form sends it),
    each checked against the values on offer."""
    chosen = {}
    for name in FILTERS.get(segment, ()):
        if len(request.query_params.getlist(name)) > 1:  # taking the last would mislead
            raise BadRequest(f"'{name}' is given more than once; give one value")
        value = request.query_params.get(name)
        if not value:
            continue
        valid = _valid(request, name, base)
        if value not in valid:
            raise BadRequest(f"unknown {name} {value!r}; use one of: {', '.join(valid)}")
        chosen[name] = value
    return chosen


def _valid(request: Request, name: str, base: str) -> list[str]:
    if name == "climate":
        return ["no", "yes"]
    kg = f"{base}/def/"
    pattern = f"?v a <{kg}District>" if name == "district" else \
        f"?v <{SKOS}inScheme> <{base}/id/scheme/area-status>"
    values = [r["v"].rsplit("/", 1)[-1] for r in _select(request, f"SELECT ?v {{ {pattern} }}")]
    return sorted({*values, *((LEFT,) if name == "status" else ())})


def _conditions(segment: str, chosen: dict[str, str], base: str) -> str:
    """SPARQL patterns for the filters; every value was checked against ``_valid``."""
    kg, parts = f"{base}/def/", []
    if "district" in chosen:
        path = f"<{kg}area>/<{kg}district>" if segment == "project" else f"<{kg}district>"
        parts.append(f"?s {path} <{base}/id/district/{chosen['district']}> .")
    status = chosen.get("status")
    if status == LEFT:
        parts.append(f"?s <{kg}status> ?status . "
                     f"FILTER(?status != <{base}/id/area-status/{ACTIVE}>)")
    elif status:
        parts.append(f"?s <{kg}status> <{base}/id/area-status/{status}> .")
    if chosen.get("climate") == "yes":
        parts.append(f"?s a <{kg}SocialClimateProject> .")
    elif chosen.get("climate") == "no":
        parts.append(f"FILTER NOT EXISTS {{ ?s a <{kg}SocialClimateProject> }}")
    return "\n".join(parts)


def _options(request: Request, prefix: str, path: str, lang: str) -> list[dict[str, str]]:
    """The values a filter offers on the page: those the listed things actually have."""
    rows = _bindings(request, f"""SELECT DISTINCT ?value ?label WHERE {{
          ?s {path} ?value . ?value <{SKOS}prefLabel> ?label .
          FILTER(STRSTARTS(STR(?s), "{prefix}")) }}""")
    # each value by its label as list entries choose it: the reader's language, else any
    # (regression: districts have German names only, and the English filter was empty)
    labels: dict[str, list[tuple[str, str, str]]] = {}
    for row in rows:
        labels.setdefault(row["value"]["value"], []).append(
            (LABELS[0], row["label"]["value"], row["label"].get("xml:lang", "")))
    options = [Item(value, tuple(sorted(found))) for value, found in labels.items()]
    return sorted(({"value": o.iri.rsplit("/", 1)[-1], "label": o.label(lang)} for o in options),
                  key=lambda option: option["label"].casefold())


def html(request: Request, found: Listing, lang: str, headers: dict[str, str]) -> Response:
    base = request.app.state.settings.base_iri
    kg, prefix = f"{base}/def/", f"{base}/id/{found.segment}/"
    paths = {"district": f"<{kg}area>/<{kg}district>" if found.segment == "project"
             else f"<{kg}district>", "status": f"<{kg}status>"}
    filters = {name: _options(request, prefix, paths[name], lang)
               for name in FILTERS.get(found.segment, ()) if name in paths}
    if "status" in filters:
        filters["status"].append({"value": LEFT, "label": LEFT_LABEL[lang != "de"]})
    segment = found.segment
    return pages.render(
        request, "list.html", segment=segment, title=found.titles,
        items=[{"href": item.iri[len(base):], "label": item.label(lang)}
               for item in found.items], total=found.total, page=found.page,
        pages=found.pages, filters=filters, chosen=found.chosen, climate=segment == "project",
        headers=headers)


def collection(found: Listing) -> list[ox.Triple]:
    """The page as a Hydra collection: members with their labels, the count, the view."""
    me, view = ox.NamedNode(found.collection), ox.NamedNode(found.view(found.page))
    rdf_type = ox.NamedNode(f"{FIXED_PREFIXES['rdf']}type")
    triples = [ox.Triple(me, rdf_type, ox.NamedNode(HYDRA.Collection)),
               ox.Triple(me, ox.NamedNode(HYDRA.totalItems), ox.Literal(
                   str(found.total), datatype=ox.NamedNode(f"{FIXED_PREFIXES['xsd']}integer"))),
               ox.Triple(me, ox.NamedNode(HYDRA.view), view),
               ox.Triple(view, rdf_type, ox.NamedNode(HYDRA.PartialCollectionView))]
    for text, language in zip(found.titles, ("de", "en"), strict=True):
        triples.append(ox.Triple(me, ox.NamedNode(f"{DCT}title"),
                                 ox.Literal(text, language=language)))
    links: dict[str, int | None] = {
        "first": 1, "last": found.pages,
        "previous": found.page - 1 if found.page > 1 else None,
        "next": found.page + 1 if found.page < found.pages else None}
    for name, number in links.items():
        if number is not None:
            triples.append(ox.Triple(view, ox.NamedNode(HYDRA[name]),
                                     ox.NamedNode(found.view(number))))
    for item in found.items:
        member = ox.NamedNode(item.iri)
        triples.append(ox.Triple(me, ox.NamedNode(HYDRA.member), member))
        triples.extend(ox.Triple(member, ox.NamedNode(predicate),
                                 ox.Literal(text, language=language or None))
                       for predicate, text, language in item.labels)
    return triples


def page_links(found: Listing) -> dict[str, str]:
    """``rel`` to view IRI for the pages around this one (for the ``Link`` header)."""
    links = {"first": found.view(1), "last": found.view(found.pages)}
    if found.page > 1:
        links["prev"] = found.view(found.page - 1)
    if found.page < found.pages:
        links["next"] = found.view(found.page + 1)
    return links
