"""Point lookup and GeoJSON over real HTTP: right units, clear errors, valid RFC 7946."""

from __future__ import annotations

import json

import geojson
import pytest
import requests
from rdflib import Graph, URIRef
from shapely.geometry import shape

from ..conftest import BASE, DATA
from .conftest import LiveServer

ID = f"{BASE}/id"


def _features(layer: str) -> dict[str, dict]:
    collection = json.loads((DATA / "geo" / f"{layer}.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["key"]: f for f in collection["features"]}


PLR = _features("lor-plr-2021")


def _inside(key: str) -> tuple[float, float]:
    point = shape(PLR[key]["geometry"]).representative_point()
    return point.y, point.x


@pytest.mark.parametrize("key", ["01200517", "07400928", "08401245", "12100101"])
def test_lookup_finds_the_planungsraum_and_its_parents(live: LiveServer, key: str) -> None:
    lat, lon = _inside(key)
    response = requests.get(f"{live.url}/lookup", params={"lat": lat, "lon": lon}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["inside_berlin"] is True
    assert body["planungsraum"]["uri"] == f"{ID}/plr-2021/{key}"
    assert body["planungsraum"]["name"] == PLR[key]["properties"]["name"]
    assert body["bezirksregion"]["key"] == key[:6]
    assert body["prognoseraum"]["key"] == key[:4]
    assert body["district"]["key"] == "0" + key[:2]
    assert body["planungsraum"]["mss"]["edition"] == 2021


def test_lookup_in_a_qm_area_footprint_says_it_is_derived(live: LiveServer) -> None:
    lat, lon = _inside("07400928")  # Germaniagarten: the area is this Planungsraum
    body = requests.get(f"{live.url}/lookup", params={"lat": lat, "lon": lon},
                        timeout=30).json()
    areas = {a["uri"]: a for a in body["qm_areas"]}
    area = areas[f"{ID}/area/germaniagarten"]
    assert area["geometry_kind"] == "derived-from-lor" and area["accuracy"] == "exact"
    assert "not the official boundary" in area["geometry"]


def test_a_point_outside_berlin_is_an_empty_answer_that_says_so(live: LiveServer) -> None:
    response = requests.get(f"{live.url}/lookup", params={"lat": 48.137, "lon": 11.575},
                            timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["inside_berlin"] is False and body["planungsraum"] is None
    assert body["qm_areas"] == [] and "outside Berlin" in body["message"]


@pytest.mark.parametrize(("params", "message"), [
    ({"lon": "13.4"}, "missing 'lat'"),
    ({"lat": "52.5", "lon": "abc"}, "'lon' must be a decimal number"),
    ({"lat": "95", "lon": "13.4"}, "'lat' must lie between -90 and 90"),
    ({"lat": "nan", "lon": "13.4"}, "'lat' must lie between"),
    ({"lat": "52.5", "lon": "inf"}, "'lon' must lie between"),
    ({"lat": "52.5", "lon": "13.4", "radius": "3"}, "unknown parameter(s) radius"),
    ({"lat": "52.5", "lon": "13.4", "format": "xml"}, "unknown format 'xml'"),
])
def test_bad_coordinates_are_400_with_the_reason(live: LiveServer, params: dict,
                                                 message: str) -> None:
    response = requests.get(f"{live.url}/lookup", params=params, timeout=30)
    assert response.status_code == 400
    assert message in response.text


def test_lookup_as_json_ld_parses_with_uris(live: LiveServer) -> None:
    lat, lon = _inside("01200517")
    response = requests.get(f"{live.url}/lookup", params={"lat": lat, "lon": lon},
                            headers={"Accept": "application/ld+json"}, timeout=30)
    assert response.headers["content-type"].startswith("application/ld+json")
    graph = Graph().parse(data=response.text, format="json-ld")
    objects = {str(o) for o in graph.objects() if isinstance(o, URIRef)}
    assert f"{ID}/plr-2021/01200517" in objects and f"{ID}/district/mitte" in objects
    assert requests.get(f"{live.url}/lookup", params={"lat": lat, "lon": lon},
                        headers={"Accept": "text/turtle"}, timeout=30).status_code == 406


def _geojson(live: LiveServer, layer: str, **params: str) -> dict:
    response = requests.get(f"{live.url}/geo/{layer}.geojson", params=params, timeout=60)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    parsed = geojson.loads(response.text)  # structure check (it rounds coordinates)
    assert parsed.is_valid, parsed.errors()
    for feature in response.json()["features"]:
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty
        assert feature["id"] == feature["properties"]["uri"]
        for polygon in getattr(geometry, "geoms", [geometry]):
            assert polygon.exterior.is_ccw  # RFC 7946 right-hand rule
    return response.json()


def test_geojson_districts(live: LiveServer) -> None:
    collection = _geojson(live, "districts")
    assert len(collection["features"]) == 12
    assert {f["properties"]["name"] for f in collection["features"]} >= {"Mitte", "Neukölln"}


def test_geojson_planungsraeume_with_mss_filtered_by_district(live: LiveServer) -> None:
    everything = _geojson(live, "planungsraeume")
    assert len(everything["features"]) == 542
    statuses = [f["properties"]["mss_status_index"] for f in everything["features"]]
    assert statuses.count("hoch") == 75 and statuses.count("sehr niedrig") == 49
    mitte = _geojson(live, "planungsraeume", district="mitte")
    assert mitte["features"] and all(f["properties"]["key"].startswith("01")
                                     for f in mitte["features"])
    old = _geojson(live, "planungsraeume", year="2019", district="001")
    assert old["features"] and all(f["properties"]["mss_edition"] == 2019
                                   for f in old["features"])


def test_geojson_area_footprints(live: LiveServer) -> None:
    collection = _geojson(live, "areas")
    names = {f["properties"]["uri"].rsplit("/", 1)[-1] for f in collection["features"]}
    assert "germaniagarten" in names and len(names) == 9
    assert all(f["properties"]["geometry_kind"] == "derived-from-lor"
               for f in collection["features"])


@pytest.mark.parametrize(("path", "status", "message"), [
    ("/geo/rivers.geojson", 404, "no GeoJSON layer 'rivers'"),
    ("/geo/planungsraeume.geojson?year=2020", 400, "'year' must be an MSS edition"),
    ("/geo/districts.geojson?district=atlantis", 400, "unknown district 'atlantis'"),
    ("/geo/areas.geojson?year=2021", 400, "unknown parameter(s) year"),
])
def test_geojson_errors(live: LiveServer, path: str, status: int, message: str) -> None:
    response = requests.get(live.url + path, timeout=30)
    assert response.status_code == status and message in response.text
