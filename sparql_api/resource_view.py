"""Turn a description graph into what a page shows: labels instead of URIs, money in
euro, dates and numbers in the reader's language, blank nodes spelled out, a time line
with its sources, inbound links, sources and a map.

A thing of ours without a label of its own (a rule, an event, an observation) is named
from what the graph says about it, never by its bare IRI: by the label of its kind
("Höchstbetrag je Aktion"), else by its type's label and its slug ("Beobachtung
funding-py-2013-…"); where that leaves two links of one row alike, each gets its slug.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node
from shapely import wkt
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry

from ingest.vocab import DCT, FIXED_PREFIXES, SCHEMA, SKOS

from .describe import KINDS
from .search import EXTERNAL_TYPE_LABELS

GEO = "http://www.opengis.net/ont/geosparql#"
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
SKOSXL_LITERAL = URIRef("http://www.w3.org/2008/05/skos-xl#literalForm")
SKOSXL_ALT = URIRef("http://www.w3.org/2008/05/skos-xl#altLabel")
FOAF_NAME = URIRef("http://xmlns.com/foaf/0.1/name")
LABEL_PREDICATES = (SKOS.prefLabel, RDFS_LABEL, SCHEMA.name, DCT.title, SKOSXL_LITERAL,
                    FOAF_NAME, SKOS.notation)
MONTHS = {"de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
                 "September", "Oktober", "November", "Dezember"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December")}
MONEY = ("amountEur", "budgetEur")  # kg: properties whose values are euro by definition
QUANTITIES = (SCHEMA.value, SCHEMA.minValue, SCHEMA.maxValue)  # in the unit of kg:unit
LINKED_SCHEMES = ("http", "https", "mailto", "ftp")  # others (javascript:, data:) stay text


@dataclass
class Value:
    text: str
    href: str | None = None
    lang: str | None = None


@dataclass
class Row:
    label: str
    href: str | None
    values: list[Value] = field(default_factory=list)


@dataclass
class View:
    label: str
    types: list[Value]
    rows: list[Row]
    inbound: list[Row]
    sources: list[Value]
    timeline: list[dict[str, Any]]
    map_svg: dict[str, Any] | None


class Labeller:
    def __init__(self, graph: Graph, lang: str, base: str, kg: str):
        self.graph, self.lang, self.base, self.kg = graph, lang, base, kg
        self.prefixes = {**FIXED_PREFIXES, "kg": kg}
        self.kinds = {kg + kind for kind in KINDS}

    def href(self, iri: str) -> str | None:
        """A local path for our IRIs; other web addresses as they are; None for the rest."""
        if iri.startswith(self.base + "/"):
            return iri[len(self.base):]
        return iri if urlsplit(iri).scheme.lower() in LINKED_SCHEMES else None

    def curie(self, iri: str) -> str:
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def own_label(self, node: Node) -> str | None:
        """The node's label in the reader's language (else German, English, any)."""
        found: dict[str | None, str] = {}
        for predicate in LABEL_PREDICATES:
            for value in self.graph.objects(node, predicate):
                if isinstance(value, Literal):
                    found.setdefault(value.language, str(value))
            if found:
                break
        for key in (self.lang, "de", "en", None):
            if key in found:
                return found[key]
        return next(iter(found.values()), None)

    def label(self, node: Node) -> str:
        own = self.own_label(node)
        if own is not None:
            return own
        if not isinstance(node, URIRef):
            return str(node)
        iri = str(node)
        local = self.href(iri)
        elsewhere = local is None or local == iri
        if elsewhere or (iri.startswith(self.kg) and len(iri) > len(self.kg)):
            return self.curie(iri)  # not ours, or a term of the vocabulary (kg:status)
        return self.kind(node) or self.typed(node) or local

    def kind(self, node: Node) -> str | None:
        """The label of the node's kind (kg:ruleKind, kg:eventKind, ...), if it has one."""
        kinds = sorted(self.own_label(o) or "" for p, o in self.graph.predicate_objects(node)
                       if str(p) in self.kinds)
        return next((k for k in kinds if k), None)

    def typed(self, node: URIRef) -> str | None:
        """The label of the node's type with its slug, e.g. "Regel qf1-decision"."""
        names = []
        for cls in self.graph.objects(node, RDF.type):
            text = self.own_label(cls)
            external = EXTERNAL_TYPE_LABELS.get(self.curie(str(cls)))
            if text is None and external is not None:
                text = external[0] if self.lang == "de" else external[1]
            names.append((text is None, text or self.curie(str(cls))))
        local = self.href(str(node)) or str(node)
        return f"{min(names)[1]} {slug(local)}" if names else None

    def value(self, node: Node, predicate: URIRef | None = None,
              subject: Node | None = None) -> Value:
        """``subject``: the node that has the value, for a unit it states (kg:unit)."""
        if isinstance(node, URIRef):
            return Value(self.label(node), self.href(str(node)))
        if isinstance(node, Literal):
            return Value(self.literal(node, predicate, subject), None, node.language)
        return Value(self.blank(node))

    def literal(self, node: Literal, predicate: URIRef | None, subject: Node | None = None
                ) -> str:
        datatype = str(node.datatype) if node.datatype else ""
        if datatype == GEO + "wktLiteral":
            return "(Fläche, siehe Karte)" if self.lang == "de" else "(shape, see the map)"
        if self.is_money(predicate, subject):
            return money(str(node), self.lang)
        shown = FORMATS.get(node.datatype) if node.datatype else None
        return shown(str(node), self.lang) if shown else str(node)

    def is_money(self, predicate: URIRef | None, subject: Node | None) -> bool:
        """Euro by the property, or a quantity whose kg:unit has the currency code EUR."""
        if predicate is None:
            return False
        if str(predicate) in (self.kg + name for name in MONEY):
            return True
        return predicate in QUANTITIES and subject is not None and any(
            str(code) == "EUR" for unit in self.graph.objects(subject, URIRef(self.kg + "unit"))
            for code in self.graph.objects(unit, SKOS.notation))

    def blank(self, node: Node, seen: frozenset[Node] = frozenset()) -> str:
        """A blank node's content on one line: it has no page of its own to link to."""
        if node in seen:
            return "…"
        seen = seen | {node}
        items = _list_items(self.graph, node)
        if items is not None:
            return ", ".join(self._part(item, None, node, seen) for item in items)
        parts = [f"{self.label(p)}: {self._part(o, p, node, seen)}"
                 for p in set(self.graph.predicates(node)) - {RDF.type}
                 for o in self.in_language(list(self.graph.objects(node, p)))]
        return "; ".join(sorted(parts, key=str.casefold))

    def in_language(self, values: list[Node]) -> list[Node]:
        """Only the reader's language when some of the texts are in it."""
        mine = [v for v in values if isinstance(v, Literal) and v.language == self.lang]
        return mine + [v for v in values if not (isinstance(v, Literal) and v.language)] \
            if mine else values

    def _part(self, node: Node, predicate: URIRef | None, subject: Node,
              seen: frozenset[Node]) -> str:
        if isinstance(node, BNode):
            return f"[{self.blank(node, seen)}]"
        return self.value(node, predicate, subject).text

    def source(self, node: Node) -> Value:
        """A source as a short link: its citation, or the host of a bare web address."""
        text = self.label(node)
        if isinstance(node, URIRef) and text == str(node):
            text = urlsplit(text).netloc or text
        return Value(text, self.href(str(node)) if isinstance(node, URIRef) else None)


