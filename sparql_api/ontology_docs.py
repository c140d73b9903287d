"""The documentation of the Kiezgraph vocabulary at ``{base}/def/``, built from its sources.

``documentation(settings)`` reads ontology/ and shapes/ (the same Turtle files ingest
reads, resolved against the deployment's base) into a model of every ``kg:`` class,
property and Data Cube structure: labels, definitions, hierarchy, domains and ranges,
and the SHACL rules that apply. It is cached per process and rebuilt when a file's
modification time (or size) changes, so the page never drifts from the files.
``examples(backend, docs)`` adds what the data shows: instance and usage counts and up
to three example instances per term, from the store by SPARQL, cached per release.
``term_anchor(local_name)`` is where a term's section is, for term dereferencing.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ingest.config import PROJECT_ROOT, Settings
from ingest.errors import Problem
from ingest.executor import Job
from ingest.rdfio import parse_turtle_dir
from ingest.vocab import DCT, QB, SKOS, Vocab

SH = "http://www.w3.org/ns/shacl#"
EXAMPLE_LIMIT = 3
LANGS = ("de", "en")
# Literal properties that name a thing, best first (the label of an example instance).
NAME_PROPERTIES = (str(SKOS.prefLabel), str(RDFS.label), str(DCT.title),
                   "https://schema.org/name", "http://xmlns.com/foaf/0.1/name",
                   str(SKOS.notation), str(DCT.identifier))
VOCABULARY_NAMES = {
    "rdf": "RDF", "rdfs": "RDF Schema", "owl": "OWL", "xsd": "XML Schema Datatypes",
    "dct": "DCMI Metadata Terms", "dcat": "DCAT", "skos": "SKOS", "skosxl": "SKOS-XL",
    "org": "W3C Organization Ontology", "prov": "PROV-O", "qb": "RDF Data Cube",
    "geo": "GeoSPARQL", "schema": "schema.org", "foaf": "FOAF", "time": "OWL-Time",
    "sh": "SHACL", "void": "VoID", "sdmx-dimension": "SDMX-RDF (dimensions)",
    "sdmx-attribute": "SDMX-RDF (attributes)",
}
BUILT_IN = ("rdf", "rdfs", "owl", "xsd")  # the languages the ontology is written in
GROUPS = ("classes", "object-properties", "datatype-properties", "structures")
CUBE_ROLES = {str(QB.DimensionProperty): ("Dimension", "dimension"),
              str(QB.MeasureProperty): ("Maß", "measure"),
              str(QB.AttributeProperty): ("Attribut", "attribute"),
              str(QB.CodedProperty): ("codiert", "coded")}
_BIND_PATH = re.compile(r"BIND\s*\(\s*(<[^<>\s]*>|[\w-]*:[\w-]*)\s+AS\s+\?path\s*\)",
                        re.IGNORECASE)


class OntologyUnreadable(RuntimeError):
    """The ontology or shapes files do not parse; the message lists the problems."""


# ------------------------------------------------------------------ the model


@dataclass(frozen=True)
class Ref:
    """A term as the page shows it: its CURIE (or IRI), where it links to, its labels."""

    iri: str
    text: str
    href: str | None
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    local: str | None = None  # the local name when it is a kg: term with a section

    def label(self, lang: str) -> str:
        return pick(self.labels, lang) or self.text


@dataclass(frozen=True)
class Constraint:
    """One SHACL property shape: its path and parameters, with its message."""

    shape: Ref  # the property shape (a blank node shows as the node shape's name)
    path: str  # the path in SPARQL property-path syntax, with CURIEs
    path_ref: Ref | None  # the predicate when the path is one IRI (or its inverse)
    inverse: bool
    min_count: int | None
    max_count: int | None
    classes: tuple[Ref, ...]
    datatypes: tuple[Ref, ...]
    pattern: str | None
    others: tuple[tuple[str, str], ...]  # further parameters: (name, value as text)
    messages: dict[str, str]

    def message(self, lang: str) -> str:
        return pick(self.messages, lang)


@dataclass(frozen=True)
class NodeShape:
    ref: Ref
    target_classes: tuple[Ref, ...]
    target_subjects_of: tuple[Ref, ...]
    constraints: tuple[Constraint, ...]
    messages: dict[str, str]


@dataclass(frozen=True)
class AppliedShape:
    """A node shape as it applies to a class: directly or through a superclass."""

    shape: NodeShape
    via: Ref | None  # the superclass the shape targets; None when it targets the class


@dataclass(frozen=True)
class PathConstraint:
    """A constraint whose path is a property, with the node shapes that use it."""

    constraint: Constraint
    used_by: tuple[NodeShape, ...]


@dataclass(frozen=True)
class SparqlCheck:
    ref: Ref
    messages: dict[str, str]
    paths: tuple[Ref, ...]  # the properties the check reports (BIND(<p> AS ?path))

    def message(self, lang: str) -> str:
        return pick(self.messages, lang)


@dataclass(frozen=True)
class Component:
    role: str  # dimension, measure, attribute
    prop: Ref
    order: int | None
    required: bool
    attachment: Ref | None


@dataclass
class Term:
    ref: Ref
    group: str  # one of GROUPS
    labels: dict[str, str]
    definitions: dict[str, str]
    types: list[Ref] = field(default_factory=list)
    cube_roles: list[tuple[str, str]] = field(default_factory=list)  # (de, en)
    supers: list[Ref] = field(default_factory=list)
    subs: list[Ref] = field(default_factory=list)
    domains: list[Ref] = field(default_factory=list)
    ranges: list[Ref] = field(default_factory=list)
    as_domain: list[Ref] = field(default_factory=list)  # properties with this class as domain
    as_range: list[Ref] = field(default_factory=list)
    shapes: list[AppliedShape] = field(default_factory=list)  # for classes
    path_constraints: list[PathConstraint] = field(default_factory=list)  # for properties
    subject_shapes: list[NodeShape] = field(default_factory=list)  # sh:targetSubjectsOf
    sparql_checks: list[SparqlCheck] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)  # for structures
    closure: list[str] = field(default_factory=list)  # the class and its kg subclasses

    @property
    def local(self) -> str:
        return self.ref.local or ""

    @property
    def iri(self) -> str:
        return self.ref.iri

    def label(self, lang: str) -> str:
        return pick(self.labels, lang) or self.local

    def definition(self, lang: str) -> str:
        return pick(self.definitions, lang)


@dataclass(frozen=True)
class Reuse:
    """A reused vocabulary and the external terms kg: terms specialise."""

    prefix: str
    name: str
    namespace: str
    specialised: tuple[tuple[Ref, tuple[Ref, ...]], ...]  # external term -> kg sub-terms
    referenced: tuple[Ref, ...]  # further terms used as domain, range or component


@dataclass
class Documentation:
    key: tuple[Any, ...]
    base: str
    namespace: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    version: str | None
    licence: str | None
    see_also: list[str]
    terms: dict[str, Term]  # by local name, in page order
    groups: dict[str, list[Term]]
    reuse: list[Reuse]
    checks: list[SparqlCheck]
    page_ids: dict[str, str]  # structural section -> its id, never a term's local name

    def title(self, lang: str) -> str:
        return pick(self.titles, lang) or "Kiezgraph"

    def description(self, lang: str) -> str:
        return pick(self.descriptions, lang)


def pick(texts: dict[str, str], lang: str) -> str:
    """The text in ``lang``, else German, English, untagged, anything."""
    for key in (lang, "de", "en", ""):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")


# ------------------------------------------------------------------ building


class _Namer:
    """CURIEs, links and labels for IRIs, from the prefixes and the ontology graph."""

    def __init__(self, base: str, graph: Graph, locals_: set[str]):
        self.base = base
        self.graph = graph
        self.vocab = Vocab(base)
        self.kg = self.vocab.kg_ns
        self.locals = locals_
        # Longest namespace first, so that kgsh: (under def/shapes/) wins over kg:.
        spaces = {**self.vocab.prefixes, "kgsh": f"{self.kg}shapes/"}
        self.spaces = sorted(spaces.items(), key=lambda kv: -len(kv[1]))

    def curie(self, iri: str) -> str:
        for prefix, ns in self.spaces:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        if iri.startswith(self.base + "/"):
            return iri[len(self.base):]
        return iri

    def ref(self, node: Node) -> Ref:
        iri = str(node)
        labels = literals(self.graph, node, RDFS.label)
        local = iri[len(self.kg):] if iri.startswith(self.kg) else None
        if local is not None and local in self.locals:
            return Ref(iri, self.curie(iri), f"#{local}", labels, local)
        return Ref(iri, self.curie(iri), link(iri, self.base), labels)


def link(iri: str, base: str) -> str | None:
    """A local path for the deployment's IRIs, the IRI for other web IRIs, else None."""
    if iri.startswith(base + "/"):
        return iri[len(base):]
    if iri.startswith(("http://", "https://")):
        return iri
    return None


