"""The provenance graph of a release (PROV-O and VoID): when, from what, how much."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from .iris import Minter
from .vocab import DCT, PROV, VOID, Vocab


def provenance_graph(vocab: Vocab, minter: Minter, meta: dict[str, Any], ended: datetime) -> Graph:
    kg = vocab.kg
    graph = Graph()
    release = minter.release(meta["release_id"])
    activity = URIRef(f"{release}/ingest")
    agent = minter.thing("software", "kiezgraph-ingest")
    graph.add((release, RDF.type, kg.Release))
    graph.add((release, RDF.type, PROV.Entity))
    graph.add((release, RDFS.label, Literal(f"Kiezgraph release {meta['release_id']}", lang="en")))
    graph.add((release, kg.releaseId, Literal(meta["release_id"])))
    graph.add((release, kg.fingerprint, Literal(meta["fingerprint"])))
    graph.add((release, PROV.generatedAtTime, Literal(ended.isoformat(), datatype=XSD.dateTime)))
    graph.add((release, PROV.wasGeneratedBy, activity))
    if meta.get("data_commit"):
        graph.add((release, kg.dataCommit, Literal(meta["data_commit"])))
    total = sum(meta["graphs"].values())
    graph.add((release, VOID.triples, Literal(total, datatype=XSD.integer)))
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, PROV.startedAtTime, Literal(meta["created"], datatype=XSD.dateTime)))
    graph.add((activity, PROV.endedAtTime, Literal(ended.isoformat(), datatype=XSD.dateTime)))
    graph.add((activity, PROV.wasAssociatedWith, agent))
    graph.add((agent, RDF.type, PROV.SoftwareAgent))
    graph.add((agent, RDFS.label, Literal("kiezgraph ingest", lang="en")))
    for name, sha in sorted(meta["inputs"].items()):
        if not name.endswith((".csv", ".ttl")):
            continue
        file_entity = URIRef(f"{release}/input/{name}")
        graph.add((file_entity, RDF.type, PROV.Entity))
        graph.add((file_entity, RDFS.label, Literal(name)))
        graph.add((file_entity, kg.sha256, Literal(sha)))
        graph.add((activity, PROV.used, file_entity))
        graph_iri = minter.graph(name.rsplit(".", 1)[0])
        if str(graph_iri) in meta["graphs"]:
            graph.add((graph_iri, PROV.wasDerivedFrom, file_entity))
    for graph_iri, count in meta["graphs"].items():
        node = URIRef(graph_iri)
        graph.add((node, RDF.type, kg.NamedGraph))
        graph.add((node, VOID.triples, Literal(count, datatype=XSD.integer)))
        graph.add((node, PROV.wasGeneratedBy, activity))
        graph.add((release, DCT.hasPart, node))
    # The provenance graph describes itself too: four more statements, counted in.
    for triple in self_description(vocab, minter, meta["release_id"], "release", len(graph)):
        graph.add(triple)
    return graph


def self_description(vocab: Vocab, minter: Minter, release_id: str, name: str,
                     count: int) -> list[tuple[URIRef, URIRef, Literal | URIRef]]:
    """Four statements that a graph written after the others (the provenance graph,
    the catalogue) carries about itself, so that its IRI resolves like every other
    graph's: ``count`` is its size before them, and they are counted in."""
    own, release = minter.graph(name), minter.release(release_id)
    return [(own, RDF.type, vocab.kg.NamedGraph),
            (own, VOID.triples, Literal(count + 4, datatype=XSD.integer)),
            (own, PROV.wasGeneratedBy, URIRef(f"{release}/ingest")),
            (release, DCT.hasPart, own)]