def slug(path: str) -> str:
    """What names a thing in its local path: the part after ``/id/<type>/`` (or after the
    first segment elsewhere), e.g. ``qf1-decision`` of ``/id/rule/qf1-decision``."""
    parts = path.strip("/").split("/")
    drop = 2 if parts[0] == "id" and len(parts) > 2 else 1 if len(parts) > 1 else 0
    return "/".join(parts[drop:]) or path


def _set_apart(values: list[Value]) -> None:
    """Links of one row that read alike but lead to different things get their slugs."""
    hrefs: dict[str, set[str | None]] = {}
    for v in values:
        hrefs.setdefault(v.text, set()).add(v.href)
    for v in values:
        if v.href and v.href.startswith("/") and len(hrefs[v.text]) > 1:
            v.text = f"{v.text} ({slug(v.href)})"


def _list_items(graph: Graph, node: Node) -> list[Node] | None:
    """The members of an RDF list starting at ``node``, or None if it is not one."""
    if (node, RDF.first, None) not in graph:
        return None
    items: list[Node] = []
    seen: set[Node] = set()
    while node != RDF.nil and node not in seen:
        seen.add(node)
        items.extend(graph.objects(node, RDF.first))
        node = next(iter(graph.objects(node, RDF.rest)), RDF.nil)
    return items


