"""Map curated records to RDF: one rdflib Graph per data file, plus one for sources.

Pure functions of the records and the base IRI: no I/O. Every problem (a bad cell,
an unknown or ambiguous reference, a duplicate id) is collected with its file, line
and field, so that a maintainer sees all of them at once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import Problem
from .iris import Minter, is_slug
from .records import Record
from .tables import LIST_SEPARATOR, TABLES, TABLES_BY_NAME, Column, Table
from .values import (
    CellError,
    is_url,
    parse_boolean,
    parse_date,
    parse_decimal,
    parse_integer,
    parse_url,
    parse_year,
)
from .vocab import DCT, Vocab

EDITORIAL = "kiezgraph:editorial"
SOURCES_GRAPH = "sources"
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    table: Table
    ident: str


@dataclass
class Mapped:
    """The mapped data: graphs by name, and where each subject was written."""

    graphs: dict[str, Graph] = field(default_factory=dict)
    locations: dict[URIRef, Location] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _Index:
    """Every record's IRI by table and id (concepts by scheme and id)."""

    def __init__(self, minter: Minter, problems: list[Problem]):
        self.minter = minter
        self.problems = problems
        self.by_table: dict[str, dict[str, tuple[URIRef, Record]]] = {t.name: {} for t in TABLES}
        self.concepts: dict[tuple[str, str], tuple[URIRef, Record]] = {}

    def add(self, rec: Record) -> URIRef | None:
        ident = rec.values["id"]
        if not is_slug(ident):
            self._problem(rec, "id", f"id '{ident}' is not a slug",
                          "use lowercase a-z, 0-9 and single hyphens, e.g. 'koernerpark'")
            return None
        table = rec.table
        if table.name == "concepts":
            scheme = rec.values["scheme"]
            if not is_slug(scheme):
                return None  # reported when the scheme reference is resolved
            key: tuple[str, str] = (scheme, ident)
            seen = self.concepts.get(key)
            iri = self.minter.thing(scheme, ident)
        else:
            seen = self.by_table[table.name].get(ident)
            iri = self.minter.thing(table.segment, ident)
        if seen is not None:
            self._problem(rec, "id", f"duplicate id '{ident}' (first defined at {seen[1].where()})",
                          "give each record its own id, or merge the two rows")
            return None
        if table.name == "concepts":
            self.concepts[key] = (iri, rec)
        else:
            self.by_table[table.name][ident] = (iri, rec)
        return iri

    def _problem(self, rec: Record, fld: str | None, rule: str, fix: str) -> None:
        self.problems.append(Problem(rec.file.name, rec.line, fld, rule, fix, rec.values.get("id")))


