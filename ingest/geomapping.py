"""Map the geodata to RDF: LOR units and districts as GeoSPARQL features, MSS results as
Data Cube observations, the old/new Planungsraum links, and each layer's source.

Pure functions of the read geodata, the curated records and the base IRI. Geometries
are ``geo:asWKT`` literals in CRS84 (lon/lat, the GeoSPARQL default, so no CRS prefix)
with the CRS the data came in recorded beside them. Footprints and spatial relations
are computed in ``ingest.spatial``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import shapely
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from shapely.geometry.base import BaseGeometry

from .geodata import LOR_LAYERS, GeoData, Layer
from .iris import Minter
from .records import Record
from .vocab import DCT, QB, SCHEMA, SKOS, Vocab

GEO = "http://www.opengis.net/ont/geosparql#"
SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"
LOR_LD = {"lor-plr-2021": "https://berlinonline.github.io/lod-berlin-lor/plr_",
          "lor-bzr-2021": "https://berlinonline.github.io/lod-berlin-lor/bzr_",
          "lor-pgr-2021": "https://berlinonline.github.io/lod-berlin-lor/pgr_",
          "lor-plr-pre2021": "https://berlinonline.github.io/lod-berlin-lor-2019/plr_"}
LINKS_SOURCE = "https://github.com/berlinonline/lod-berlin-lor"
PARENT = {"lor-plr-2021": ("lor-bzr-2021", 6), "lor-bzr-2021": ("lor-pgr-2021", 4)}


def geo_term(local: str) -> URIRef:
    return URIRef(GEO + local)


def wkt_literal(geometry: BaseGeometry) -> Literal:
    return Literal(shapely.to_wkt(geometry, rounding_precision=-1),
                   datatype=geo_term("wktLiteral"))


class GeoMapper:
    """Builds the geo graphs; ``unit(layer, key)`` gives the IRI of any LOR unit."""

    def __init__(self, vocab: Vocab, geo: GeoData, records: list[Record]):
        self.vocab = vocab
        self.kg = vocab.kg
        self.minter = Minter(vocab.base)
        self.geo = geo
        self.districts = {r.values["key"]: r.values["id"] for r in records
                          if r.table.name == "districts" and r.values.get("key")}
        self.graphs: dict[str, Graph] = {}

    def unit(self, layer: str, key: str) -> URIRef:
        return self.minter.thing(layer.removeprefix("lor-"), key)

    def district(self, key: str) -> URIRef | None:
        ident = self.districts.get(key)
        return self.minter.thing("district", ident) if ident else None

    def source(self, layer: Layer) -> URIRef:
        return URIRef(layer.source.get("original_source") or layer.source["upstream"])

    def map_all(self) -> dict[str, Graph]:
        self.graphs["geo/sources"] = self._sources()
        for layer in self.geo.layers.values():
            if layer.id == "districts":
                self.graphs["geo/districts"] = self._districts(layer)
            elif layer.id in LOR_LAYERS:
                self.graphs[f"geo/{layer.id}"] = self._lor(layer)
        self.graphs["geo/mss"] = self._mss()
        self.graphs["geo/lor-links"] = self._links()
        return self.graphs

    def _sources(self) -> Graph:
        """Each layer's source with what it says about origin, date and licence."""
        g = Graph()
        kg = self.kg
        for layer in self.geo.layers.values():
            info, node = layer.source, self.source(layer)
            g.add((node, RDF.type, kg.WebSource))
            g.add((node, DCT.title, Literal(info["title"], lang="de")))
            _add(g, node, DCT.publisher, info.get("publisher"), lang="de")
            _add(g, node, DCT.issued, info.get("data_date"), datatype=XSD.date)
            _add(g, node, kg.retrieved, info.get("retrieved"))
            if info.get("licence"):
                g.add((node, DCT.license, URIRef(info["licence"])))
            _add(g, node, kg.licenceNote, info.get("licence_note"), lang="en")
            _add(g, node, DCT.bibliographicCitation, info.get("attribution"), lang="de")
            for key in ("upstream", "service"):
                if info.get(key):
                    g.add((node, kg.retrievedVia, Literal(info[key])))
            g.add((node, DCT.source, self.minter.editorial()))
        return g

    def _feature(self, g: Graph, node: URIRef, layer: Layer, geometry: BaseGeometry) -> None:
        """geo:hasGeometry with a WKT literal; the original CRS and source beside it."""
        shape = URIRef(f"{node}/geometry")
        source = self.source(layer)
        g.add((node, geo_term("hasGeometry"), shape))
        g.add((node, geo_term("hasDefaultGeometry"), shape))
        g.add((shape, RDF.type, geo_term("Geometry")))
        g.add((shape, geo_term("asWKT"), wkt_literal(geometry)))
        if layer.source.get("original_crs"):
            g.add((shape, self.kg.sourceCRS, URIRef(layer.source["original_crs"])))
        g.add((shape, DCT.source, source))

    def _districts(self, layer: Layer) -> Graph:
        g = Graph()
        for feature in layer.features:
            node = self.district(feature.key)
            if node is None:
                continue  # a district key unknown to districts.csv: reported by the caller
            self._feature(g, node, layer, feature.geometry)
            g.add((node, DCT.source, self.source(layer)))
        return g

    def _lor(self, layer: Layer) -> Graph:
        g = Graph()
        kg = self.kg
        cls = LOR_LAYERS[layer.id][1]
        kind = self.minter.thing("lor-kinds", layer.id.removeprefix("lor-"))
        for feature in layer.features:
            node = self.unit(layer.id, feature.key)
            g.add((node, RDF.type, kg[cls]))
            g.add((node, SKOS.notation, Literal(feature.key)))
            g.add((node, SKOS.prefLabel, Literal(feature.name, lang="de")))
            g.add((node, kg.lorKind, kind))
            g.add((node, SKOS.exactMatch, URIRef(LOR_LD[layer.id] + feature.key)))
            g.add((node, DCT.source, self.source(layer)))
            district = self.district("0" + feature.key[:2])
            if district is not None:
                g.add((node, kg.district, district))
            parent = PARENT.get(layer.id)
            if parent is not None:
                g.add((node, geo_term("sfWithin"), self.unit(parent[0], feature.key[:parent[1]])))
            elif layer.id == "lor-pgr-2021" and district is not None:
                g.add((node, geo_term("sfWithin"), district))
            if layer.id == "lor-plr-pre2021":
                _add(g, node, SCHEMA.startDate, feature.properties.get("valid_from"),
                     datatype=XSD.date)
            self._feature(g, node, layer, feature.geometry)
        return g

    def _mss(self) -> Graph:
        """MSS results per Planungsraum and edition in one Data Cube data set."""
        g = Graph()
        kg = self.kg
        cube = self.minter.thing("cube", "mss")
        g.add((cube, RDF.type, QB.DataSet))
        g.add((cube, QB.structure, kg["dsd-mss"]))
        g.add((cube, DCT.title, Literal("Monitoring Soziale Stadtentwicklung: Status- und "
                                        "Dynamikindex je Planungsraum", lang="de")))
        g.add((cube, DCT.title, Literal("Monitoring of social urban development: status and "
                                        "dynamics index per Planungsraum", lang="en")))
        g.add((cube, DCT.source, self.minter.editorial()))
        old = {f.key for f in self.geo.layers.get("lor-plr-pre2021", Layer("", [], {})).features}
        sources = {2021: URIRef("https://fbinter.stadt-berlin.de/fb/wfs/data/senstadt/"
                                "s_Indizes_MSS2021_homogen")}
        for row in self.geo.mss:
            layer = "lor-plr-2021" if row.edition == 2021 else "lor-plr-pre2021"
            if row.edition != 2021 and row.key not in old:
                continue  # no such pre-2021 Planungsraum (see the layer's left_out note)
            node = self.minter.thing("mss-observation", f"{row.edition}-{row.key}")
            g.add((node, RDF.type, QB.Observation))
            g.add((node, QB.dataSet, cube))
            g.add((node, URIRef(SDMX_DIMENSION + "refArea"), self.unit(layer, row.key)))
            g.add((node, kg.monitoringReport,
                   self.minter.thing("monitoring-report", f"mss-{row.edition}")))
            g.add((node, kg.statusIndexClass, self.minter.thing("mss-status-classes", row.status)))
            g.add((node, kg.dynamicsIndexClass,
                   self.minter.thing("mss-dynamics-classes", row.dynamics)))
            _add(g, node, kg.inhabitants, row.inhabitants, datatype=XSD.integer)
            _add(g, node, kg.validityNote, row.valid, lang="de")
            g.add((node, DCT.source, sources.get(row.edition, URIRef(
                "https://github.com/open-data-product/open-data-product-berlin-lor-"
                "monitoring-social-urban-development-source-aligned"))))
        return g

    def _links(self) -> Graph:
        """Pre-2021 Planungsräume and the 2021 ones of the same name (CC0 link set)."""
        g = Graph()
        old = {f.key for f in self.geo.layers.get("lor-plr-pre2021", Layer("", [], {})).features}
        new = {f.key for f in self.geo.layers.get("lor-plr-2021", Layer("", [], {})).features}
        source = URIRef(LINKS_SOURCE)
        for old_key, new_key in self.geo.links:
            if old_key in old and new_key in new:
                link = self.minter.thing("lor-link", f"{old_key}-{new_key}")
                g.add((link, RDF.type, self.kg.LORSuccession))
                g.add((link, self.kg.predecessorUnit, self.unit("lor-plr-pre2021", old_key)))
                g.add((link, self.kg.successorUnit, self.unit("lor-plr-2021", new_key)))
                g.add((link, RDFS.comment, Literal(
                    "Linked because both units have the same name; not a geometric "
                    "comparison.", lang="en")))
                g.add((link, DCT.source, source))
        if len(g):
            g.add((source, RDF.type, self.kg.WebSource))
            g.add((source, DCT.title, Literal("lod-berlin-lor: links between LOR 2019 and "
                                              "LOR 2021", lang="en")))
            g.add((source, DCT.license,
                   URIRef("https://creativecommons.org/publicdomain/zero/1.0/")))
            g.add((source, DCT.source, self.minter.editorial()))
        return g


def _add(g: Graph, node: URIRef, predicate: URIRef, value: Any, lang: str | None = None,
         datatype: URIRef | None = None) -> None:
    if value is None or value == "":
        return
    g.add((node, predicate, Literal(value, lang=lang, datatype=None if lang else datatype)))


def coverage_units(mapper: GeoMapper, records: Iterable[Record]) -> Graph:
    """Link each LOR coverage record to the LOR unit it names (a feature with a shape)."""
    g = Graph()
    kinds = {"plr-2021": "lor-plr-2021", "bzr-2021": "lor-bzr-2021",
             "plr-pre2021": "lor-plr-pre2021", "pgr-2021": "lor-pgr-2021"}
    for rec in records:
        if rec.table.name != "area_lor":
            continue
        layer = kinds.get(rec.values["lor_kind"])
        if layer and rec.values["lor_key"] in mapper.geo.layers[layer].by_key():
            node = mapper.minter.thing("lor-coverage", rec.values["id"])
            g.add((node, mapper.kg.lorUnit, mapper.unit(layer, rec.values["lor_key"])))
    return g