def literals(graph: Graph, subject: Node, predicate: Node) -> dict[str, str]:
    texts: dict[str, str] = {}
    for obj in graph.objects(subject, predicate):
        if isinstance(obj, Literal):
            texts.setdefault(obj.language or "", str(obj))
    return texts


def _iris(values: Iterable[Node]) -> list[URIRef]:
    return sorted({v for v in values if isinstance(v, URIRef)}, key=str)


def _group(graph: Graph, term: URIRef) -> str | None:
    types = set(graph.objects(term, RDF.type))
    if OWL.Class in types or RDFS.Class in types:
        return "classes"
    if QB.DataStructureDefinition in types:
        return "structures"
    if OWL.DatatypeProperty in types:
        return "datatype-properties"
    if OWL.ObjectProperty in types:
        return "object-properties"
    if types & {RDF.Property, OWL.AnnotationProperty, QB.DimensionProperty,
                QB.MeasureProperty, QB.AttributeProperty}:
        ranges = {str(r) for r in graph.objects(term, RDFS.range)}
        literal = any(r.startswith(str(_XSD)) or r in (str(RDFS.Literal), str(RDF.langString))
                      for r in ranges)
        return "datatype-properties" if literal else "object-properties"
    return None


_XSD = URIRef("http://www.w3.org/2001/XMLSchema#")


