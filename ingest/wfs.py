"""WFS 2.0.0 as Berlin's geodata services speak it: capabilities, GetFeature, answers.

Pure functions over bytes and files; the HTTP side is ``ingest.fetch``. Capabilities are
read with ``xml.etree`` rather than OWSLib: we need a handful of elements, and OWSLib
would add a dependency tree for that. Python's expat resolves no external entities and
(2.4+) limits entity expansion, so parsing untrusted answers is safe here.

Every problem raises :class:`WfsError` with the reason; the caller adds layer and URL.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

import numpy as np
import shapely
from pyproj import Transformer
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

GML = "http://www.opengis.net/gml/3.2"
CRS_PARAM = "EPSG:25833"  # srsName sent with GetFeature (ETRS89 / UTM 33N, easting first)
CRS_IRI = "http://www.opengis.net/def/crs/EPSG/0/25833"
GML32 = "application/gml+xml; version=3.2"  # the WFS 2.0 default output format
JSON_FORMATS = ("application/json", "application/geo+json", "geojson", "json")
BERLIN_LONLAT = (12.9, 52.2, 13.95, 52.8)  # generous box around 13.09-13.76 E, 52.34-52.68 N
_EPSG_25833 = re.compile(r"(epsg:|urn:ogc:def:crs:epsg:[\d.]*:|https?://www\.opengis\.net/"
                         r"def/crs/epsg/0/|http://www\.opengis\.net/gml/srs/epsg\.xml#)25833")


class WfsError(ValueError):
    """The service's answer cannot be used; the message says why."""


@dataclass(frozen=True)
class FeatureType:
    name: str
    title: str
    crs: tuple[str, ...]
    formats: tuple[str, ...]


@dataclass(frozen=True)
class Capabilities:
    feature_types: tuple[FeatureType, ...]
    getfeature_formats: tuple[str, ...]
    provider: str | None
    constraints: str | None  # Fees and AccessConstraints as stated, if any


@dataclass(frozen=True)
class RawFeature:
    fid: str | None
    props: dict[str, object]
    geometry: BaseGeometry


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kids(elem: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in elem if _local(child.tag) == name)


def _text(elem: ET.Element, name: str) -> str | None:
    found = next(_kids(elem, name), None)
    if found is None:
        return None
    return (found.text or "").strip() or None


def _parse_xml(data: bytes | Path) -> ET.Element:
    try:
        if isinstance(data, Path):
            return ET.parse(data).getroot()  # noqa: S314 (see module docstring)
        return ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise WfsError(f"the answer is not well-formed XML ({exc})") from None


def is_epsg_25833(crs: str | None) -> bool:
    return bool(crs) and _EPSG_25833.fullmatch(crs.strip().casefold()) is not None


def exception_text(root: ET.Element) -> str | None:
    """The text of an OGC (ows:)ExceptionReport, or None when ``root`` is something else."""
    if _local(root.tag) not in ("ExceptionReport", "ServiceExceptionReport"):
        return None
    parts = []
    for exc in root.iter():
        if _local(exc.tag) in ("Exception", "ServiceException"):
            code = exc.get("exceptionCode") or exc.get("code") or "no code"
            where = f" at {exc.get('locator')}" if exc.get("locator") else ""
            text = " ".join(" ".join(exc.itertext()).split())
            parts.append(f"{code}{where}: {text or 'no text'}")
    return "; ".join(parts) or "an exception report without exceptions"


def exception_in(data: bytes) -> str | None:
    """The exception text if ``data`` is an OGC exception report (services send them with 200)."""
    if not data.lstrip().startswith(b"<"):
        return None
    try:
        return exception_text(ET.fromstring(data))  # noqa: S314
    except ET.ParseError:
        return None


def _raise_if_exception(root: ET.Element) -> None:
    text = exception_text(root)
    if text is not None:
        raise WfsError(f"the service answered with an OGC exception report: {text}")


# --- capabilities and requests ---------------------------------------------------------

def capabilities_url(service: str) -> str:
    return _with_query(service, {"SERVICE": "WFS", "REQUEST": "GetCapabilities",
                                 "ACCEPTVERSIONS": "2.0.0"})


