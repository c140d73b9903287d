"""Read the Turtle files of ontology/ and shapes/, and convert rdflib terms to pyoxigraph.

The Turtle files use IRIs relative to the configured base (``<def/QMArea>``), so one
set of files serves every deployment; they are resolved at parse time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import Problem

SH_NAMESPACE = URIRef("http://www.w3.org/ns/shacl#namespace")


def parse_turtle_dir(directory: Path, base: str, problems: list[Problem]) -> dict[str, Graph]:
    """One graph per ``*.ttl`` file, keyed by file stem; parse errors go to ``problems``."""
    graphs: dict[str, Graph] = {}
    if not directory.is_dir():
        problems.append(Problem(str(directory), None, None, "the folder does not exist",
                                "point the setting to the project's folder"))
        return graphs
    for path in sorted(directory.glob("*.ttl")):
        graph = Graph()
        try:
            graph.parse(path, format="turtle", publicID=f"{base}/")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            problems.append(Problem(path.name, _line_of(exc), None, f"invalid Turtle: {exc}",
                                    "fix the syntax at the reported position"))
            continue
        _namespaces_as_literals(graph)
        graphs[path.stem] = graph
    return graphs


def _namespaces_as_literals(graph: Graph) -> None:
    """SHACL wants ``sh:namespace`` as an xsd:anyURI literal; Turtle lets us write a
    relative IRI, which resolves to the deployment's base, so convert after parsing."""
    for subject, obj in list(graph.subject_objects(SH_NAMESPACE)):
        if isinstance(obj, URIRef):
            graph.remove((subject, SH_NAMESPACE, obj))
            graph.add((subject, SH_NAMESPACE, Literal(str(obj), datatype=XSD.anyURI)))


def _line_of(exc: Exception) -> int | None:
    line = getattr(exc, "lines", None) or getattr(exc, "line", None)
    return int(line) if isinstance(line, int) else None


class OxConverter:
    """rdflib -> pyoxigraph terms, caching IRIs (most terms repeat)."""

    def __init__(self) -> None:
        self._iris: dict[str, ox.NamedNode] = {}

    def iri(self, value: str) -> ox.NamedNode:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = ox.NamedNode(value)
        return node

    def term(self, node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(node, URIRef):
            return self.iri(str(node))
        if isinstance(node, BNode):
            return ox.BlankNode(str(node))
        if isinstance(node, Literal):
            if node.language:
                return ox.Literal(str(node), language=node.language)
            if node.datatype:
                return ox.Literal(str(node), datatype=self.iri(str(node.datatype)))
            return ox.Literal(str(node))
        raise TypeError(f"cannot store {node!r}")

    def quads(self, graph: Iterable[tuple[Node, Node, Node]], name: str) -> Iterator[ox.Quad]:
        g = self.iri(name)
        for s, p, o in graph:
            yield ox.Quad(self.term(s), self.term(p), self.term(o), g)  # type: ignore[arg-type]