def _files(*directories: Path) -> tuple[tuple[str, int, int], ...]:
    stamps = []
    for directory in directories:
        for path in sorted(directory.glob("*.ttl")) if directory.is_dir() else ():
            stat = path.stat()
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


def _merge(directory: Path, base: str) -> Graph:
    problems: list[Problem] = []
    graphs = parse_turtle_dir(directory, base, problems)
    if problems:
        raise OntologyUnreadable("; ".join(f"{p.file}: {p.message}" for p in problems))
    merged = Graph()
    for graph in graphs.values():
        for prefix, ns in graph.namespaces():
            merged.bind(prefix, ns, override=False)
        merged += graph
    return merged


def _path_text(graph: Graph, path: Node, namer: _Namer) -> tuple[str, Ref | None, bool]:
    """A SHACL path as SPARQL path text, the single predicate it names (if it is one),
    and whether that predicate is followed backwards."""
    if isinstance(path, URIRef):
        return namer.curie(str(path)), namer.ref(path), False
    inverse = graph.value(path, URIRef(SH + "inversePath"))
    if inverse is not None:
        text, ref, _ = _path_text(graph, inverse, namer)
        return f"^{text}", ref if isinstance(inverse, URIRef) else None, True
    alternatives = graph.value(path, URIRef(SH + "alternativePath"))
    if alternatives is not None:
        parts = [_path_text(graph, p, namer)[0] for p in Collection(graph, alternatives)]
        return "(" + "|".join(parts) + ")", None, False
    for key, suffix in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"),
                        ("zeroOrOnePath", "?")):
        inner = graph.value(path, URIRef(SH + key))
        if inner is not None:
            return f"({_path_text(graph, inner, namer)[0]}){suffix}", None, False
    if graph.value(path, RDF.first) is not None:
        parts = [_path_text(graph, p, namer)[0] for p in Collection(graph, path)]
        return "/".join(parts), None, False
    return "?", None, False


def _value_text(node: Node, namer: _Namer) -> str:
    if isinstance(node, Literal):
        return f'"{node}"' if node.datatype is None or node.language else str(node)
    if isinstance(node, URIRef):
        return namer.curie(str(node))
    return "[]"


_SHOWN = {"path", "minCount", "maxCount", "class", "datatype", "pattern", "message",
          "name", "description", "order", "group", "severity", "deactivated"}


