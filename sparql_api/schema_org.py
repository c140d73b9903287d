"""schema.org ``Dataset`` markup for a dataset's landing page, as Google Dataset Search
reads it: name, description, URL, identifier, licence, publisher, coverage, downloads."""

from __future__ import annotations

import json
from typing import Any

from rdflib import URIRef

from ingest.executor import Job

DCAT_DATASET = URIRef("http://www.w3.org/ns/dcat#Dataset")


def schema_org_dataset(backend: Any, iri: str) -> str:
    """The JSON-LD text, safe to place inside a ``<script>`` element."""
    query = f"""PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?title ?description ?identifier ?licence ?modified ?publisher ?keyword ?url ?media
WHERE {{
  <{iri}> dct:title ?title ; dct:description ?description ; dct:identifier ?identifier ;
          dct:license ?licence ; dct:modified ?modified ; dct:publisher/foaf:name ?publisher .
  FILTER(LANG(?title) = "de" && LANG(?description) = "de")
  OPTIONAL {{ <{iri}> dcat:keyword ?keyword }}
  OPTIONAL {{ <{iri}> dcat:distribution ?d . ?d dcat:downloadURL ?url ; dcat:mediaType ?media }}
}}"""
    rows = json.loads(backend.query(Job(query, "json")).read_all())["results"]["bindings"]
    if not rows:
        return ""
    first = {k: v["value"] for k, v in rows[0].items()}
    downloads = sorted({(r["url"]["value"], r["media"]["value"].rsplit("media-types/", 1)[-1])
                        for r in rows if "url" in r})
    document: dict[str, Any] = {
        "@context": "https://schema.org/", "@type": "Dataset", "@id": iri, "url": iri,
        "name": first["title"], "description": first["description"],
        "identifier": first["identifier"], "license": first["licence"],
        "dateModified": first["modified"], "inLanguage": ["de", "en"],
        "keywords": sorted({r["keyword"]["value"] for r in rows if "keyword" in r}),
        "publisher": {"@type": "Organization", "name": first["publisher"]},
        "spatialCoverage": {"@type": "Place", "name": "Berlin"},
        "temporalCoverage": "1999-01-01/..",
        "isAccessibleForFree": True,
        "distribution": [{"@type": "DataDownload", "contentUrl": url, "encodingFormat": media}
                         for url, media in downloads],
    }
    return json.dumps(document, ensure_ascii=False).replace("<", "\\u003c")  # no markup
