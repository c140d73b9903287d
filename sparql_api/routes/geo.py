"""Geography for civic tech: point lookup and GeoJSON (RFC 7946) layers.

``GET /lookup?lat=…&lon=…`` names the district, Prognoseraum, Bezirksregion and
Planungsraum (with its MSS 2021 classes) and the QM areas that contain a point, as JSON
or JSON-LD, with URIs. ``GET /geo/{layer}.geojson`` serves districts, Planungsräume (with
MSS properties, by edition) and QM area geometries, each feature with its URI.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..conneg import choose
from ..errors import BadRequest, NotFound
from ..formats import Format
from ..geoindex import GeoIndex, Unit, feature, valid_coordinate

router = APIRouter()
JSON = Format("json", "application/json", (), "", "json")
JSON_LD = Format("jsonld", "application/ld+json", (), "http://www.w3.org/ns/formats/JSON-LD",
                 "jsonld")
GEOJSON_TYPE = "application/geo+json"
LOOKUP_FORMATS = (JSON, JSON_LD)
MSS_EDITIONS = (2013, 2015, 2017, 2019, 2021)
GEO_LAYERS = ("districts", "planungsraeume", "areas")


def _index(request: Request) -> GeoIndex:
    return request.app.state.geo.get()  # type: ignore[no-any-return]


def _number(request: Request, name: str, low: float, high: float) -> float:
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        raise BadRequest(f"missing '{name}': give lat and lon in decimal degrees (WGS 84), "
                         "e.g. /lookup?lat=52.5446&lon=13.3522")
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a decimal number, got {raw!r}") from None
    if not valid_coordinate(value, low, high):
        raise BadRequest(f"'{name}' must lie between {low:g} and {high:g}, got {raw!r}")
    return value


def _code(uri: str | None) -> str | None:
    return uri.rsplit("/", 1)[-1] if uri else None


def _unit(unit: Unit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"uri": unit.uri, "key": unit.key, "name": unit.name}


def _mss(index: GeoIndex, unit: Unit, edition: int) -> dict[str, Any] | None:
    row = index.mss.get((unit.uri, edition))
    if row is None:
        return None
    return {"edition": edition,
            "status_index": {"uri": row.get("status"), "label": row.get("statusLabel")}
            if row.get("status") else None,
            "dynamics_index": {"uri": row.get("dynamics"), "label": row.get("dynamicsLabel")}
            if row.get("dynamics") else None}


def _area(unit: Unit) -> dict[str, Any]:
    kind = _code(unit.extra["geometry_kind"])
    return {"uri": unit.uri, "name": unit.name, "status": _code(unit.extra["status"]),
            "geometry": "official boundary" if kind == "official"
            else "footprint derived from LOR units (not the official boundary)",
            "geometry_kind": kind, "accuracy": _code(unit.extra.get("accuracy"))}


@router.get("/lookup", summary="Which district, LOR units and QM areas contain a point")
def lookup(request: Request) -> Response:
    unknown = set(request.query_params) - {"lat", "lon", "format"}
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(sorted(unknown))}; expected lat, "
                         "lon and optionally format (json, jsonld)")
    lat = _number(request, "lat", -90, 90)
    lon = _number(request, "lon", -180, 180)
    fmt = _format(request)
    index = _index(request)
    found = index.lookup(lon, lat)
    plr = found["planungsraum"]
    body: dict[str, Any] = {
        "point": {"lat": lat, "lon": lon}, "inside_berlin": found["inside_berlin"],
        "release": index.release_id,
        "district": _unit(found["district"]), "prognoseraum": _unit(found["prognoseraum"]),
        "bezirksregion": _unit(found["bezirksregion"]),
        "planungsraum": None if plr is None else {**_unit(plr), "mss": _mss(index, plr, 2021)},
        "qm_areas": [_area(a) for a in found["qm_areas"]],
    }
    if not found["inside_berlin"]:
        body["message"] = "the point lies outside Berlin: nothing to report"
    elif not body["qm_areas"]:
        body["message"] = ("no QM area with a known geometry contains the point (most areas "
                           "have no published geometry yet)")
    if fmt is JSON_LD:
        return Response(json.dumps(_json_ld(request, body), ensure_ascii=False),
                        media_type=JSON_LD.media_type)
    return Response(json.dumps(body, ensure_ascii=False), media_type=JSON.media_type)


def _format(request: Request) -> Format:
    return choose(request.query_params.get("format"), request.headers.get("accept"),
                  LOOKUP_FORMATS, "the lookup")


def _json_ld(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """The lookup as JSON-LD: every named unit is a node with its URI as @id."""
    kg = f"{request.app.state.settings.base_iri}/def/"
    context = {
        "kg": kg, "schema": "https://schema.org/", "skos": "http://www.w3.org/2004/02/skos/core#",
        "uri": "@id", "name": "skos:prefLabel", "key": "skos:notation",
        "point": "schema:geo", "lat": "schema:latitude", "lon": "schema:longitude",
        "inside_berlin": "kg:insideBerlin", "release": "kg:release",
        "district": {"@id": "kg:containingDistrict"},
        "prognoseraum": {"@id": "kg:containingPrognoseraum"},
        "bezirksregion": {"@id": "kg:containingBezirksregion"},
        "planungsraum": {"@id": "kg:containingPlanungsraum"},
        "qm_areas": {"@id": "kg:containingArea", "@container": "@set"},
        "mss": "kg:mss", "edition": "kg:edition", "status_index": "kg:statusIndexClass",
        "dynamics_index": "kg:dynamicsIndexClass", "label": "skos:prefLabel",
        "status": "kg:statusCode", "geometry": "kg:geometryNote",
        "geometry_kind": "kg:geometryKindCode", "accuracy": "kg:accuracyCode",
        "message": "schema:description",
    }
    return {"@context": context, **body}


@router.get("/geo/{layer}.geojson", summary="GeoJSON layers: districts, planungsraeume, areas")
def geojson(request: Request, layer: str) -> Response:
    if layer not in GEO_LAYERS:
        raise NotFound(f"no GeoJSON layer {layer!r}; offered: {', '.join(GEO_LAYERS)}")
    allowed = {"district", "year"} if layer == "planungsraeume" else {"district"}
    unknown = set(request.query_params) - allowed
    if unknown:
        raise BadRequest(f"unknown parameter(s) {', '.join(sorted(unknown))}; this layer "
                         f"takes: {', '.join(sorted(allowed))}")
    index = _index(request)
    district = _district_filter(index, request.query_params.get("district"))
    if layer == "districts":
        features = [feature(u, {"key": u.key, "name": u.name})
                    for u in index.layers["district"].units
                    if district is None or u.uri == district]
    elif layer == "areas":
        features = [feature(u, {"name": u.name, "district": u.district, **_area(u)})
                    for u in index.areas.units if district is None or u.district == district]
    else:
        edition = _edition(request.query_params.get("year"))
        units = index.layers["planungsraum" if edition == 2021 else "planungsraum-pre2021"]
        features = [feature(u, _plr_properties(index, u, edition)) for u in units.units
                    if district is None or u.district == district]
    collection = {"type": "FeatureCollection", "features": features}
    return Response(json.dumps(collection, ensure_ascii=False),
                    media_type=GEOJSON_TYPE)


def _district_filter(index: GeoIndex, value: str | None) -> str | None:
    """A district given by slug ('mitte'), key ('001') or URI; None for all."""
    if value is None:
        return None
    for unit in index.layers["district"].units:
        if value in (unit.uri, unit.key, unit.uri.rsplit("/", 1)[-1]):
            return unit.uri
    names = ", ".join(u.uri.rsplit("/", 1)[-1] for u in index.layers["district"].units)
    raise BadRequest(f"unknown district {value!r}; use one of {names} (or its key)")


def _edition(value: str | None) -> int:
    if value is None:
        return 2021
    if not value.isdigit() or int(value) not in MSS_EDITIONS:
        raise BadRequest(f"'year' must be an MSS edition: {', '.join(map(str, MSS_EDITIONS))} "
                         "(2021 uses the LOR 2021 Planungsräume, earlier ones those before "
                         f"2021); got {value!r}")
    return int(value)


def _plr_properties(index: GeoIndex, unit: Unit, edition: int) -> dict[str, Any]:
    mss = _mss(index, unit, edition) or {}
    status, dynamics = mss.get("status_index"), mss.get("dynamics_index")
    return {"key": unit.key, "name": unit.name, "district": unit.district,
            "mss_edition": edition,
            "mss_status_index": status["label"] if status else None,
            "mss_dynamics_index": dynamics["label"] if dynamics else None}