def _constraint(graph: Graph, node: Node, owner: Ref, namer: _Namer) -> Constraint:
    sh = _Sh(graph, node)
    path = graph.value(node, URIRef(SH + "path"))
    path_text, path_ref, inverse = _path_text(graph, path, namer) if path is not None \
        else ("?", None, False)
    classes = [namer.ref(c) for c in _iris(sh.all("class"))]
    datatypes = [namer.ref(d) for d in _iris(sh.all("datatype"))]
    others: list[tuple[str, str]] = []
    for alternatives in sh.all("or"):  # sh:or ( [ sh:datatype a ] [ sh:datatype b ] )
        for member in Collection(graph, alternatives):
            classes += [namer.ref(c) for c in _iris(graph.objects(member, URIRef(SH + "class")))]
            datatypes += [namer.ref(d) for d in
                          _iris(graph.objects(member, URIRef(SH + "datatype")))]
    for predicate, obj in sorted(graph.predicate_objects(node), key=lambda po: str(po[0])):
        name = str(predicate)[len(SH):] if str(predicate).startswith(SH) else None
        if name is None or name in _SHOWN or name == "or":
            continue
        if name in ("in", "languageIn") and isinstance(obj, BNode):
            value = ", ".join(_value_text(v, namer) for v in Collection(graph, obj))
        else:
            value = _value_text(obj, namer)
        others.append((name, value))
    pattern = sh.one("pattern")
    shape_ref = namer.ref(node) if isinstance(node, URIRef) else owner
    return Constraint(shape_ref, path_text, path_ref, inverse, _int(sh.one("minCount")),
                      _int(sh.one("maxCount")), tuple(classes), tuple(datatypes),
                      str(pattern) if pattern is not None else None, tuple(others),
                      literals(graph, node, URIRef(SH + "message")))


class _Sh:
    def __init__(self, graph: Graph, node: Node):
        self.graph, self.node = graph, node

    def one(self, name: str) -> Node | None:
        return self.graph.value(self.node, URIRef(SH + name))

    def all(self, name: str) -> list[Node]:
        return list(self.graph.objects(self.node, URIRef(SH + name)))


def _int(node: Node | None) -> int | None:
    try:
        return int(node) if isinstance(node, Literal) else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _sparql_paths(graph: Graph, check: Node, namer: _Namer) -> tuple[Ref, ...]:
    """The properties a SPARQL check names as its ``?path`` (``BIND(x AS ?path)``)."""
    select = graph.value(check, URIRef(SH + "select"))
    if select is None:
        return ()
    declared = {}
    for prefixes in graph.objects(check, URIRef(SH + "prefixes")):
        for declaration in graph.objects(prefixes, URIRef(SH + "declare")):
            prefix = graph.value(declaration, URIRef(SH + "prefix"))
            namespace = graph.value(declaration, URIRef(SH + "namespace"))
            if prefix is not None and namespace is not None:
                declared[str(prefix)] = str(namespace)
    refs = []
    for token in _BIND_PATH.findall(str(select)):
        if token.startswith("<"):
            iri = token[1:-1]
        else:
            prefix, _, local = token.partition(":")
            if prefix not in declared:
                continue
            iri = declared[prefix] + local
        refs.append(namer.ref(URIRef(iri)))
    return tuple(dict.fromkeys(refs))


def _shapes(shapes: Graph, namer: _Namer) -> tuple[list[NodeShape], list[SparqlCheck]]:
    node_shapes: list[NodeShape] = []
    subjects = set(shapes.subjects(RDF.type, URIRef(SH + "NodeShape")))
    for key in ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "property"):
        subjects |= {s for s in shapes.subjects(URIRef(SH + key), None)
                     if shapes.value(s, URIRef(SH + "path")) is None}
    for subject in sorted(subjects, key=str):
        ref = namer.ref(subject) if isinstance(subject, URIRef) else Ref(str(subject), "[]", None)
        constraints = tuple(sorted(
            (_constraint(shapes, p, ref, namer)
             for p in shapes.objects(subject, URIRef(SH + "property"))),
            key=lambda c: (c.path.lower(), c.shape.text, c.min_count or 0, c.max_count or 0,
                           c.message("en"))))
        node_shapes.append(NodeShape(
            ref, tuple(namer.ref(c) for c in _iris(shapes.objects(subject,
                                                                 URIRef(SH + "targetClass")))),
            tuple(namer.ref(p) for p in _iris(shapes.objects(subject,
                                                            URIRef(SH + "targetSubjectsOf")))),
            constraints, literals(shapes, subject, URIRef(SH + "message"))))
    checks = []
    for check in sorted(set(shapes.subjects(RDF.type, URIRef(SH + "SPARQLConstraint"))), key=str):
        ref = namer.ref(check) if isinstance(check, URIRef) else Ref(str(check), "[]", None)
        checks.append(SparqlCheck(ref, literals(shapes, check, URIRef(SH + "message")),
                                  _sparql_paths(shapes, check, namer)))
    return node_shapes, checks


