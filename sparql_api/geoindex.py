"""An in-memory spatial index of the current release, for point lookups and GeoJSON.

Built from the store by SPARQL (so it works the same on the embedded and a remote
backend) the first time it is needed, and again whenever the release changes. Shapes
go into shapely STRtrees: a point lookup is a few tree queries, well under a
millisecond. Polygons are oriented as RFC 7946 asks (exterior rings counterclockwise).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely import wkt
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.strtree import STRtree

from ingest.executor import Job

LAYERS = {  # index layer -> class local name, and the LOR edition filter
    "district": ("District", None),
    "prognoseraum": ("Prognoseraum", "pgr-2021"),
    "bezirksregion": ("Bezirksregion", "bzr-2021"),
    "planungsraum": ("Planungsraum", "plr-2021"),
    "planungsraum-pre2021": ("Planungsraum", "plr-pre2021"),
}
BERLIN_BOX = (13.0, 52.3, 13.85, 52.7)


@dataclass
class Unit:
    uri: str
    key: str
    name: str
    geometry: BaseGeometry
    district: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class LayerIndex:
    units: list[Unit]
    tree: STRtree

    @classmethod
    def of(cls, units: list[Unit]) -> LayerIndex:
        units.sort(key=lambda u: u.key)
        return cls(units, STRtree([u.geometry for u in units]))

    def containing(self, point: Point) -> list[Unit]:
        return [self.units[int(i)] for i in self.tree.query(point, predicate="intersects")]


@dataclass
class GeoIndex:
    release_id: str
    layers: dict[str, LayerIndex]
    areas: LayerIndex
    mss: dict[tuple[str, int], dict[str, Any]]  # (Planungsraum URI, edition) -> classes
    berlin: BaseGeometry

    def lookup(self, lon: float, lat: float) -> dict[str, Any]:
        """Every unit that contains the point, by level; QM areas as a list."""
        point = Point(lon, lat)
        found: dict[str, Any] = {name: None for name in LAYERS if name != "planungsraum-pre2021"}
        if not self.berlin.intersects(point):
            return {**found, "qm_areas": [], "inside_berlin": False}
        for name in found:
            units = self.layers[name].containing(point)
            if units:
                found[name] = units[0]
        return {**found, "qm_areas": self.areas.containing(point), "inside_berlin": True}


def _prefixes(base: str) -> str:
    return (f"PREFIX kg: <{base}/def/>\nPREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>\n"
            "PREFIX qb: <http://purl.org/linked-data/cube#>\n"
            "PREFIX dct: <http://purl.org/dc/terms/>\n")


def _select(backend: Any, query: str) -> list[dict[str, str]]:
    answer = backend.query(Job(query, "json"))
    rows = json.loads(answer.read_all())["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def _shape(text: str) -> BaseGeometry:
    geometry = wkt.loads(text)
    if geometry.geom_type == "Polygon":
        return orient(geometry, 1.0)
    return shapely.MultiPolygon([orient(p, 1.0) for p in geometry.geoms])


def build_index(backend: Any, base: str) -> GeoIndex:
    prefixes = _prefixes(base)
    release_id = backend.release_id()
    layers: dict[str, LayerIndex] = {}
    for name, (cls, edition) in LAYERS.items():
        kind = f"FILTER(?kind = <{base}/id/lor-kinds/{edition}>)" if edition else ""
        rows = _select(backend, prefixes + f"""
            SELECT ?unit ?key ?name ?wkt ?district WHERE {{
              ?unit a kg:{cls} ; geo:hasGeometry/geo:asWKT ?wkt ;
                    skos:prefLabel ?name .
              OPTIONAL {{ ?unit skos:notation ?key }}
              OPTIONAL {{ ?unit dct:identifier ?key }}
              OPTIONAL {{ ?unit kg:district ?district }}
              OPTIONAL {{ ?unit kg:lorKind ?kind }} {kind}
            }}""")
        layers[name] = LayerIndex.of([Unit(r["unit"], r.get("key", ""), r["name"],
                                           _shape(r["wkt"]), r.get("district"))
                                      for r in rows])
    areas = _select(backend, prefixes + """
        SELECT ?area ?name ?wkt ?kind ?accuracy ?district ?status WHERE {
          ?area a kg:QMArea ; skos:prefLabel ?name ; geo:hasGeometry ?g ;
                kg:geometryKind ?kind ; kg:district ?district ; kg:status ?status .
          ?g geo:asWKT ?wkt .
          OPTIONAL { ?g kg:geometryAccuracy ?accuracy }
          FILTER(LANG(?name) = "de")
        }""")
    area_units = [Unit(r["area"], r["area"].rsplit("/", 1)[-1], r["name"], _shape(r["wkt"]),
                       r["district"], {"geometry_kind": r["kind"], "status": r["status"],
                                       "accuracy": r.get("accuracy")}) for r in areas]
    mss_rows = _select(backend, prefixes + """
        SELECT ?plr ?edition ?status ?dynamics ?statusLabel ?dynamicsLabel WHERE {
          ?obs kg:monitoringReport ?report ; sdmx-dimension:refArea ?plr .
          ?report kg:edition ?edition .
          OPTIONAL { ?obs kg:statusIndexClass ?status .
                     ?status skos:prefLabel ?statusLabel FILTER(LANG(?statusLabel) = "de") }
          OPTIONAL { ?obs kg:dynamicsIndexClass ?dynamics .
                     ?dynamics skos:prefLabel ?dynamicsLabel
                     FILTER(LANG(?dynamicsLabel) = "de") }
        }""")
    mss = {(r["plr"], int(r["edition"][:4])): r for r in mss_rows}
    berlin = shapely.union_all([u.geometry for u in layers["district"].units]) \
        if layers["district"].units else shapely.box(*BERLIN_BOX)
    return GeoIndex(release_id, layers, LayerIndex.of(area_units), mss, berlin)


def feature(unit: Unit, properties: dict[str, Any]) -> dict[str, Any]:
    """An RFC 7946 Feature whose id is the unit's URI."""
    return {"type": "Feature", "id": unit.uri, "geometry": mapping(unit.geometry),
            "properties": {"uri": unit.uri, **properties}}


def valid_coordinate(value: float, low: float, high: float) -> bool:
    return math.isfinite(value) and low <= value <= high
