"""The SPARQL 1.1 Protocol for queries: read a request, choose the answer's format.

Pure functions of the request's parts; the route turns their errors into HTTP answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from pyoxigraph import NamedNode

from ingest.executor import UPDATE_KEYWORDS, first_keyword, uses_service, without_literals

from .conneg import negotiate
from .errors import ApiError, BadRequest, Forbidden, NotAcceptable, UnsupportedMediaType
from .formats import GRAPH_FORMATS, RESULT_FORMATS, Format, by_name, offered

PARAMETERS = ("query", "default-graph-uri", "named-graph-uri", "format")
# Sent by common clients (SPARQLWrapper adds output= and results= beside format=);
# accepted and ignored so that those clients work unchanged.
CLIENT_EXTRAS = ("output", "results")
# Other clients' names for our formats (SPARQLWrapper: rdf+xml, json-ld, n3-less turtle).
FORMAT_NAMES = {"rdf+xml": "rdfxml", "json-ld": "jsonld", "ttl": "turtle", "nt": "ntriples",
                "n-triples": "ntriples", "n-quads": "nquads", "nq": "nquads",
                "application/x-json+ld": "jsonld", "application/turtle": "turtle"}
# What a result-format name means for a CONSTRUCT or DESCRIBE query.
GRAPH_NAMES = {"xml": "rdfxml", "json": "jsonld"}
QUERY_TYPES = ("application/sparql-query",)
FORM_TYPES = ("application/x-www-form-urlencoded",)
@dataclass(frozen=True)
class SparqlRequest:
    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()  # the ``format`` values, in order, empty ones left out

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def _absolute_iri(value: str, name: str) -> str:
    """Checked with the engine's own IRI parser, so that no malformed IRI reaches it."""
    try:
        NamedNode(value)
        absolute = bool(urlsplit(value).scheme)
    except ValueError as exc:
        raise BadRequest(f"'{name}' must be an absolute IRI, got {value!r}: {exc}") from None
    if not absolute:
        raise BadRequest(f"'{name}' must be an absolute IRI, got {value!r}")
    return value


def from_pairs(pairs: list[tuple[str, str]], where: str) -> SparqlRequest:
    """Build a request from name/value pairs (URL query or form body)."""
    if any(name in ("update", "using-graph-uri", "using-named-graph-uri") for name, _ in pairs):
        raise Forbidden("this endpoint is read-only: SPARQL Update is not accepted")
    unknown = sorted({name for name, _ in pairs} - set(PARAMETERS) - set(CLIENT_EXTRAS))
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(unknown)} in the {where}; "
                         f"expected: {', '.join(PARAMETERS)}")
    queries = [v for n, v in pairs if n == "query"]
    if len(queries) > 1:
        raise BadRequest("give 'query' at most once")
    return SparqlRequest(
        query=queries[0] if queries else None,
        default_graphs=tuple(_absolute_iri(v, n) for n, v in pairs if n == "default-graph-uri"),
        named_graphs=tuple(_absolute_iri(v, n) for n, v in pairs if n == "named-graph-uri"),
        formats=tuple(v.strip() for n, v in pairs if n == "format" and v.strip()),
    )


def from_post(content_type: str | None, body: bytes, url_query: str) -> SparqlRequest:
    """POST with a form body or a direct query body (protocol §2.1.2, §2.1.3)."""
    media = (content_type or "").split(";")[0].strip().lower()
    url_pairs = parse_qsl(url_query, keep_blank_values=True)
    if media == "application/sparql-update":
        raise Forbidden("this endpoint is read-only: SPARQL Update is not accepted")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("the request body is not UTF-8") from exc
    if media in FORM_TYPES:
        if any(n == "query" for n, _ in url_pairs):
            raise BadRequest("give the query in the form body, not also in the URL")
        return from_pairs(url_pairs + parse_qsl(text, keep_blank_values=True), "form body")
    if media in QUERY_TYPES:
        if any(n == "query" for n, _ in url_pairs):
            raise BadRequest("a direct POST carries the query in its body, not in the URL")
        request = from_pairs(url_pairs, "URL")
        return SparqlRequest(text, request.default_graphs, request.named_graphs,
                             request.formats)
    raise UnsupportedMediaType(
        f"unsupported Content-Type {media or '(none)'!r}; send "
        f"{QUERY_TYPES[0]} or {FORM_TYPES[0]}")


def check_query(query: str, allow_service: bool) -> str | None:
    """Refuse what a public read-only endpoint must not run; return the query form."""
    if not query.strip():
        raise BadRequest("the 'query' parameter is empty")
    stripped = without_literals(query)
    keyword = first_keyword(query, stripped)
    if keyword in UPDATE_KEYWORDS:
        raise Forbidden("this endpoint is read-only: SPARQL Update is not accepted")
    if not allow_service and uses_service(query, stripped):
        raise Forbidden("federated queries (SERVICE) are switched off on this endpoint")
    return keyword if keyword in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") else None


def choose_format(query_form: str | None, format_values: tuple[str, ...],
                  accept: str | None) -> tuple[Format, Format]:
    """The result format (SELECT/ASK) and graph format (CONSTRUCT/DESCRIBE) to answer in.

    ``format_values`` (the ``format`` parameter, for clients that cannot set Accept) win
    over Accept. Several values are alternatives, the first that fits the query form
    wins: SPARQLWrapper sends a short name and then a media type (or nothing). With an
    unknown form (a syntax error follows), defaults are returned.
    """
    graph_form = query_form in ("CONSTRUCT", "DESCRIBE")
    table_form = query_form in ("SELECT", "ASK")
    if format_values:
        result, graph = _from_format_values(format_values)
    else:
        result = negotiate(accept, RESULT_FORMATS)
        graph = negotiate(accept, GRAPH_FORMATS)
    if (table_form and result is None) or (graph_form and graph is None):
        raise _not_acceptable(query_form)
    return result or RESULT_FORMATS[0], graph or GRAPH_FORMATS[0]


def _from_format_values(values: tuple[str, ...]) -> tuple[Format | None, Format | None]:
    result = graph = None
    for value in (v.split(";")[0].strip().lower() for vs in values for v in vs.split(",")):
        if not value:
            continue
        name = FORMAT_NAMES.get(value, value)
        found_result = by_name(RESULT_FORMATS, name)
        found_graph = by_name(GRAPH_FORMATS, GRAPH_NAMES.get(name, name))
        if found_result is None and found_graph is None:
            names = ", ".join(f.name for f in (*RESULT_FORMATS, *GRAPH_FORMATS))
            raise BadRequest(f"unknown format {value!r}; use one of {names} (or a media type)")
        result, graph = result or found_result, graph or found_graph
    return result, graph


def _not_acceptable(query_form: str | None) -> ApiError:
    formats = RESULT_FORMATS if query_form in ("SELECT", "ASK") else GRAPH_FORMATS
    return NotAcceptable(f"a {query_form} query can be answered as: {offered(formats)} "
                         "(or use ?format=)")