def _closure(graph: Graph, start: URIRef, predicate: URIRef, forward: bool) -> list[URIRef]:
    """Every super (forward) or sub term reachable from ``start``, nearest first."""
    seen: list[URIRef] = []
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            nexts = graph.objects(node, predicate) if forward else graph.subjects(predicate, node)
            for n in _iris(nexts):
                if n != start and n not in seen:
                    seen.append(n)
                    following.append(n)
        frontier = following
    return seen


def build(settings: Settings, key: tuple[Any, ...] = ()) -> Documentation:
    """The documentation model from the ontology and shapes files (uncached)."""
    base = settings.base_iri
    ontology = _merge(settings.ontology_dir, base)
    shapes = _merge(settings.shapes_dir, base)
    vocab = Vocab(base)
    kg = vocab.kg_ns
    declared = {s for s in ontology.subjects(RDF.type, None)
                if isinstance(s, URIRef) and str(s).startswith(kg) and len(str(s)) > len(kg)}
    grouped = {s: g for s in declared if (g := _group(ontology, s)) is not None}
    locals_ = {str(s)[len(kg):] for s in grouped}
    namer = _Namer(base, ontology, locals_)
    node_shapes, checks = _shapes(shapes, namer)

    terms: dict[str, Term] = {}
    for subject in sorted(grouped, key=lambda s: (GROUPS.index(grouped[s]), str(s).lower())):
        ref = namer.ref(subject)
        term = Term(ref, grouped[subject], literals(ontology, subject, RDFS.label),
                    literals(ontology, subject, SKOS.definition) or
                    literals(ontology, subject, RDFS.comment))
        term.types = [namer.ref(t) for t in _iris(ontology.objects(subject, RDF.type))]
        term.cube_roles = [CUBE_ROLES[t.iri] for t in term.types if t.iri in CUBE_ROLES]
        hierarchy = RDFS.subClassOf if term.group == "classes" else RDFS.subPropertyOf
        term.supers = [namer.ref(s) for s in _iris(ontology.objects(subject, hierarchy))]
        term.subs = [namer.ref(s) for s in _iris(ontology.subjects(hierarchy, subject))]
        term.domains = [namer.ref(d) for d in _iris(ontology.objects(subject, RDFS.domain))]
        term.ranges = [namer.ref(r) for r in _iris(ontology.objects(subject, RDFS.range))]
        terms[ref.local or ""] = term

    for term in terms.values():
        subject = URIRef(term.iri)
        if term.group == "classes":
            term.as_domain = [namer.ref(p) for p in _iris(ontology.subjects(RDFS.domain, subject))]
            term.as_range = [namer.ref(p) for p in _iris(ontology.subjects(RDFS.range, subject))]
            term.closure = [term.iri] + [str(s) for s in
                                         _closure(ontology, subject, RDFS.subClassOf, False)]
            targets = [subject, *_closure(ontology, subject, RDFS.subClassOf, True)]
            for target in targets:
                for shape in node_shapes:
                    if any(c.iri == str(target) for c in shape.target_classes):
                        term.shapes.append(AppliedShape(
                            shape, None if target == subject else namer.ref(target)))
        elif term.group == "structures":
            term.components = _components(ontology, subject, namer)
        else:
            for shape in node_shapes:
                if any(p.iri == term.iri for p in shape.target_subjects_of):
                    term.subject_shapes.append(shape)
            term.path_constraints = _path_constraints(node_shapes, term.iri)
            term.sparql_checks = [c for c in checks if any(p.iri == term.iri for p in c.paths)]

    groups = {g: [t for t in terms.values() if t.group == g] for g in GROUPS}
    reserved = {"main", "toc", "intro", "vocabularies", "checks", *GROUPS}
    page_ids = {}
    for name in sorted(reserved - {"main"}):
        page_id = name
        while page_id in terms:  # a term's local name always keeps its own anchor
            page_id += "-section"
        page_ids[name] = page_id
    root = URIRef(kg)
    licence = ontology.value(root, DCT.license)
    version = ontology.value(root, OWL.versionInfo)
    return Documentation(
        key=key, base=base, namespace=kg, titles=literals(ontology, root, DCT.title),
        descriptions=literals(ontology, root, DCT.description),
        version=str(version) if version is not None else None,
        licence=str(licence) if licence is not None else None,
        see_also=[str(s) for s in _iris(ontology.objects(root, RDFS.seeAlso))],
        terms=terms, groups=groups, reuse=_reuse(ontology, terms, namer), checks=checks,
        page_ids=page_ids)


