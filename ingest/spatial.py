"""Area geometries and spatial relations, computed at ingest and stored as triples.

An area's geometry is its official boundary when ``data/geo/qm-areas.geojson`` (from
``kiezgraph fetch``) has a feature of its name; otherwise, where LOR coverage records
name its units, a footprint: the union of those units, typed and labelled as derived,
exact only when every unit is named without qualification and all come from one LOR
edition. Shapes are never drawn by hand: an area without either has no geometry.
Relations (area within or overlapping its district, area overlapping Planungsräume with
both shares) let plain SPARQL answer spatial questions without geometry functions.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import shapely
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from .geodata import Feature
from .geomapping import GeoMapper, geo_term, wkt_literal
from .records import Record
from .vocab import DCT, PROV

log = logging.getLogger(__name__)
KIND_LAYER = {"plr-2021": "lor-plr-2021", "bzr-2021": "lor-bzr-2021",
              "pgr-2021": "lor-pgr-2021", "plr-pre2021": "lor-plr-pre2021"}
EDITION_2021 = {"lor-plr-2021", "lor-bzr-2021", "lor-pgr-2021"}
MIN_SHARE = 0.001  # overlaps below 0.1 % of both shapes are shared edges, not overlaps
WITHIN_TOLERANCE = 0.005  # share of an area that may lie outside its district (edges)
METHOD = ("Union of the LOR units that the cited sources name for the area{extra}. "
          "Derived by Kiezgraph from the LOR geometries; not the official boundary of the "
          "area.")


@dataclass
class AreaShape:
    area_id: str
    geometry: BaseGeometry
    node: URIRef  # the geometry's IRI


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().replace("ß", "ss")
    text = re.sub(r"[\s\-–/]+", " ", text)
    return re.sub(r"\bstr\b\.?", "strasse", text).strip()


def area_shapes(mapper: GeoMapper, records: list[Record]) -> tuple[Graph, list[AreaShape]]:
    """The geometry of every area that has one (official first, else derived)."""
    g = Graph()
    official = _official(mapper, records)
    rows: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        if rec.table.name == "area_lor" and not rec.values.get("valid_until"):
            rows[rec.values["area"]].append(rec)
    shapes: list[AreaShape] = []
    for area_id in sorted(set(rows) | set(official)):
        if area_id in official:
            shape = _add_official(mapper, g, area_id, official[area_id])
        else:
            shape = _add_footprint(mapper, g, area_id, rows[area_id])
        if shape is not None:
            shapes.append(shape)
    return g, shapes


def _official(mapper: GeoMapper, records: list[Record]) -> dict[str, Feature]:
    """Fetched official polygons by area id, matched by name or alternative name."""
    layer = mapper.geo.layers.get("qm-areas")
    if layer is None:
        return {}
    names: dict[str, str] = {}
    for rec in records:
        if rec.table.name == "areas":
            for name in [rec.values.get("name", ""), *rec.values.get("alt_names", "").split(" | ")]:
                if name:
                    names[_normalise(name)] = rec.values["id"]
    matched: dict[str, Feature] = {}
    for feature in layer.features:
        area_id = names.get(_normalise(feature.name))
        if area_id is None:
            log.warning("official QM polygon %s %r matches no known area; not published",
                        feature.key, feature.name)
        else:
            matched[area_id] = feature
    return matched


def _geometry_node(mapper: GeoMapper, g: Graph, area_id: str, geometry: BaseGeometry,
                   kind: str) -> URIRef:
    area = mapper.minter.thing("area", area_id)
    node = URIRef(f"{area}/{'boundary' if kind == 'official' else 'footprint'}")
    g.add((area, geo_term("hasGeometry"), node))
    g.add((area, geo_term("hasDefaultGeometry"), node))
    g.add((area, mapper.kg.geometryKind, mapper.minter.thing("geometry-kinds", kind)))
    g.add((node, RDF.type, geo_term("Geometry")))
    g.add((node, geo_term("asWKT"), wkt_literal(geometry)))
    g.add((node, mapper.kg.geometryKind, mapper.minter.thing("geometry-kinds", kind)))
    return node


def _add_official(mapper: GeoMapper, g: Graph, area_id: str, feature: Feature) -> AreaShape:
    layer = mapper.geo.layers["qm-areas"]
    node = _geometry_node(mapper, g, area_id, feature.geometry, "official")
    g.add((node, RDFS.label, Literal(f"Gebietsgrenze {feature.name} (amtlich)", lang="de")))
    g.add((node, mapper.kg.officialKey, Literal(feature.key)))
    if layer.source.get("original_crs"):
        g.add((node, mapper.kg.sourceCRS, URIRef(layer.source["original_crs"])))
    g.add((node, DCT.source, mapper.source(layer)))
    return AreaShape(area_id, feature.geometry, node)


def _add_footprint(mapper: GeoMapper, g: Graph, area_id: str, rows: list[Record]
                   ) -> AreaShape | None:
    units = _units(mapper, rows)
    if not units:
        return None
    geometry = shapely.union_all([feature.geometry for _, feature, _ in units])
    editions = {layer in EDITION_2021 for layer, _, _ in units}
    partial = any(rec.values["coverage"] == "part" for _, _, rec in units)
    exact = not partial and len(editions) == 1
    extra = []
    if partial:
        extra.append("; a source qualifies at least one unit (parts of it, or adjoining "
                     "parts), so the area differs from this union")
    if len(editions) > 1:
        extra.append("; it combines units of the LOR editions before and since 2021, whose "
                     "boundaries need not match")
    node = _geometry_node(mapper, g, area_id, geometry, "derived-from-lor")
    kg = mapper.kg
    g.add((node, RDFS.label, Literal(f"Aus LOR abgeleitete Fläche: {area_id}", lang="de")))
    g.add((node, kg.geometryAccuracy,
           mapper.minter.thing("geometry-accuracy", "exact" if exact else "approximate")))
    g.add((node, kg.derivationMethod, Literal(METHOD.format(extra="".join(extra)), lang="en")))
    for layer, feature, rec in units:
        g.add((node, PROV.wasDerivedFrom, mapper.unit(layer, feature.key)))
        g.add((node, PROV.wasDerivedFrom, mapper.minter.thing("lor-coverage", rec.values["id"])))
        g.add((node, DCT.source, mapper.source(mapper.geo.layers[layer])))
    g.add((node, DCT.source, mapper.minter.editorial()))
    return AreaShape(area_id, geometry, node)


def _units(mapper: GeoMapper, rows: list[Record]) -> list[tuple[str, Feature, Record]]:
    """The units to unite: the 2021 edition's, plus pre-2021 units that have no 2021
    namesake among them (an area may include a unit that exists only before 2021)."""
    found: list[tuple[str, Feature, Record]] = []
    for rec in rows:
        layer = KIND_LAYER.get(rec.values["lor_kind"])
        feature = mapper.geo.layers[layer].by_key().get(rec.values["lor_key"]) if layer else None
        if feature is not None:
            found.append((layer, feature, rec))  # type: ignore[arg-type]
    new_keys = {f.key for layer, f, _ in found if layer in EDITION_2021}
    successors = dict(mapper.geo.links)
    if not new_keys:
        return found
    return [(layer, f, rec) for layer, f, rec in found
            if layer in EDITION_2021 or successors.get(f.key) not in new_keys]


def relations(mapper: GeoMapper, shapes: list[AreaShape], records: list[Record]) -> Graph:
    """Area in (or overlapping) its district; area overlapping Planungsräume, with shares."""
    g = Graph()
    kg = mapper.kg
    district_of = {r.values["id"]: r.values["district"] for r in records
                   if r.table.name == "areas"}
    district_shapes = {mapper.districts.get(f.key): f for f in
                       mapper.geo.layers["districts"].features}
    plr = mapper.geo.layers["lor-plr-2021"].features
    tree = STRtree([f.geometry for f in plr])
    editorial = mapper.minter.editorial()
    for shape in shapes:
        area = mapper.minter.thing("area", shape.area_id)
        district = district_shapes.get(district_of.get(shape.area_id))
        if district is not None:
            outside = shape.geometry.difference(district.geometry).area / shape.geometry.area
            relation = "sfWithin" if outside <= WITHIN_TOLERANCE else "sfOverlaps"
            g.add((area, geo_term(relation), mapper.minter.thing("district",
                                                                 district_of[shape.area_id])))
        for index in tree.query(shape.geometry, predicate="intersects"):
            unit = plr[int(index)]
            common = shape.geometry.intersection(unit.geometry).area
            of_area, of_unit = common / shape.geometry.area, common / unit.geometry.area
            if of_area < MIN_SHARE and of_unit < MIN_SHARE:
                continue
            node = URIRef(f"{area}/overlap/{unit.key}")
            g.add((area, kg.overlap, node))
            g.add((node, RDF.type, kg.SpatialOverlap))
            g.add((node, kg.overlapWith, mapper.unit("lor-plr-2021", unit.key)))
            g.add((node, kg.shareOfArea, Literal(f"{of_area:.4f}", datatype=XSD.decimal)))
            g.add((node, kg.shareOfUnit, Literal(f"{of_unit:.4f}", datatype=XSD.decimal)))
            g.add((node, PROV.wasDerivedFrom, shape.node))
            g.add((node, PROV.wasDerivedFrom, URIRef(f"{mapper.unit('lor-plr-2021', unit.key)}"
                                                     "/geometry")))
            g.add((node, DCT.source, editorial))
    return g
