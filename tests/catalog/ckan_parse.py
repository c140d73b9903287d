"""Parse a catalogue with ckanext-dcat's RDFParser and print a JSON summary.

Runs ONLY with the separate venv's interpreter (scripts/setup_ckan_venv.py):

    var/ckan-venv/bin/python tests/catalog/ckan_parse.py CATALOG.ttl [--format turtle] [--locale de]

Output (stdout, one JSON object)::

    {"euro_dcat_ap_2": {"datasets": [...], "next_page": "..." | null},
     "euro_dcat_ap_3": {...}}

Each dataset: title, notes, uri, identifier, license_id, resource_licenses,
publisher_name, publisher_uri, resources (url, access_url, download_url,
format, mimetype, size, hash, hash_algorithm, license, uri) and ``raw`` (the
complete dataset dict the parser produced). The parser runs with CKAN's
defaults (no ckan.ini), so ``ckan.locale_default`` is ``en``: of several
language-tagged titles the English one wins. ``--locale de`` sets it like a
German portal (GovData) does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ckanext.dcat.processors import RDFParser
from ckantoolkit import config

PROFILES = ("euro_dcat_ap_2", "euro_dcat_ap_3")
RESOURCE_KEYS = (
    "url", "access_url", "download_url", "format", "mimetype",
    "size", "hash", "hash_algorithm", "license", "uri",
)


def _field(dataset: dict, key: str):
    """A value from the dataset dict itself, else from its extras (CKAN without scheming)."""
    if dataset.get(key) not in (None, ""):
        return dataset[key]
    for extra in dataset.get("extras", []):
        if extra.get("key") == key:
            return extra.get("value")
    return None


def _publisher(dataset: dict) -> tuple[str | None, str | None]:
    """(name, uri): extras publisher_name/uri, or the scheming list field ``publisher``."""
    name, uri = _field(dataset, "publisher_name"), _field(dataset, "publisher_uri")
    pub = dataset.get("publisher")
    if isinstance(pub, list) and pub and isinstance(pub[0], dict):
        name = name or pub[0].get("name")
        uri = uri or pub[0].get("uri")
    return name, uri


def summarise(dataset: dict) -> dict:
    """The fields the Kiezgraph tests look at, plus the raw dict."""
    resources = dataset.get("resources", [])
    name, uri = _publisher(dataset)
    return {
        "title": dataset.get("title"),
        "notes": dataset.get("notes"),
        "uri": _field(dataset, "uri"),
        "identifier": _field(dataset, "identifier"),
        "license_id": dataset.get("license_id"),
        "resource_licenses": [r.get("license") for r in resources],
        "publisher_name": name,
        "publisher_uri": uri,
        "resources": [{k: r.get(k) for k in RESOURCE_KEYS} for r in resources],
        "raw": dataset,
    }


def parse(text: str, fmt: str) -> dict:
    """Parse ``text`` once per profile."""
    out = {}
    for profile in PROFILES:
        parser = RDFParser(profiles=[profile])
        parser.parse(text, _format=fmt)
        out[profile] = {
            "datasets": [summarise(d) for d in parser.datasets()],
            "next_page": parser.next_page(),
        }
    return out


def main() -> int:
    """CLI: print the JSON summary of the given file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", type=Path)
    ap.add_argument("--format", default="turtle", help="rdflib format name (default turtle)")
    ap.add_argument("--locale", help="set ckan.locale_default (CKAN's default: en)")
    args = ap.parse_args()
    if args.locale:
        config["ckan.locale_default"] = args.locale
    result = parse(args.file.read_text(encoding="utf-8"), args.format)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