def _path_constraints(shapes: list[NodeShape], iri: str) -> list[PathConstraint]:
    """The constraints on the path ``iri``; a named property shape shared by several
    node shapes is listed once, with all of them."""
    found: dict[object, tuple[Constraint, list[NodeShape]]] = {}
    for shape in shapes:
        for constraint in shape.constraints:
            if constraint.path_ref is None or constraint.path_ref.iri != iri:
                continue
            shared = constraint.shape.iri != shape.ref.iri
            key: object = constraint.shape.iri if shared else id(constraint)
            found.setdefault(key, (constraint, []))[1].append(shape)
    return [PathConstraint(constraint, tuple(users)) for constraint, users in found.values()]


def _components(graph: Graph, dsd: URIRef, namer: _Namer) -> list[Component]:
    components = []
    for node in graph.objects(dsd, QB.component):
        for role in ("dimension", "measure", "attribute"):
            prop = graph.value(node, QB[role])
            if prop is None:
                continue
            order = graph.value(node, QB.order)
            required = graph.value(node, QB.componentRequired)
            attachment = graph.value(node, QB.componentAttachment)
            components.append(Component(
                role, namer.ref(prop), _int(order),
                role != "attribute" or required is None or bool(required.toPython()),
                namer.ref(attachment) if attachment is not None else None))
    rank = {"dimension": 0, "measure": 1, "attribute": 2}
    components.sort(key=lambda c: (rank[c.role], c.order if c.order is not None else 999,
                                   c.prop.text))
    return components


def _reuse(graph: Graph, terms: dict[str, Term], namer: _Namer) -> list[Reuse]:
    """The standard vocabularies the ontology builds on: the external terms it
    specialises (with the kg: terms that do), and those it refers to otherwise."""
    specialised: dict[str, dict[str, list[Ref]]] = {}
    referenced: dict[str, dict[str, Ref]] = {}

    def prefix_of(ref: Ref) -> str | None:
        prefix = ref.text.partition(":")[0] if ":" in ref.text and ref.local is None else None
        return prefix if prefix not in (None, "kg", "kgsh", "http", "https") else None

    for term in terms.values():
        for sup in term.supers:
            if (prefix := prefix_of(sup)) is not None:
                specialised.setdefault(prefix, {}).setdefault(sup.text, [sup]).append(term.ref)
        others = [*term.domains, *term.ranges, *term.types, *(c.prop for c in term.components)]
        for ref in others:
            if (prefix := prefix_of(ref)) is not None and prefix not in BUILT_IN:
                referenced.setdefault(prefix, {})[ref.text] = ref
    out = []
    for prefix in sorted(set(specialised) | set(referenced)):
        special = specialised.get(prefix, {})
        pairs = tuple((refs[0], tuple(refs[1:])) for _, refs in sorted(special.items()))
        special_iris = {refs[0].iri for refs in special.values()}
        extra = tuple(r for _, r in sorted(referenced.get(prefix, {}).items())
                      if r.iri not in special_iris)
        out.append(Reuse(prefix, VOCABULARY_NAMES.get(prefix, prefix),
                         namer.vocab.prefixes.get(prefix, ""), pairs, extra))
    out.sort(key=lambda r: (not r.specialised, r.prefix))
    return out


# ------------------------------------------------------------------ caches


_lock = threading.Lock()
_docs: dict[tuple[str, str, str], Documentation] = {}
_graphs: dict[tuple[Any, ...], Graph] = {}
_serialized: dict[tuple[Any, ...], bytes] = {}
_examples: dict[tuple[Any, ...], Examples] = {}
_anchors: dict[str, tuple[tuple[Any, ...], frozenset[str]]] = {}
ANCHOR_BASE = "http://kiezgraph.invalid"  # any base: local names do not depend on it


def _key(settings: Settings) -> tuple[Any, ...]:
    return (settings.base_iri, _files(settings.ontology_dir, settings.shapes_dir))


def files_version(settings: Settings) -> str:
    """Changes whenever an ontology or shapes file does (part of the page's ETag)."""
    return repr(_key(settings))


