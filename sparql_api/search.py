"""Label search over every resource of the current release, and "did you mean" suggestions.

pyoxigraph has no full-text index, so a small in-memory inverted index is built from the
store by SPARQL (the same on the embedded and a remote backend) the first time it is
needed, and again whenever the release changes. It holds every IRI under ``{base}/id/``
and ``{base}/def/`` that has a label (skos:prefLabel, skos:altLabel, rdfs:label,
schema:name, dct:title or skos:notation, any language), with its types; geometry nodes
and Data Cube observations are left out.

Text is folded the same way for labels and queries: casefold (so "ß" becomes "ss"),
Unicode NFKD with the combining marks removed ("Neukolln" finds "Neukölln"), split on
anything that is not a letter or digit. Labels are also indexed in the German
transliteration ("ö" -> "oe"), so "Neukoelln" finds "Neukölln" too. A label matches when
every query token is a prefix of one of its tokens; results rank exact label matches
before labels that contain every query token as a whole word, before prefix matches;
then the shorter label; then the IRI.
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ingest.store import select

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL_PROPERTIES = {  # property -> (short name, display priority: lower is preferred)
    f"{SKOS}prefLabel": ("skos:prefLabel", 0),
    f"{RDFS}label": ("rdfs:label", 1),
    "https://schema.org/name": ("schema:name", 2),
    "http://purl.org/dc/terms/title": ("dct:title", 3),
    f"{SKOS}altLabel": ("skos:altLabel", 4),
    f"{SKOS}notation": ("skos:notation", 5),
}
EXCLUDED_TYPES = frozenset({  # large, label-less node kinds that are never search results
    "http://www.opengis.net/ont/geosparql#Geometry",
    "http://purl.org/linked-data/cube#Observation",
})
PREFIXES = {  # for short type names of types outside the Kiezgraph vocabulary
    "skos": SKOS, "owl": "http://www.w3.org/2002/07/owl#", "rdfs": RDFS,
    "org": "http://www.w3.org/ns/org#", "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/", "qb": "http://purl.org/linked-data/cube#",
    "geo": "http://www.opengis.net/ont/geosparql#", "sh": "http://www.w3.org/ns/shacl#",
    "dcat": "http://www.w3.org/ns/dcat#", "void": "http://rdfs.org/ns/void#",
    "foaf": "http://xmlns.com/foaf/0.1/", "dct": "http://purl.org/dc/terms/",
}
EXTERNAL_TYPE_LABELS = {  # labels of common types the store does not describe: (de, en);
    # pages also name things without a label of their own by them
    "skos:Concept": ("Begriff", "concept"),
    "skos:ConceptScheme": ("Begriffssystem", "concept scheme"),
    "owl:Class": ("Klasse", "class"),
    "owl:ObjectProperty": ("Objekteigenschaft", "object property"),
    "owl:DatatypeProperty": ("Dateneigenschaft", "datatype property"),
    "owl:Ontology": ("Ontologie", "ontology"),
    "org:Organization": ("Organisation", "organisation"),
    "org:OrganizationalUnit": ("Organisationseinheit", "organisational unit"),
    "prov:Entity": ("Entität (PROV)", "entity (PROV)"),
    "prov:Activity": ("Aktivität (PROV)", "activity (PROV)"),
    "prov:SoftwareAgent": ("Software-Agent", "software agent"),
    "schema:Legislation": ("Rechtsvorschrift", "legislation"),
    "schema:Place": ("Ort", "place"),
    "qb:DataSet": ("Datenwürfel", "data set (cube)"),
    "qb:DataStructureDefinition": ("Datenstrukturdefinition", "data structure definition"),
    "qb:DimensionProperty": ("Dimension", "dimension property"),
    "qb:MeasureProperty": ("Messgröße", "measure property"),
    "qb:AttributeProperty": ("Attribut", "attribute property"),
    "qb:CodedProperty": ("Kodierte Eigenschaft", "coded property"),
    "qb:Observation": ("Beobachtung", "observation"),
    "geo:Geometry": ("Geometrie", "geometry"),
    "foaf:Document": ("Dokument", "document"),
    "foaf:Agent": ("Akteur", "agent"),
}
EXACT, WORDS, PREFIX = 0, 1, 2
MATCH_NAMES = ("exact", "words", "prefix")
MAX_QUERY_TOKENS = 16
SUGGEST_CUTOFF = 0.72
SUGGEST_MAX_KEY = 80

_TOKEN = re.compile(r"[^\W_]+")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Casefolded ("ß" -> "ss"), NFKD without combining marks: "Neukölln" -> "neukolln"."""
    return _strip_marks(unicodedata.normalize("NFC", text).casefold())


