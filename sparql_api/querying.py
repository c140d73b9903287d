"""Queries shared by the CLI and the HTTP API: one execution path, one set of formats."""

from __future__ import annotations

import json

from ingest.config import Settings
from ingest.errors import BadInputError
from ingest.executor import Job
from ingest.store import open_backend
from ingest.vocab import Vocab


def shorten(value: str, vocab: Vocab) -> str:
    for prefix, ns in sorted(vocab.prefixes.items(), key=lambda kv: -len(kv[1])):
        if value.startswith(ns) and "/" not in value[len(ns):]:
            return f"{prefix}:{value[len(ns):]}"
    return value


def _cell(binding: dict[str, str] | None, vocab: Vocab) -> str:
    if binding is None:
        return ""
    if binding["type"] == "uri":
        return shorten(binding["value"], vocab)
    if binding["type"] == "bnode":
        return "_:" + binding["value"]
    lang = binding.get("xml:lang")
    return binding["value"] + (f"@{lang}" if lang else "")


def render_table(body: bytes, vocab: Vocab) -> str:
    """A plain-text table of SPARQL JSON results (or the boolean of an ASK query)."""
    data = json.loads(body)
    if "boolean" in data:
        return "true" if data["boolean"] else "false"
    columns = data["head"]["vars"]
    rows = [[_cell(b.get(c), vocab) for c in columns] for b in data["results"]["bindings"]]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def run_cli_query(settings: Settings, text: str, fmt: str) -> bytes:
    """Run a query for ``kiezgraph query``; ``fmt`` is 'table' or a format name.

    The same worker-process execution as the HTTP API, with the same time limit.
    """
    backend = open_backend(settings, workers=1)
    prefixes = Vocab(settings.base_iri).prefixes
    rdf_formats = {"turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"}
    result_fmt = "json" if fmt in rdf_formats or fmt == "table" else fmt
    graph_fmt = fmt if fmt in rdf_formats else "turtle"
    try:
        answer = backend.query(Job(text, result_fmt, graph_fmt, prefixes=prefixes))
        body = answer.read_all()
    finally:
        backend.close()
    if fmt == "table":
        return body if answer.kind == "graph" else \
            (render_table(body, Vocab(settings.base_iri)) + "\n").encode()
    if answer.kind == "graph" and fmt not in rdf_formats:
        raise BadInputError(f"'{fmt}' is a result format for SELECT/ASK; a CONSTRUCT or "
                            "DESCRIBE query needs an RDF format such as turtle")
    if answer.kind != "graph" and fmt in rdf_formats:
        raise BadInputError(f"'{fmt}' is an RDF format; a SELECT or ASK query needs one of "
                            "table, json, xml, csv, tsv")
    return body


GRAPH_COUNTS = """SELECT ?graph (COUNT(*) AS ?triples)
WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph ORDER BY ?graph"""
CLASS_COUNTS = """SELECT ?class (COUNT(DISTINCT ?s) AS ?instances)
WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?instances) ?class"""


def stats_table(settings: Settings) -> str:
    backend = open_backend(settings, workers=1)
    vocab = Vocab(settings.base_iri)
    try:
        parts = [f"release {backend.release_id()}", ""]
        for title, query in (("triples per named graph", GRAPH_COUNTS),
                             ("instances per class", CLASS_COUNTS)):
            parts += [title, render_table(backend.query(Job(query)).read_all(), vocab), ""]
    finally:
        backend.close()
    return "\n".join(parts).rstrip()