def documentation(settings: Settings) -> Documentation:
    """The model for these settings; rebuilt only when an ontology or shapes file changed."""
    slot = (settings.base_iri, str(settings.ontology_dir), str(settings.shapes_dir))
    key = _key(settings)
    docs = _docs.get(slot)
    if docs is not None and docs.key == key:
        return docs
    with _lock:
        docs = _docs.get(slot)
        if docs is None or docs.key != key:
            docs = _docs[slot] = build(settings, key)
        return docs


def ontology_graph(settings: Settings) -> Graph:
    """The ontology files' graph, parsed with the deployment's base, prefixes bound."""
    key = (settings.base_iri, _files(settings.ontology_dir))
    slot = (settings.base_iri, str(settings.ontology_dir))
    cached = _graphs.get(slot)
    if cached is not None and getattr(cached, "_kiezgraph_key", None) == key:
        return cached
    graph = _merge(settings.ontology_dir, settings.base_iri)
    for prefix, ns in Vocab(settings.base_iri).prefixes.items():
        graph.bind(prefix, ns, override=True, replace=True)
    graph._kiezgraph_key = key  # type: ignore[attr-defined]
    with _lock:
        _graphs[slot] = graph
    return graph


def serialized(settings: Settings, rdflib_format: str) -> bytes:
    """The ontology graph in one RDF syntax, cached like the graph."""
    graph = ontology_graph(settings)
    key = (getattr(graph, "_kiezgraph_key", None), str(settings.ontology_dir), rdflib_format)
    body = _serialized.get(key)
    if body is None:
        body = graph.serialize(format=rdflib_format, encoding="utf-8")
        with _lock:
            if len(_serialized) > 32:
                _serialized.clear()
            _serialized[key] = body
    return body


def term_anchor(local_name: str, ontology_dir: Path | None = None) -> str | None:
    """``/def/#<local_name>`` when the ontology documents that term, else None.

    ``ontology_dir`` defaults to the project's ontology/ (the settings' default); pass
    ``settings.ontology_dir`` when a deployment keeps its ontology elsewhere."""
    directory = ontology_dir or PROJECT_ROOT / "ontology"
    stamp = _files(directory)
    cached = _anchors.get(str(directory))
    if cached is None or cached[0] != stamp:
        graph = _merge(directory, ANCHOR_BASE)
        kg = Vocab(ANCHOR_BASE).kg_ns
        names = frozenset(str(s)[len(kg):] for s in set(graph.subjects(RDF.type, None))
                          if isinstance(s, URIRef) and str(s).startswith(kg)
                          and len(str(s)) > len(kg) and _group(graph, s) is not None)
        cached = _anchors[str(directory)] = (stamp, names)
    return f"/def/#{local_name}" if local_name in cached[1] else None


# ------------------------------------------------------------------ examples from the data


@dataclass(frozen=True)
class Example:
    iri: str
    href: str | None
    labels: dict[str, str]

    def label(self, lang: str) -> str:
        return pick(self.labels, lang) or (self.href or self.iri)


@dataclass
class Examples:
    release: str
    counts: dict[str, int]  # term IRI -> instances (class) or triples (property), datasets (DSD)
    examples: dict[str, list[Example]]

    def count(self, term: Term) -> int:
        return self.counts.get(term.iri, 0)

    def of(self, term: Term) -> list[Example]:
        return self.examples.get(term.iri, [])


