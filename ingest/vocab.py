"""Namespaces and prefixes: the single source for Turtle, SPARQL PREFIX lines, CURIEs and
the JSON-LD ``@context`` published at ``/context.jsonld``.

The Kiezgraph vocabulary (``kg:``) lives under ``{base}/def/``, so it moves with the
configured base IRI; every other namespace is a fixed W3C or community vocabulary. Every
namespace the graph and its pages use has a prefix here, so compact JSON-LD and Turtle
write ``dcat:Dataset`` rather than the full IRI.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

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
    "hydra": "http://www.w3.org/ns/hydra/core#",  # paged lists: the catalogue, /id/<type>
    "spdx": "http://spdx.org/rdf/terms#",  # checksums of the downloads
    "vcard": "http://www.w3.org/2006/vcard/ns#",  # the catalogue's contact point
    "dcatde": "http://dcat-ap.de/def/dcatde/",
}

DCT = Namespace(FIXED_PREFIXES["dct"])
SKOS = Namespace(FIXED_PREFIXES["skos"])
PROV = Namespace(FIXED_PREFIXES["prov"])
SCHEMA = Namespace(FIXED_PREFIXES["schema"])
VOID = Namespace(FIXED_PREFIXES["void"])
QB = Namespace(FIXED_PREFIXES["qb"])
HYDRA = Namespace(FIXED_PREFIXES["hydra"])


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

    def jsonld_context(self) -> dict[str, Any]:
        """The ``@context`` of every JSON-LD answer: each prefix as a term (so compaction
        writes CURIEs), ``id`` and ``type`` for ``@id`` and ``@type``, and ``label`` for the
        language map of ``skos:prefLabel``. Terms are only ever added, never changed:
        programs rely on this document."""
        return {**self.prefixes, "id": "@id", "type": "@type",
                "label": {"@id": "skos:prefLabel", "@container": "@language"}}