def getfeature_url(service: str, type_name: str, output_format: str) -> str:
    """The KVP GetFeature URL; nothing volatile in it, so it identifies the download."""
    return _with_query(service, {"SERVICE": "WFS", "VERSION": "2.0.0", "REQUEST": "GetFeature",
                                 "TYPENAMES": type_name, "SRSNAME": CRS_PARAM,
                                 "OUTPUTFORMAT": output_format})


def _with_query(service: str, params: dict[str, str]) -> str:
    joiner = "&" if "?" in service else "?"
    return service + joiner + urlencode(params, safe=":/", quote_via=quote)


def parse_capabilities(data: bytes | Path) -> Capabilities:
    root = _parse_xml(data)
    _raise_if_exception(root)
    if _local(root.tag) != "WFS_Capabilities":
        raise WfsError(f"not a WFS capabilities document (root element {_local(root.tag)})")
    if not (root.get("version") or "").startswith("2.0"):
        raise WfsError(f"the service speaks WFS {root.get('version')}, not 2.0.0")
    types = tuple(_feature_type(ft) for ft in root.iter() if _local(ft.tag) == "FeatureType")
    return Capabilities(types, _getfeature_formats(root), _provider(root), _constraints(root))


def _feature_type(elem: ET.Element) -> FeatureType:
    def texts(*names: str) -> tuple[str, ...]:
        return tuple(e.text.strip() for e in elem.iter() if _local(e.tag) in names and e.text)

    return FeatureType(_text(elem, "Name") or "", _text(elem, "Title") or "",
                       texts("DefaultCRS", "OtherCRS"), texts("Format"))


def _getfeature_formats(root: ET.Element) -> tuple[str, ...]:
    for op in root.iter():
        if _local(op.tag) == "Operation" and op.get("name") == "GetFeature":
            return tuple(v.text.strip() for p in _kids(op, "Parameter")
                         if (p.get("name") or "").casefold() == "outputformat"
                         for v in p.iter() if _local(v.tag) == "Value" and v.text)
    return ()


def _provider(root: ET.Element) -> str | None:
    provider = next((e for e in root.iter() if _local(e.tag) == "ServiceProvider"), None)
    return _text(provider, "ProviderName") if provider is not None else None


def _constraints(root: ET.Element) -> str | None:
    ident = next((e for e in root.iter() if _local(e.tag) == "ServiceIdentification"), None)
    if ident is None:
        return None
    said = [(e.text or "").strip() for e in ident if _local(e.tag) in ("Fees", "AccessConstraints")]
    said = [s for s in said if s.casefold() not in ("", "none", "keine", "no conditions apply")]
    return " / ".join(said) or None


def find_feature_type(caps: Capabilities, layer: str | None, words: tuple[str, ...]) -> FeatureType:
    """The FeatureType by name (with or without prefix), else the one whose name or title
    has the first of ``words`` that picks exactly one."""
    if layer:
        bare = layer.rsplit(":", 1)[-1]
        for ft in caps.feature_types:
            if ft.name == layer or ft.name.rsplit(":", 1)[-1] == bare:
                return ft
    def words_of(ft: FeatureType) -> str:  # the prefix is often the service name itself
        return f"{ft.name.rsplit(':', 1)[-1]} {ft.title}".casefold().replace("_", " ")

    for word in words:
        hits = [ft for ft in caps.feature_types
                if word.casefold().replace("_", " ") in words_of(ft)]
        if len(hits) == 1:
            return hits[0]
    offered = ", ".join(ft.name for ft in caps.feature_types) or "none"
    wanted = layer or " or ".join(repr(w) for w in words)
    raise WfsError(f"the capabilities list no single layer {wanted} (offered: {offered})")


def check_crs(ft: FeatureType) -> None:
    if not any(is_epsg_25833(crs) for crs in ft.crs):
        raise WfsError(f"layer {ft.name} is not offered in EPSG:25833 "
                       f"(offered: {', '.join(ft.crs) or 'none'})")


