"""One table of the formats Kiezgraph speaks; conneg, headers and descriptions read it."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Format:
    name: str  # the short name of ?format= and of the CLI
    media_type: str
    aliases: tuple[str, ...]  # further media types that select this format
    w3c: str  # the format's IRI in http://www.w3.org/ns/formats/
    extension: str


RESULT_FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("application/json",),
           "http://www.w3.org/ns/formats/SPARQL_Results_JSON", "srj"),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml"),
           "http://www.w3.org/ns/formats/SPARQL_Results_XML", "srx"),
    Format("csv", "text/csv", (), "http://www.w3.org/ns/formats/SPARQL_Results_CSV", "csv"),
    Format("tsv", "text/tab-separated-values", (),
           "http://www.w3.org/ns/formats/SPARQL_Results_TSV", "tsv"),
)
GRAPH_FORMATS: tuple[Format, ...] = (
    Format("turtle", "text/turtle", ("application/x-turtle",),
           "http://www.w3.org/ns/formats/Turtle", "ttl"),
    Format("ntriples", "application/n-triples", (), "http://www.w3.org/ns/formats/N-Triples",
           "nt"),
    Format("jsonld", "application/ld+json", (), "http://www.w3.org/ns/formats/JSON-LD",
           "jsonld"),
    Format("rdfxml", "application/rdf+xml", (), "http://www.w3.org/ns/formats/RDF_XML", "rdf"),
    Format("trig", "application/trig", (), "http://www.w3.org/ns/formats/TriG", "trig"),
    Format("nquads", "application/n-quads", (), "http://www.w3.org/ns/formats/N-Quads", "nq"),
)
HTML = Format("html", "text/html", ("application/xhtml+xml",), "", "html")


def _graph_format(name: str) -> Format:
    return next(f for f in GRAPH_FORMATS if f.name == name)


# Descriptions (/id, /def, /graph) and type indexes (/id/<type>): a page and four RDF
# syntaxes. A client that asks for plain JSON gets JSON-LD (conneg.json_ld_media_type).
DESCRIPTION_FORMATS: tuple[Format, ...] = (
    HTML, _graph_format("turtle"), _graph_format("ntriples"),
    replace(_graph_format("jsonld"), aliases=("application/json",)),
    _graph_format("rdfxml"))


def by_name(formats: tuple[Format, ...], name: str) -> Format | None:
    """The format ``?format=`` names: by its name, its file extension (``ttl`` as in
    ``.ttl``) or a media type."""
    return next((f for f in formats
                 if name in (f.name, f.extension, f.media_type, *f.aliases)), None)


def names(formats: tuple[Format, ...]) -> str:
    """The values ``?format=`` takes, for error messages: "turtle (ttl), ..."."""
    return ", ".join(f.name if f.extension in ("", f.name) else f"{f.name} ({f.extension})"
                     for f in formats)


def offered(formats: tuple[Format, ...]) -> str:
    return ", ".join(f.media_type for f in formats)
