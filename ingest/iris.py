"""Mint stable IRIs from natural keys and parse them back."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import URIRef

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"}
)


def is_slug(value: str) -> bool:
    return bool(SLUG.match(value))


def slugify(text: str, max_length: int = 60) -> str:
    """German-aware slug: 'Körnerpark' -> 'koernerpark'."""
    text = unicodedata.normalize("NFKD", text.translate(_UMLAUTS)).encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", text.decode().lower()).strip("-")
    return slug[:max_length].rstrip("-")


class Minter:
    """IRIs of one release: ``{base}/id/{segment}/{id}`` and friends."""

    def __init__(self, base: str):
        self.base = base

    def thing(self, segment: str, ident: str) -> URIRef:
        return URIRef(f"{self.base}/id/{segment}/{ident}")

    def graph(self, name: str) -> URIRef:
        return URIRef(f"{self.base}/graph/{name}")

    def release(self, release_id: str) -> URIRef:
        return URIRef(f"{self.base}/id/release/{release_id}")

    def citation(self, text: str) -> URIRef:
        """A source known only by citation: readable slug plus a short hash for uniqueness."""
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        return self.thing("source", f"{slugify(text, 50)}-{digest}")

    def editorial(self) -> URIRef:
        return self.thing("source", "kiezgraph-editorial")