def fold_german(text: str) -> str:
    """Like ``fold`` but with German umlauts transliterated: "Neukölln" -> "neukoelln"."""
    return _strip_marks(unicodedata.normalize("NFC", text).casefold().translate(_GERMAN))


def tokens(text: str) -> list[str]:
    """The search tokens of ``text`` (folded, split on non-alphanumerics)."""
    return _TOKEN.findall(fold(text))


@dataclass(frozen=True)
class Label:
    text: str
    lang: str | None
    property: str  # short name, e.g. skos:prefLabel
    priority: int
    resource: int  # index into SearchIndex.resources
    words: frozenset[str]  # tokens of both foldings
    phrases: frozenset[str]  # the whole label's tokens joined by spaces, both foldings


@dataclass
class Resource:
    uri: str
    types: tuple[str, ...] = ()
    labels: list[Label] = field(default_factory=list)

    def display(self, lang: str) -> Label:
        """The label to show a reader of ``lang``: by property, then language."""
        def key(label: Label) -> tuple[int, int, int]:
            rank = 0 if label.lang == lang else 1 if not label.lang else 2
            return label.priority, rank, len(label.text)
        return min(self.labels, key=key)


@dataclass(frozen=True)
class TypeInfo:
    uri: str
    name: str  # the value of ?type=: local name in the Kiezgraph vocabulary, else a CURIE
    labels: dict[str, str]  # language -> label
    count: int

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("") or next(
            iter(self.labels.values()), self.name)


@dataclass(frozen=True)
class Hit:
    resource: Resource
    matched: Label
    match: int  # EXACT, WORDS or PREFIX

    def key(self) -> tuple[int, int, str]:
        return self.match, len(self.matched.text), self.resource.uri


@dataclass
class SearchIndex:
    release_id: str
    base: str
    resources: list[Resource]
    labels: list[Label]
    postings: dict[str, list[int]]  # token -> label ids
    vocabulary: list[str]  # the tokens, sorted, for prefix lookups
    types: dict[str, TypeInfo]  # by uri
    type_names: dict[str, str]  # name -> uri
    suggest_keys: list[tuple[str, int, int]]  # (folded key, resource id, 0 slug / 1 label)
    suggest_exact: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def resolve_type(self, value: str) -> TypeInfo | None:
        """A type by its name (``QMArea``, ``skos:Concept``) or full IRI."""
        uri = self.type_names.get(value, value)
        return self.types.get(uri)

    def _prefixed(self, token: str) -> set[int]:
        found: set[int] = set()
        start = bisect.bisect_left(self.vocabulary, token)
        for word in self.vocabulary[start:]:
            if not word.startswith(token):
                break
            found.update(self.postings[word])
        return found

    def search(self, text: str, type_uri: str | None = None) -> list[Hit]:
        """Every resource with a label matching ``text``, best first (see module doc)."""
        query = tokens(text)[:MAX_QUERY_TOKENS]
        if not query:
            return []
        candidates: set[int] | None = None
        for token in sorted(set(query), key=len, reverse=True):  # longest: fewest matches
            ids = self._prefixed(token)
            candidates = ids if candidates is None else candidates & ids
            if not candidates:
                return []
        phrase = " ".join(query)
        best: dict[int, Hit] = {}
        for label_id in candidates or ():
            label = self.labels[label_id]
            resource = self.resources[label.resource]
            if type_uri is not None and type_uri not in resource.types:
                continue
            match = EXACT if phrase in label.phrases else \
                WORDS if all(t in label.words for t in query) else PREFIX
            hit = Hit(resource, label, match)
            old = best.get(label.resource)
            if old is None or (hit.key(), label.priority) < (old.key(), old.matched.priority):
                best[label.resource] = hit
        return sorted(best.values(), key=Hit.key)