def choose_format(caps: Capabilities, ft: FeatureType) -> str:
    """GeoJSON when offered (smaller, simpler), else GML 3.2 (what WFS 2.0 must offer)."""
    offered = ft.formats or caps.getfeature_formats
    for wanted in JSON_FORMATS:
        for fmt in offered:
            if fmt.casefold() == wanted or (wanted == "json" and "json" in fmt.casefold()):
                return fmt
    if not offered:
        return GML32
    for fmt in offered:
        if "gml" in fmt.casefold() and "3.2" in fmt:
            return fmt
    raise WfsError(f"layer {ft.name} is offered neither as GeoJSON nor as GML 3.2 "
                   f"(offered: {', '.join(offered)})")


# --- feature collections ---------------------------------------------------------------

def read_features(path: Path) -> list[RawFeature]:
    """Features of a GeoJSON or GML 3.2 answer, whatever was asked for (servers differ)."""
    with path.open("rb") as handle:
        start = handle.read(512).lstrip()
    if start.startswith(b"{"):
        return _geojson_features(path)
    if start.startswith(b"<"):
        return _gml_features(_parse_xml(path))
    raise WfsError("the answer is neither JSON nor XML")


def _check_complete(matched: object, returned: object) -> None:
    """WFS 2.0 servers may stop at a count limit; a partial layer must not replace a whole one."""
    if str(matched).isdigit() and str(returned).isdigit() and int(returned) < int(matched):
        raise WfsError(f"the service returned only {returned} of {matched} features "
                       "(server-side limit)")


def _geojson_features(path: Path) -> list[RawFeature]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WfsError(f"the answer is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise WfsError("the JSON answer is not a GeoJSON FeatureCollection")
    crs = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    if crs is not None and not is_epsg_25833(crs):
        raise WfsError(f"the answer is in CRS {crs}, not EPSG:25833")
    _check_complete(doc.get("numberMatched"), doc.get("numberReturned"))
    features = []
    for index, feature in enumerate(doc.get("features") or []):
        fid = feature.get("id")
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError, GEOSException) as exc:
            raise WfsError(f"feature {fid or index}: unreadable geometry ({exc})") from None
        features.append(RawFeature(None if fid is None else str(fid),
                                   dict(feature.get("properties") or {}), geometry))
    return features


def _gml_features(root: ET.Element) -> list[RawFeature]:
    _raise_if_exception(root)
    if _local(root.tag) != "FeatureCollection":
        raise WfsError(f"the XML answer is not a wfs:FeatureCollection (root {_local(root.tag)})")
    _check_complete(root.get("numberMatched"), root.get("numberReturned"))
    members = [m for tag in ("member", "featureMember") for m in _kids(root, tag)]
    return [_gml_feature(feature) for member in members for feature in member]


def _gml_feature(elem: ET.Element) -> RawFeature:
    fid = elem.get(f"{{{GML}}}id")
    if _local(elem.tag) == "FeatureCollection":
        raise WfsError("nested feature collections (joins) are not supported")
    props: dict[str, object] = {}
    geometry = None
    for child in elem:
        if child.tag.startswith(f"{{{GML}}}"):
            continue  # gml:boundedBy, gml:name, gml:description
        if len(child):
            if geometry is not None:
                raise WfsError(f"feature {fid}: more than one geometry property")
            geometry = _gml_geometry(child[0], None, 2)
        elif child.get("{http://www.w3.org/2001/XMLSchema-instance}nil") != "true":
            props[_local(child.tag)] = (child.text or "").strip() or None
    if geometry is None:
        raise WfsError(f"feature {fid}: no geometry")
    return RawFeature(fid, props, geometry)


