"""Kiezgraph API: SPARQL and linked data over the current release of the graph."""