def _short_type_name(uri: str, base: str) -> str:
    vocabulary = f"{base}/def/"
    if uri.startswith(vocabulary) and "/" not in uri[len(vocabulary):]:
        return uri[len(vocabulary):]
    for prefix, namespace in PREFIXES.items():
        if uri.startswith(namespace):
            return f"{prefix}:{uri[len(namespace):]}"
    return uri



def _suggest_key(text: str, german: bool = False) -> str:
    return "".join(_TOKEN.findall(fold_german(text) if german else fold(text)))


def _query_store(backend: Any, base: str) -> tuple[list[Any], list[Any], list[Any]]:
    """Label rows, type rows and type label rows of the current release."""
    under = (f"(STRSTARTS(STR(?s), {json.dumps(base + '/id/')}) || "
             f"STRSTARTS(STR(?s), {json.dumps(base + '/def/')}))")
    properties = " ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    label_rows = select(backend, f"""
        SELECT DISTINCT ?s ?p ?o WHERE {{
          VALUES ?p {{ {properties} }}
          ?s ?p ?o . FILTER(isIRI(?s) && isLiteral(?o) && {under})
        }}""")
    type_rows = select(backend, f"""
        SELECT DISTINCT ?s ?t WHERE {{ ?s a ?t . FILTER(isIRI(?s) && isIRI(?t) && {under}) }}""")
    type_label_rows = select(backend, f"""
        SELECT DISTINCT ?t ?l WHERE {{
          {{ SELECT DISTINCT ?t WHERE {{ ?s a ?t }} }}
          VALUES ?p {{ <{RDFS}label> <{SKOS}prefLabel> }}
          ?t ?p ?l . FILTER(isLiteral(?l))
        }}""")
    return label_rows, type_rows, type_label_rows


def _labelled(label_rows: list[Any], type_rows: list[Any]
              ) -> tuple[list[Resource], list[tuple[int, str, str | None, str]]]:
    """The resources (sorted by IRI) and their distinct (resource, text, lang, property)."""
    types_of: dict[str, set[str]] = {}
    for row in type_rows:
        types_of.setdefault(row["s"]["value"], set()).add(row["t"]["value"])
    values: dict[str, set[tuple[str, str | None, str]]] = {}
    for row in label_rows:
        uri, text = row["s"]["value"], row["o"]["value"].strip()
        if text and not types_of.get(uri, set()) & EXCLUDED_TYPES:
            values.setdefault(uri, set()).add((text, row["o"].get("xml:lang") or None,
                                               row["p"]["value"]))
    resources = [Resource(uri, tuple(sorted(types_of.get(uri, ())))) for uri in sorted(values)]
    raw = [(number, text, lang, prop) for number, resource in enumerate(resources)
           for text, lang, prop in sorted(values[resource.uri], key=str)]
    return resources, raw


def _type_infos(resources: list[Resource], type_label_rows: list[Any], base: str
                ) -> dict[str, TypeInfo]:
    type_labels: dict[str, dict[str, str]] = {}
    for row in type_label_rows:
        lang = row["l"].get("xml:lang") or ""
        type_labels.setdefault(row["t"]["value"], {}).setdefault(lang, row["l"]["value"])
    counts: dict[str, int] = {}
    for resource in resources:
        for type_uri in resource.types:
            counts[type_uri] = counts.get(type_uri, 0) + 1
    types: dict[str, TypeInfo] = {}
    for type_uri, count in counts.items():
        name = _short_type_name(type_uri, base)
        known = type_labels.get(type_uri)
        if not known and name in EXTERNAL_TYPE_LABELS:
            de, en = EXTERNAL_TYPE_LABELS[name]
            known = {"de": de, "en": en}
        types[type_uri] = TypeInfo(type_uri, name, known or {"": name}, count)
    return types


def _suggest_keys(resources: list[Resource]) -> list[tuple[str, int, int]]:
    """(folded key, resource number, 0 for the IRI's slug / 1 for a label) for each
    resource's slug and labels (not notations)."""
    notation = LABEL_PROPERTIES[f"{SKOS}notation"][1]
    keys: set[tuple[str, int, int]] = set()
    for number, resource in enumerate(resources):
        keys.add((_suggest_key(resource.uri.rstrip("/").rsplit("/", 1)[-1]), number, 0))
        for label in resource.labels:
            if label.priority < notation:
                keys |= {(_suggest_key(label.text), number, 1),
                         (_suggest_key(label.text, True), number, 1)}
    return sorted(k for k in keys if 0 < len(k[0]) <= SUGGEST_MAX_KEY)


def build_index(backend: Any, base: str) -> SearchIndex:
    """Read labels and types from the store and index them (a few thousand labels: the
    three queries and the indexing take well under a second)."""
    release_id = backend.release_id()
    label_rows, type_rows, type_label_rows = _query_store(backend, base)
    resources, raw = _labelled(label_rows, type_rows)
    labels: list[Label] = []
    postings: dict[str, list[int]] = {}
    for number, text, lang, prop in raw:
        plain = _TOKEN.findall(fold(text))
        german = _TOKEN.findall(fold_german(text))
        short, priority = LABEL_PROPERTIES[prop]
        label = Label(text, lang, short, priority, number, frozenset(plain) | frozenset(german),
                      frozenset({" ".join(plain), " ".join(german)}))
        for word in label.words:
            postings.setdefault(word, []).append(len(labels))
        labels.append(label)
        resources[number].labels.append(label)
    types = _type_infos(resources, type_label_rows, base)
    suggest_keys = _suggest_keys(resources)
    exact: dict[str, list[tuple[int, int]]] = {}
    for key, number, kind in suggest_keys:
        exact.setdefault(key, []).append((number, kind))
    return SearchIndex(release_id, base, resources, labels, postings, sorted(postings), types,
                       {t.name: t.uri for t in types.values()}, suggest_keys, exact)


def suggest(index: SearchIndex, text: str, limit: int = 5, lang: str = "de"
            ) -> list[dict[str, Any]]:
    """Known resources whose slug or label is close to ``text`` (the slug of an unknown URI,
    e.g. "badstrase", or a whole path), best first, as ``{"uri", "label", "lang",
    "score"}``. difflib on folded keys, with length and quick-ratio filters first, so it
    stays at a few milliseconds for ~10k keys."""
    segment = text.strip().rstrip("/").rsplit("/", 1)[-1]
    query = _suggest_key(segment)[:SUGGEST_MAX_KEY]
    if not query or limit < 1:
        return []
    scores: dict[int, tuple[float, int]] = {}  # resource -> (ratio, 0 slug / 1 label)
    for number, kind in index.suggest_exact.get(query, ()):
        scores[number] = max(scores.get(number, (0.0, 1)), (1.0, -kind))
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(query)
    slack = max(3, len(query) // 2)
    for key, number, kind in index.suggest_keys:
        if abs(len(key) - len(query)) > slack or scores.get(number, (0.0, 0))[0] >= 1:
            continue
        matcher.set_seq1(key)
        if matcher.real_quick_ratio() < SUGGEST_CUTOFF or matcher.quick_ratio() < SUGGEST_CUTOFF:
            continue
        score = (matcher.ratio(), -kind)
        if score[0] >= SUGGEST_CUTOFF and score > scores.get(number, (0.0, -1)):
            scores[number] = score
    # best ratio first; on a tie a match on the IRI's slug before one on a label
    ranked = sorted(scores.items(), key=lambda item: (
        -item[1][0], -item[1][1], len(index.resources[item[0]].display(lang).text),
        index.resources[item[0]].uri))
    found = []
    for number, (score, _) in ranked[:limit]:
        resource = index.resources[number]
        label = resource.display(lang)
        found.append({"uri": resource.uri, "label": label.text, "lang": label.lang,
                      "score": round(score, 3)})
    return found
