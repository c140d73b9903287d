"""GeoSPARQL filter functions on WKT literals, registered as custom query functions.

pyoxigraph evaluates unknown functions as errors; these give it the four functions
researchers need most (sfWithin, sfContains, sfIntersects, distance), computed with
shapely on ``geo:wktLiteral`` values in CRS84 (longitude, latitude). Distances are
great-circle distances between the nearest points of the two geometries.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
import shapely
from shapely import wkt
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

GEOF = "http://www.opengis.net/def/function/geosparql/"
WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
UOM = "http://www.opengis.net/def/uom/OGC/1.0/"
CRS84 = {"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326"}
EARTH_RADIUS_M = 6_371_008.8
XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
XSD_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")


def parse_wkt(term: Any) -> BaseGeometry | None:
    """A shapely geometry from a WKT literal in CRS84, or None (a SPARQL error)."""
    if not isinstance(term, ox.Literal) or term.datatype.value != WKT:
        return None
    text = term.value.strip()
    if text.startswith("<"):
        crs, _, text = text[1:].partition(">")
        if crs not in CRS84:
            return None  # other reference systems are not supported
    try:
        geometry = wkt.loads(text)
    except (ShapelyError, ValueError):
        return None
    return geometry if geometry.is_valid else shapely.make_valid(geometry)


def _haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def distance_m(a: BaseGeometry, b: BaseGeometry) -> float:
    if a.intersects(b):
        return 0.0
    pa, pb = nearest_points(a, b)
    return _haversine(pa.x, pa.y, pb.x, pb.y)


def _relation(test: Callable[[BaseGeometry, BaseGeometry], bool]) -> Callable[..., Any]:
    def function(left: Any, right: Any) -> ox.Literal | None:
        a, b = parse_wkt(left), parse_wkt(right)
        if a is None or b is None:
            return None
        return ox.Literal("true" if test(a, b) else "false", datatype=XSD_BOOLEAN)
    return function


_UNIT_FACTORS = {UOM + "metre": 1.0, UOM + "meter": 1.0, UOM + "kilometre": 1000.0,
                 UOM + "kilometer": 1000.0}


def _distance(left: Any, right: Any, unit: Any) -> ox.Literal | None:
    a, b = parse_wkt(left), parse_wkt(right)
    if a is None or b is None or not isinstance(unit, ox.NamedNode):
        return None
    factor = _UNIT_FACTORS.get(unit.value)
    if factor is None:
        return None
    return ox.Literal(repr(distance_m(a, b) / factor), datatype=XSD_DOUBLE)


def custom_functions() -> dict[ox.NamedNode, Callable[..., Any]]:
    return {
        ox.NamedNode(GEOF + "sfWithin"): _relation(lambda a, b: a.within(b)),
        ox.NamedNode(GEOF + "sfContains"): _relation(lambda a, b: a.contains(b)),
        ox.NamedNode(GEOF + "sfIntersects"): _relation(lambda a, b: a.intersects(b)),
        ox.NamedNode(GEOF + "distance"): _distance,
    }
