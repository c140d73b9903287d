"""Fetch a resource in every format and compare what rdflib parses with the store.

A module of its own so that worker processes can import it without pytest: parsing
34,000 answers with rdflib is CPU work that would otherwise share one GIL with the
server thread of the test process.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import quote

import requests
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

# extension -> (media type the answer must have, rdflib parser name)
RDF_EXTENSIONS = {"ttl": ("text/turtle", "turtle"), "nt": ("application/n-triples", "nt"),
                  "jsonld": ("application/ld+json", "json-ld"),
                  "rdf": ("application/rdf+xml", "xml")}

Key = tuple


def term_key(term: object) -> Key:
    """A term as serialisers may legitimately rewrite it: literals by value (``1.50`` and
    ``1.5`` are one decimal), language tags case-insensitive, plain = xsd:string, blank
    nodes all alike (their labels are local to one document)."""
    if isinstance(term, BNode):
        return ("bnode",)
    if isinstance(term, Literal):
        lang = (term.language or "").lower()
        datatype = str(RDF.langString if lang else (term.datatype or XSD.string))
        value = term.value if term.value is not None and not isinstance(term.value, str) \
            else str(term)
        return ("literal", datatype, lang, value)
    return ("iri", str(term))


def statement_key(predicate: object, obj: object) -> Key:
    return (str(predicate), term_key(obj))


def binding_term(binding: dict[str, str]) -> object:
    """A SPARQL JSON results binding as the rdflib term it stands for."""
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    return Literal(value, lang=binding.get("xml:lang"),
                   datatype=binding.get("datatype") if "xml:lang" not in binding else None)


def check_resources(server: str, base: str, context: dict,
                    expected: list[tuple[str, Counter]]) -> list[str]:
    """Dereference each IRI itself (HEAD, Turtle by Accept), as HTML and in every RDF
    format by extension; return what went wrong."""
    failures: list[str] = []
    with requests.Session() as session:
        for iri, own in expected:
            path = quote(iri[len(base):], safe="/-._~%")
            # the URI itself, by negotiation (regression: a URI ending in ".ttl" was 404);
            # a ".html" URI is a page (a dataset's landing page) and stays one
            bare = session.head(f"{server}{path}", headers={"Accept": "text/turtle"},
                                timeout=60)
            wanted = "text/html" if path.endswith(".html") else "text/turtle"
            if bare.status_code != 200 or \
                    not bare.headers["content-type"].startswith(wanted):
                failures.append(f"{path}: {bare.status_code} {bare.headers.get('content-type')}")
            page = session.get(f"{server}{path}.html", timeout=60)
            if page.status_code != 200 or "text/html" not in page.headers["content-type"]:
                failures.append(f"{path}.html: {page.status_code}")
            for extension, (media_type, parser) in RDF_EXTENSIONS.items():
                answer = session.get(f"{server}{path}.{extension}", timeout=60)
                if answer.status_code != 200 or \
                        not answer.headers["content-type"].startswith(media_type):
                    failures.append(f"{path}.{extension}: {answer.status_code} "
                                    f"{answer.headers.get('content-type')}")
                    continue
                data = answer.text
                if extension == "jsonld":
                    # the published context lives under the base, not on this test server:
                    # inline it so that rdflib fetches nothing
                    data = json.dumps(dict(json.loads(data), **{"@context": context}))
                try:
                    graph = Graph().parse(data=data, format=parser,
                                          publicID=f"{server}{path}")
                except Exception as exc:
                    failures.append(f"{path}.{extension}: does not parse: {exc}")
                    continue
                got = Counter(statement_key(p, o) for p, o in
                              graph.predicate_objects(URIRef(iri)))
                missing, extra = own - got, got - own
                if missing or extra:
                    failures.append(f"{path}.{extension}: missing {list(missing)[:3]}, "
                                    f"unexpected {list(extra)[:3]}")
    return failures
