"""Run pySHACL over the mapped data and turn its report into located, readable findings."""

from __future__ import annotations

from dataclasses import dataclass

import pyshacl
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from .errors import InvalidDataError, Problem
from .mapping import Location, column_for
from .vocab import Vocab

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class Finding:
    severity: str  # Violation, Warning, Info
    focus: Node
    path: Node | None
    value: Node | None
    message_en: str
    message_de: str
    location: Location | None

    def as_problem(self, vocab: Vocab) -> Problem:
        loc = self.location
        field = None
        if loc is not None and isinstance(self.path, URIRef):
            field = column_for(loc.table.name, str(self.path), vocab)
        path = _short(self.path, vocab) if self.path is not None else None
        rule = f"SHACL {self.severity}: {self.message_en}"
        if self.value is not None:
            rule += f" (value: {_short(self.value, vocab)})"
        if field is None and path:
            rule += f" (path: {path})"
        return Problem(
            file=loc.file if loc else "(graph)",
            line=loc.line if loc else None,
            field=field,
            rule=rule,
            fix=self.message_de or "see the shape's message above",
            record=loc.ident if loc else _short(self.focus, vocab),
        )


@dataclass(frozen=True)
class Outcome:
    conforms: bool
    findings: list[Finding]
    report: Graph

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]


def _short(term: Node, vocab: Vocab) -> str:
    text = str(term)
    for prefix, ns in vocab.prefixes.items():
        if isinstance(term, URIRef) and text.startswith(ns):
            return f"{prefix}:{text[len(ns):]}"
    return text


def _messages(report: Graph, shapes: Graph, result: Node) -> tuple[str, str]:
    """English and German message of a result.

    pySHACL drops the language tags of SPARQL-constraint messages, so those are read
    from the constraint itself in the shapes graph.
    """
    by_lang: dict[str | None, str] = {}
    for msg in report.objects(result, SH.resultMessage):
        if isinstance(msg, Literal):
            by_lang.setdefault(msg.language, str(msg))
    if "en" not in by_lang:
        for origin in (report.value(result, SH.sourceConstraint),
                       report.value(result, SH.sourceShape)):
            for msg in shapes.objects(origin, SH.message) if origin is not None else ():
                if isinstance(msg, Literal) and msg.language:
                    by_lang.setdefault(msg.language, str(msg))
    en = by_lang.get("en") or by_lang.get(None) or next(iter(by_lang.values()), "")
    return en, by_lang.get("de", "")


def validate(data: Graph, shapes: Graph, locations: dict[URIRef, Location]) -> Outcome:
    """Validate ``data`` (which includes the ontology) against ``shapes``."""
    conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none",
        advanced=True, allow_warnings=True, abort_on_first=False,
    )
    if not isinstance(report, Graph):
        # pySHACL returns (not raises) its failure when a shape itself is unusable.
        raise InvalidDataError([Problem(
            "shapes", None, None, f"the SHACL shapes cannot be applied: {report}",
            "correct the shape named in the message (see the SHACL and SHACL-AF specs)")],
            "validation could not run")
    findings = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        en, de = _messages(report, shapes, result)
        findings.append(Finding(
            severity=str(severity).rsplit("#", 1)[-1],
            focus=focus,
            path=report.value(result, SH.resultPath),
            value=report.value(result, SH.value),
            message_en=en,
            message_de=de,
            location=locations.get(focus) if isinstance(focus, URIRef) else None,
        ))
    findings.sort(key=lambda f: (f.location.file, f.location.line) if f.location else ("~", 0))
    return Outcome(bool(conforms), findings, report)