def _select(backend: Any, query: str) -> list[dict[str, str]]:
    answer = backend.query(Job(query, "json"))
    rows = json.loads(answer.read_all())["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in iris)


_NAME_VALUES = " ".join(f"<{p}>" for p in NAME_PROPERTIES[:4])
NAMED_CANDIDATES = 200  # subjects looked at for a name, so that large sets stay cheap


def _example_branch(term: Term, pattern: str, named: bool) -> str:
    """A subquery for up to EXAMPLE_LIMIT subjects of ``pattern``; with ``named``, only
    subjects that have a name, among the first NAMED_CANDIDATES."""
    if named:
        pattern = (f"{{ SELECT DISTINCT ?s WHERE {{ {pattern} FILTER(isIRI(?s)) }} "
                   f"LIMIT {NAMED_CANDIDATES} }} "
                   f"FILTER EXISTS {{ VALUES ?np {{ {_NAME_VALUES} }} ?s ?np ?name }}")
    return (f"{{ SELECT DISTINCT ?s (<{term.iri}> AS ?t) WHERE {{ {pattern} "
            f"FILTER(isIRI(?s)) }} LIMIT {EXAMPLE_LIMIT} }}")


def collect_examples(backend: Any, docs: Documentation, release: str) -> Examples:
    """Counts and examples of every term from the store (a handful of queries)."""
    classes, structures = docs.groups["classes"], docs.groups["structures"]
    properties = docs.groups["object-properties"] + docs.groups["datatype-properties"]
    counts: dict[str, int] = {}
    examples: dict[str, list[Example]] = {}
    if classes:
        pairs = " ".join(f"(<{c.iri}> <{sub}>)" for c in classes for sub in c.closure)
        for row in _select(backend, f"SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE {{ "
                                    f"VALUES (?t ?c) {{ {pairs} }} ?s a ?c }} GROUP BY ?t"):
            counts[row["t"]] = int(row["n"])
    if properties:
        for row in _select(backend, f"SELECT ?t (COUNT(*) AS ?n) WHERE {{ VALUES ?t "
                                    f"{{ {_values(p.iri for p in properties)} }} ?s ?t ?o }} "
                                    "GROUP BY ?t"):
            counts[row["t"]] = int(row["n"])
    patterns = {c.iri: f"VALUES ?c {{ {_values(c.closure)} }} ?s a ?c" for c in classes}
    patterns.update({p.iri: f"?s <{p.iri}> ?o" for p in properties})
    if structures:
        qb = str(QB)
        for row in _select(backend, f"SELECT ?t (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?t "
                                    f"{{ {_values(d.iri for d in structures)} }} "
                                    f"?s <{qb}structure> ?t }} GROUP BY ?t"):
            counts[row["t"]] = int(row["n"])
        patterns.update({d.iri: f"?s <{qb}structure> <{d.iri}>" for d in structures})
    terms = [t for t in (*classes, *properties, *structures) if counts.get(t.iri)]
    # Named examples first (they read better); the rest only where too few have a name.
    found = _examples_of(backend, terms, patterns, named=True)
    wanting = [t for t in terms
               if sum(1 for i, _ in found if i == t.iri) < min(EXAMPLE_LIMIT, counts[t.iri])]
    taken = set(found)
    found += [f for f in _examples_of(backend, wanting, patterns, named=False) if f not in taken]
    labels: dict[str, dict[str, dict[str, str]]] = {}
    subjects = sorted({s for _, s in found})
    if subjects:
        query = (f"SELECT ?s ?p ?l ?lang WHERE {{ VALUES ?s {{ {_values(subjects)} }} "
                 f"VALUES ?p {{ {_values(NAME_PROPERTIES)} }} ?s ?p ?l "
                 "FILTER(isLiteral(?l)) BIND(LANG(?l) AS ?lang) }")
        for row in _select(backend, query):
            labels.setdefault(row["s"], {}).setdefault(row["p"], {})
            labels[row["s"]][row["p"]].setdefault(_lang_of(row), row["l"])
    for term_iri, subject in found:
        by_property = labels.get(subject, {})
        names = next((by_property[p] for p in NAME_PROPERTIES if p in by_property), {})
        examples.setdefault(term_iri, []).append(
            Example(subject, link(subject, docs.base), names))
    for items in examples.values():
        items.sort(key=lambda e: (not e.labels, e.iri))
        del items[EXAMPLE_LIMIT:]
    return Examples(release, counts, examples)


def _examples_of(backend: Any, terms: list[Term], patterns: dict[str, str],
                 named: bool) -> list[tuple[str, str]]:
    if not terms:
        return []
    branches = [_example_branch(t, patterns[t.iri], named) for t in terms]
    rows = _select(backend, "SELECT ?t ?s WHERE { " + " UNION ".join(branches) + " }")
    return [(r["t"], r["s"]) for r in rows]


def _lang_of(row: dict[str, str]) -> str:
    return row.get("lang", "")


def examples(backend: Any, docs: Documentation) -> Examples:
    """Counts and examples for the release being served, cached per release id."""
    release = backend.release_id()
    key = (docs.key, release)
    cached = _examples.get(key)
    if cached is not None:
        return cached
    found = collect_examples(backend, docs, release)
    with _lock:
        _examples.clear()  # one release (and one set of files) at a time
        _examples[key] = found
    return found
