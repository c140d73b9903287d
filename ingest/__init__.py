"""Kiezgraph ingest: curated CSV data -> RDF -> SHACL validation -> Oxigraph release."""