def _gml_geometry(elem: ET.Element, srs: str | None, dim: int) -> BaseGeometry:
    srs = elem.get("srsName") or srs
    if srs and not is_epsg_25833(srs):
        raise WfsError(f"a geometry is in CRS {srs}, not EPSG:25833")
    dim = int(elem.get("srsDimension") or dim)
    name = _local(elem.tag)
    if name in ("Polygon", "PolygonPatch"):
        return _gml_polygon(elem, dim)
    if name in ("Surface", "MultiSurface", "MultiPolygon"):
        parts: list[Polygon] = []
        for holder in elem:  # gml:patches, gml:surfaceMember(s), gml:polygonMember
            for part in holder:
                geom = _gml_geometry(part, srs, dim)
                parts.extend(geom.geoms if isinstance(geom, MultiPolygon) else [geom])
        return parts[0] if len(parts) == 1 else MultiPolygon(parts)
    raise WfsError(f"unsupported GML geometry gml:{name} (polygons expected)")


def _gml_polygon(elem: ET.Element, dim: int) -> Polygon:
    rings: dict[str, list[list[tuple[float, ...]]]] = {"exterior": [], "interior": []}
    for side in elem:
        ring = side[0] if len(side) else None
        if _local(side.tag) not in rings or ring is None:
            continue
        if _local(ring.tag) != "LinearRing":
            raise WfsError(f"unsupported GML ring gml:{_local(ring.tag)} (gml:LinearRing expected)")
        rings[_local(side.tag)].append(_gml_coords(ring, int(ring.get("srsDimension") or dim)))
    if len(rings["exterior"]) != 1:
        raise WfsError("a gml:Polygon without exactly one exterior ring")
    try:
        return Polygon(rings["exterior"][0], rings["interior"])
    except (ValueError, GEOSException) as exc:
        raise WfsError(f"a gml:Polygon that is no polygon ({exc})") from None


def _gml_coords(ring: ET.Element, dim: int) -> list[tuple[float, ...]]:
    """Coordinates of a gml:posList, or of a sequence of gml:pos elements."""
    pos_list = next(_kids(ring, "posList"), None)
    try:
        if pos_list is not None:
            dim = int(pos_list.get("srsDimension") or dim)
            numbers = [float(n) for n in (pos_list.text or "").split()]
            if len(numbers) % dim:
                raise WfsError(f"a gml:posList with {len(numbers)} numbers for dimension {dim}")
            return [tuple(numbers[i:i + 2]) for i in range(0, len(numbers), dim)]
        return [tuple(float(n) for n in (pos.text or "").split()[:2]) for pos in _kids(ring, "pos")]
    except ValueError as exc:
        raise WfsError(f"unreadable GML coordinates ({exc})") from None


# --- checks and reprojection -----------------------------------------------------------

@lru_cache(maxsize=1)
def _transformer() -> Transformer:
    return Transformer.from_crs("EPSG:25833", "OGC:CRS84", always_xy=True)


def _to_lonlat(coords: np.ndarray) -> np.ndarray:
    """(N, 2) easting/northing to lon/lat, the shape ``shapely.transform`` passes."""
    lon, lat = _transformer().transform(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def checked_lonlat(geometry: BaseGeometry, label: str) -> BaseGeometry:
    """The geometry in lon/lat, refused unless polygonal, non-empty, valid and in Berlin.

    Exterior rings come out counter-clockwise, as RFC 7946 section 3.1.6 asks.
    """
    if geometry.is_empty:
        raise WfsError(f"feature {label}: empty geometry")
    if not isinstance(geometry, Polygon | MultiPolygon):
        raise WfsError(f"feature {label}: {geometry.geom_type} is not a polygon")
    if not geometry.is_valid:
        raise WfsError(f"feature {label}: invalid geometry ({explain_validity(geometry)})")
    lonlat = shapely.transform(geometry, _to_lonlat)
    west, south, east, north = lonlat.bounds
    box_w, box_s, box_e, box_n = BERLIN_LONLAT
    if not (box_w <= west and east <= box_e and box_s <= south and north <= box_n):
        raise WfsError(f"feature {label}: outside Berlin after transformation (lon "
                       f"{west:.4f}..{east:.4f}, lat {south:.4f}..{north:.4f}); wrong CRS "
                       "or axis order?")
    if isinstance(lonlat, Polygon):
        return orient(lonlat, 1.0)
    return MultiPolygon([orient(part, 1.0) for part in lonlat.geoms])