def _grouped(text: str, lang: str) -> str:
    """English digit grouping (``1,234.5``) as German (``1.234,5``) when asked."""
    return text.translate(str.maketrans(",.", ".,")) if lang == "de" else text


def money(text: str, lang: str) -> str:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return text
    whole = f"{amount:,.0f}" if amount == amount.to_integral() else f"{amount:,.2f}"
    return _grouped(whole, "de") + "\u00a0€" if lang == "de" else "€" + whole


def number(text: str, lang: str) -> str:
    """All the digits the literal has, grouped by thousands in the reader's style."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return text
    return _grouped(f"{amount:,f}", lang) if amount.is_finite() else text


def long_date(text: str, lang: str) -> str:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return text
    month = MONTHS[lang][day.month - 1]
    return f"{day.day}. {month} {day.year}" if lang == "de" else f"{day.day} {month} {day.year}"


def month_year(text: str, lang: str) -> str:
    """``xsd:gYearMonth`` (``2003-05``): "Mai 2003", "May 2003"."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return text
    return f"{MONTHS[lang][int(match.group(2)) - 1]} {match.group(1)}"


def date_time(text: str, lang: str) -> str:
    """The day in words and the time to the minute, in the zone the literal gives."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    zone = f" {moment.tzname()}" if moment.tzinfo is not None else ""
    return f"{long_date(moment.date().isoformat(), lang)}, {moment:%H:%M}{zone}"


def yes_no(text: str, lang: str) -> str:
    words = {"de": ("ja", "nein"), "en": ("yes", "no")}[lang]
    return {"true": words[0], "1": words[0], "false": words[1], "0": words[1]}.get(text, text)


FORMATS: dict[URIRef, Callable[[str, str], str]] = {
    XSD.date: long_date, XSD.gYearMonth: month_year, XSD.dateTime: date_time,
    XSD.decimal: number, XSD.integer: number, XSD.boolean: yes_no}


def build_view(graph: Graph, iri: str, lang: str, base: str, kg: str) -> View:
    me = URIRef(iri)
    names = Labeller(graph, lang, base, kg)
    rows: dict[str, Row] = {}
    for predicate, obj in sorted(graph.predicate_objects(me), key=lambda po: str(po[0])):
        if predicate in (RDF.type, DCT.source):
            continue
        key = str(predicate)
        if key not in rows:
            rows[key] = Row(names.label(predicate), names.href(key))
        rows[key].values.append(names.value(obj, predicate, me))
    for row in rows.values():
        _set_apart(row.values)
        row.values.sort(key=lambda v: (v.lang not in (None, lang), v.text))
    inbound: dict[str, Row] = {}
    for subject, predicate in graph.subject_predicates(me):
        key = str(predicate)
        if key not in inbound:
            inbound[key] = Row(names.label(predicate), names.href(key))
        inbound[key].values.append(names.value(subject))
    for row in inbound.values():
        _set_apart(row.values)
        row.values.sort(key=lambda v: v.text)
    types = sorted((names.value(t) for t in graph.objects(me, RDF.type)), key=lambda v: v.text)
    sources = sorted((names.value(s) for s in graph.objects(me, DCT.source)),
                     key=lambda v: v.text)
    title = names.label(me)
    if names.own_label(me) is None and names.kind(me) is not None:
        title = f"{title} ({slug(names.href(iri) or iri)})"  # one of many of its kind
    return View(title, types, sorted(rows.values(), key=lambda r: r.label.lower()),
                sorted(inbound.values(), key=lambda r: r.label.lower()), sources,
                _timeline(graph, me, names, lang), _map(graph, me, names))


def _timeline(graph: Graph, me: URIRef, names: Labeller, lang: str) -> list[dict[str, Any]]:
    """Dated things the resource links to (life-cycle events, names over time), each with
    the sources the graph gives for it."""
    entries = []
    for predicate, obj in graph.predicate_objects(me):
        if not isinstance(obj, URIRef) or predicate == DCT.source:
            continue
        kg = names.kg
        start = next(iter(graph.objects(obj, SCHEMA.startDate)), None) or \
            next(iter(graph.objects(obj, URIRef(kg + "observedFrom"))), None)
        if start is None:
            continue  # undated: not on the time line
        end = next(iter(graph.objects(obj, SCHEMA.endDate)), None) or \
            next(iter(graph.objects(obj, URIRef(kg + "observedUntil"))), None)
        kind = next(iter(graph.objects(obj, URIRef(names.kg + "eventKind"))), None)
        text = names.label(kind) if kind is not None else names.label(obj)
        sources = sorted((names.source(s) for s in graph.objects(obj, DCT.source)),
                         key=lambda v: v.text)
        entries.append({"start": str(start), "start_text": names.literal(start, None),
                        "end_text": names.literal(end, None) if end is not None else None,
                        "text": text, "href": names.href(str(obj)), "sources": sources})
    return sorted(entries, key=lambda e: e["start"])


def _shape(graph: Graph, node: Node) -> BaseGeometry | None:
    for literal in graph.objects(node, URIRef(GEO + "asWKT")):
        try:
            return wkt.loads(str(literal))
        except (ShapelyError, ValueError):
            return None
    return None


def _map(graph: Graph, me: URIRef, names: Labeller) -> dict[str, Any] | None:
    """An inline SVG of the resource's shape over its district's (no tile server), with
    the names the picture's text alternative gives."""
    own = next((s for g in graph.objects(me, URIRef(GEO + "hasGeometry"))
                if (s := _shape(graph, g)) is not None), None)
    if own is None:
        return None
    district, district_label = None, None
    for d in graph.objects(me, URIRef(names.kg + "district")):
        district = next((s for g in graph.objects(d, URIRef(GEO + "hasGeometry"))
                         if (s := _shape(graph, g)) is not None), None)
        district_label = names.label(d) if district is not None else None
    frame = district if district is not None else own
    west, south, east, north = frame.bounds
    # For the picture only: about one point per pixel of a 1000-unit drawing is enough.
    tolerance = max(east - west, north - south) / 1000
    own = own.simplify(tolerance, preserve_topology=True)
    if district is not None:
        district = district.simplify(tolerance, preserve_topology=True)
    scale = math.cos(math.radians((south + north) / 2))
    width, height = max((east - west) * scale, 1e-9), max(north - south, 1e-9)
    unit = max(width, height) / 1000  # one scale for both axes, the longer side 1000

    def path(shape: BaseGeometry) -> str:
        parts = []
        for polygon in getattr(shape, "geoms", [shape]):
            for ring in (polygon.exterior, *polygon.interiors):
                points = " L".join(f"{(x - west) * scale / unit:.1f},{(north - y) / unit:.1f}"
                                   for x, y in ring.coords)
                parts.append(f"M{points} Z")
        return " ".join(parts)

    return {"view_box": f"0 0 {width / unit:.0f} {height / unit:.0f}",
            "district": path(district) if district is not None else None, "shape": path(own),
            "district_label": district_label}
