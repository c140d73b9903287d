"""Every subject URI of the curated graph under the base resolves as HTML, Turtle,
N-Triples, JSON-LD and RDF/XML; rdflib parses each answer back, and the resource's own
statements in it are exactly those in the store."""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import quote

import requests
from rdflib import URIRef

from ingest.executor import Job
from ingest.vocab import Vocab

from ..conftest import BASE
from .conftest import LiveServer
from .deref_check import binding_term, check_resources, statement_key

DEREFERENCED = ("/id/", "/def/", "/graph/")  # the other subjects are pages such as /catalog
CHUNK = 200


def store_statements(backend) -> dict[str, Counter]:
    """Each subject under the base with its own statements, as deref_check compares them."""
    query = f"""SELECT ?s ?p ?o WHERE {{ ?s ?p ?o
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}/")) }}"""
    answer = json.loads(backend.query(Job(query, prefixes=Vocab(BASE).prefixes)).read_all())
    own: dict[str, Counter] = defaultdict(Counter)
    seen: set[tuple[str, str, str]] = set()
    for row in answer["results"]["bindings"]:
        triple = (json.dumps(row["s"]), json.dumps(row["p"]), json.dumps(row["o"]))
        if triple in seen:  # the same statement in two named graphs is one statement
            continue
        seen.add(triple)
        own[row["s"]["value"]][statement_key(URIRef(row["p"]["value"]),
                                             binding_term(row["o"]))] += 1
    return own


def test_every_subject_resolves_in_every_format(live: LiveServer, backend) -> None:
    own = store_statements(backend)
    assert len(own) > 5000
    context = requests.get(f"{live.url}/context.jsonld", timeout=30).json()["@context"]
    failures = [f"{iri}: not answered" for iri in own
                if not iri[len(BASE):].startswith(DEREFERENCED)
                and requests.get(live.url + quote(iri[len(BASE):], safe="/-._~%"),
                                 timeout=60).status_code != 200]
    work = sorted((iri, counts) for iri, counts in own.items()
                  if iri[len(BASE):].startswith(DEREFERENCED))
    chunks = [work[i:i + CHUNK] for i in range(0, len(work), CHUNK)]
    # spawned, not forked: the server is a thread of this process
    with ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("spawn")) as pool:
        for found in pool.map(check_resources, [live.url] * len(chunks),
                              [BASE] * len(chunks), [context] * len(chunks), chunks):
            failures.extend(found)
    assert failures == [], failures[:20]
