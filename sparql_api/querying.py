"""Queries shared by the CLI and the HTTP API: one execution path, one set of formats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import BinaryIO

from ingest.config import Settings
from ingest.errors import BadInputError
from ingest.executor import Job
from ingest.store import open_backend
from ingest.vocab import Vocab

from .errors import ApiError
from .protocol import check_query


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


def run_cli_query(settings: Settings, text: str, fmt: str, out: BinaryIO) -> None:
    """Run a query for ``kiezgraph query`` and write its answer to ``out``; ``fmt`` is
    'table' or a format name.

    The HTTP endpoint's checks (read-only, SERVICE only when allowed), the same
    worker-process execution and time limit, and the same answer size limit. The answer
    is written as it comes; past the size limit the command stops with an error (what
    was written is then incomplete, and the exit code says so).
    """
    try:
        form = check_query(text, settings.allow_service)
    except ApiError as exc:
        raise BadInputError(exc.detail) from None
    rdf_formats = {"turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"}
    if form in ("SELECT", "ASK") and fmt in rdf_formats:
        raise BadInputError(f"'{fmt}' is an RDF format; a SELECT or ASK query needs one of "
                            "table, json, xml, csv, tsv")
    if form in ("CONSTRUCT", "DESCRIBE") and fmt not in rdf_formats | {"table"}:
        raise BadInputError(f"'{fmt}' is a result format for SELECT/ASK; a CONSTRUCT or "
                            "DESCRIBE query needs an RDF format such as turtle")
    backend = open_backend(settings, workers=1)
    prefixes = Vocab(settings.base_iri).prefixes
    result_fmt = "json" if fmt in rdf_formats or fmt == "table" else fmt
    graph_fmt = fmt if fmt in rdf_formats else "turtle"
    try:
        answer = backend.query(Job(text, result_fmt, graph_fmt, prefixes=prefixes))
        if fmt == "table" and answer.kind != "graph":
            body = _limited(answer.chunks(), settings.max_result_bytes)
            out.write((render_table(b"".join(body), Vocab(settings.base_iri)) + "\n").encode())
            return
        for chunk in _limited(answer.chunks(), settings.max_result_bytes):
            out.write(chunk)
    finally:
        backend.close()


def _limited(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            raise BadInputError(f"the answer is larger than KIEZGRAPH_MAX_RESULT_BYTES "
                                f"({limit} bytes) and was stopped; add a LIMIT")
        yield chunk


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
