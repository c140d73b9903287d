"""Namespaces and prefixes: the single source for Turtle, SPARQL PREFIX lines and CURIEs.

The Kiezgraph vocabulary (``kg:``) lives under ``{base}/def/``, so it moves with the
configured base IRI; every other namespace is a fixed W3C or community vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from rdflib import Namespace, URIRef

FIXED_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "skosxl": "http://www.w3.org/2008/05/skos-xl#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "qb": "http://purl.org/linked-data/cube#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "time": "http://www.w3.org/2006/time#",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
}

DCT = Namespace(FIXED_PREFIXES["dct"])
SKOS = Namespace(FIXED_PREFIXES["skos"])
PROV = Namespace(FIXED_PREFIXES["prov"])
SCHEMA = Namespace(FIXED_PREFIXES["schema"])
VOID = Namespace(FIXED_PREFIXES["void"])
QB = Namespace(FIXED_PREFIXES["qb"])


@dataclass(frozen=True)
class Vocab:
    """All prefixes for one base IRI (``base`` has no trailing slash)."""

    base: str

    @cached_property
    def prefixes(self) -> dict[str, str]:
        return {"kg": self.kg_ns, **FIXED_PREFIXES}

    @property
    def kg_ns(self) -> str:
        return f"{self.base}/def/"

    @property
    def kg(self) -> Namespace:
        return Namespace(self.kg_ns)

    def iri(self, curie: str) -> URIRef:
        """Expand ``prefix:local`` to a full IRI; raises KeyError for an unknown prefix."""
        prefix, _, local = curie.partition(":")
        return URIRef(self.prefixes[prefix] + local)

    def sparql_prefixes(self) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes.items())

    def turtle_prefixes(self) -> str:
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in self.prefixes.items())