class _Mapper:
    def __init__(self, vocab: Vocab, records: list[Record]):
        self.vocab = vocab
        self.minter = Minter(vocab.base)
        self.out = Mapped()
        self.index = _Index(self.minter, self.out.problems)
        self.records = records
        self.sources = Graph()
        segments = {t.segment for t in TABLES}
        for rec in records:
            iri = self.index.add(rec)
            if iri is not None:
                self.out.locations[iri] = Location(rec.file.name, rec.line, rec.table, rec.ident)
        for (scheme, _), (_, rec) in self.index.concepts.items():
            if scheme in segments:
                self._problem(rec, "scheme", f"scheme id '{scheme}' collides with an IRI segment",
                              "rename the scheme")

    def run(self) -> Mapped:
        for rec in self.records:
            iri = self._iri_of(rec)
            if iri is None:
                continue
            graph = self.out.graphs.setdefault(rec.file.stem, Graph())
            self._map_record(rec, iri, graph)
        self.out.graphs[SOURCES_GRAPH] = self.sources
        return self.out

    def _iri_of(self, rec: Record) -> URIRef | None:
        if rec.table.name == "concepts":
            found = self.index.concepts.get((rec.values["scheme"], rec.ident))
        else:
            found = self.index.by_table[rec.table.name].get(rec.ident)
        return found[0] if found and found[1] is rec else None

    def _map_record(self, rec: Record, iri: URIRef, graph: Graph) -> None:
        table = rec.table
        graph.add((iri, RDF.type, self.vocab.iri(table.cls)))
        for column in table.columns:
            raw = rec.values[column.name]
            if not raw:
                if column.required:
                    self._problem(rec, column.name, "a required value is missing",
                                  f"fill in '{column.name}' ({column.kind})")
                continue
            cells = raw.split(LIST_SEPARATOR) if column.multi else [raw]
            for cell in (c.strip() for c in cells):
                term = self._term(rec, column, cell)
                if term is not None:
                    self._state(graph, iri, column, term)
                    if column.name == table.type_column and cell in table.type_map:
                        graph.add((iri, RDF.type, self.vocab.iri(table.type_map[cell])))
        self._map_sources(rec, iri, graph)

    def _state(self, graph: Graph, iri: URIRef, column: Column, term: Node) -> None:
        predicate = self.vocab.iri(column.predicate)
        if column.reverse:
            graph.add((term, predicate, iri))
        else:
            graph.add((iri, predicate, term))
        if column.inverse:
            graph.add((term, self.vocab.iri(column.inverse), iri))

    def _term(self, rec: Record, column: Column, cell: str) -> Node | None:
        parsers: dict[str, Callable[[str], Node | None]] = {
            "date": parse_date, "year": parse_year, "decimal": parse_decimal,
            "integer": parse_integer, "boolean": parse_boolean, "url": parse_url,
        }
        try:
            if column.kind == "text":
                return Literal(cell, lang=column.lang)
            if column.kind in parsers:
                return parsers[column.kind](cell)
            if column.kind == "ref":
                return self._ref(rec, column, cell)
            if column.kind == "concept":
                return self._concept(rec, column, cell)
            if column.kind == "term":
                if not _NCNAME.match(cell):
                    raise CellError(f"'{cell}' is not a term name", "write a kg: local name")
                return self.vocab.kg[cell]
        except CellError as err:
            self._problem(rec, column.name, err.rule, err.fix)
            return None
        raise AssertionError(f"unhandled kind {column.kind}")  # pragma: no cover

    def _ref(self, rec: Record, column: Column, cell: str) -> URIRef:
        if "/" in cell and "concepts" in column.targets:
            scheme, _, ident = cell.partition("/")
            return self._lookup_concept(scheme, ident, cell)
        table_name, sep, ident = cell.rpartition(":")
        targets = (table_name,) if sep else column.targets
        if sep and table_name not in column.targets:
            raise CellError(f"'{cell}' names table '{table_name}', which this field cannot "
                            "point to", f"point to one of: {', '.join(column.targets)}")
        found = [self.index.by_table[t][ident][0] for t in targets
                 if t != "concepts" and ident in self.index.by_table[t]]
        if len(found) > 1:
            raise CellError(f"'{ident}' exists in several tables",
                            "write table:id to say which one is meant")
        if not found:
            known = [i for t in targets if t != "concepts" for i in self.index.by_table[t]]
            close = difflib.get_close_matches(ident, known, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else \
                f"add a record with this id to {' or '.join(targets)}"
            raise CellError(f"unknown reference '{cell}': no {'/'.join(targets)} record has "
                            "this id", hint)
        return found[0]

    def _concept(self, rec: Record, column: Column, cell: str) -> URIRef:
        if column.scheme is None:
            scheme, _, ident = cell.partition("/")
            return self._lookup_concept(scheme, ident, cell)
        return self._lookup_concept(column.scheme, cell, cell)

    def _lookup_concept(self, scheme: str, ident: str, cell: str) -> URIRef:
        found = self.index.concepts.get((scheme, ident))
        if found:
            return found[0]
        in_scheme = [i for (s, i) in self.index.concepts if s == scheme]
        if not in_scheme:
            raise CellError(f"unknown concept scheme '{scheme}' in '{cell}'",
                            "add the scheme to schemes.csv and its concepts to concepts.csv")
        close = difflib.get_close_matches(ident, in_scheme, n=3)
        raise CellError(f"'{ident}' is not a concept of scheme '{scheme}'",
                        f"use one of: {', '.join(close or sorted(in_scheme))}")

    def _map_sources(self, rec: Record, iri: URIRef, graph: Graph) -> None:
        raw = rec.values["sources"]
        cells = [c.strip() for c in raw.split(LIST_SEPARATOR) if c.strip()]
        if not cells:
            self._problem(rec, "sources", "every record needs at least one source",
                          "copy the URL or citation that the fact comes from")
        for cell in cells:
            graph.add((iri, DCT.source, self._source(cell)))

    def _source(self, cell: str) -> URIRef:
        kg = self.vocab.kg
        if cell == EDITORIAL:
            node = self.minter.editorial()
            self.sources.add((node, RDF.type, kg.SourceCitation))
            self.sources.add((node, DCT.bibliographicCitation,
                              Literal("Kiezgraph editorial decision (code list)", lang="en")))
        elif is_url(cell):
            node = URIRef(cell)
            self.sources.add((node, RDF.type, kg.WebSource))
        else:
            node = self.minter.citation(cell)
            self.sources.add((node, RDF.type, kg.SourceCitation))
            self.sources.add((node, DCT.bibliographicCitation, Literal(cell)))
            self.sources.add((node, RDFS.label, Literal(cell)))
        return node

    def _problem(self, rec: Record, fld: str | None, rule: str, fix: str) -> None:
        self.out.problems.append(Problem(rec.file.name, rec.line, fld, rule, fix,
                                         rec.values.get("id")))


def map_records(vocab: Vocab, records: list[Record]) -> Mapped:
    """Map all records; ``Mapped.problems`` lists everything that could not be mapped."""
    return _Mapper(vocab, records).run()


def column_for(table_name: str, predicate: str, vocab: Vocab) -> str | None:
    """The column whose values end up under ``predicate`` (for readable SHACL reports)."""
    table = TABLES_BY_NAME[table_name]
    for column in table.columns:
        if str(vocab.iri(column.predicate)) == predicate:
            return column.name
    return None
