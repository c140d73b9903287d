"""Geography in the published graph: districts, LOR units and their hierarchy, MSS
results, area footprints derived from LOR, spatial relations; bad geodata is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import shape

from ingest.errors import InvalidDataError
from ingest.pipeline import build

from .conftest import BASE, DATA, make_settings, select

P = f"""PREFIX kg: <{BASE}/def/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
"""
ID = f"{BASE}/id"


def count(backend, where: str) -> int:
    return int(select(backend, P + f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")[0]["n"])


def test_twelve_districts_have_their_shape(backend) -> None:
    assert count(backend, "?d a kg:District ; geo:hasGeometry/geo:asWKT ?wkt") == 12


@pytest.mark.parametrize(("cls", "kind", "number", "digits"), [
    ("Prognoseraum", "pgr-2021", 58, 4), ("Bezirksregion", "bzr-2021", 143, 6),
    ("Planungsraum", "plr-2021", 542, 8), ("Planungsraum", "plr-pre2021", 447, 8)])
def test_lor_units_with_keys_and_shapes(backend, cls: str, kind: str, number: int,
                                        digits: int) -> None:
    rows = select(backend, P + f"""SELECT ?u ?key WHERE {{
        ?u a kg:{cls} ; kg:lorKind <{ID}/lor-kinds/{kind}> ; skos:notation ?key ;
           geo:hasGeometry/geo:asWKT ?wkt ; kg:district ?d ; dct:source ?s }}""")
    assert len(rows) == number
    assert all(len(r["key"]) == digits and r["u"].endswith("/" + r["key"]) for r in rows)


def test_lor_hierarchy_follows_the_keys_up_to_the_district(backend) -> None:
    rows = select(backend, P + """SELECT ?plr ?bzr ?pgr ?district WHERE {
        ?plr a kg:Planungsraum ; geo:sfWithin ?bzr . ?bzr geo:sfWithin ?pgr .
        ?pgr geo:sfWithin ?district . ?district a kg:District }""")
    assert len(rows) == 542
    row = next(r for r in rows if r["plr"].endswith("/plr-2021/01200517"))  # Huttenkiez
    assert row["bzr"].endswith("/bzr-2021/012005") and row["pgr"].endswith("/pgr-2021/0120")
    assert row["district"] == f"{ID}/district/mitte"


def test_mss_2021_status_classes(backend) -> None:
    rows = select(backend, P + f"""SELECT ?class (COUNT(*) AS ?n) WHERE {{
        ?obs kg:monitoringReport <{ID}/monitoring-report/mss-2021> ;
             sdmx-dimension:refArea ?plr ; kg:statusIndexClass ?class .
        ?plr kg:lorKind <{ID}/lor-kinds/plr-2021> }} GROUP BY ?class""")
    counts = {r["class"].rsplit("/", 1)[-1]: int(r["n"]) for r in rows}
    assert counts == {"hoch": 75, "mittel": 366, "niedrig": 46, "sehr-niedrig": 49,
                      "ohne-zuordnung": 6}


def test_older_mss_editions_use_the_old_planungsraeume(backend) -> None:
    rows = select(backend, P + f"""SELECT ?report (COUNT(*) AS ?n) WHERE {{
        ?obs kg:monitoringReport ?report ; sdmx-dimension:refArea ?plr .
        ?plr kg:lorKind <{ID}/lor-kinds/plr-pre2021> }} GROUP BY ?report""")
    counts = {r["report"].rsplit("/", 1)[-1]: int(r["n"]) for r in rows}
    assert set(counts) == {"mss-2013", "mss-2015", "mss-2017", "mss-2019"}
    assert all(440 <= n <= 447 for n in counts.values()), counts


def test_footprints_only_where_sources_name_lor_units(backend) -> None:
    with_units = {r["area"] for r in select(backend, P + """SELECT DISTINCT ?area WHERE {
        ?c kg:area ?area ; kg:lorUnit ?unit }""")}
    rows = select(backend, P + """SELECT ?area ?kind ?accuracy ?method WHERE {
        ?area a kg:QMArea ; geo:hasGeometry ?g . ?g kg:geometryKind ?kind ;
        kg:geometryAccuracy ?accuracy ; kg:derivationMethod ?method ;
        prov:wasDerivedFrom ?unit ; dct:source ?s }""")
    assert {r["area"] for r in rows} == with_units and len(with_units) == 9
    assert all(r["kind"].endswith("/derived-from-lor") for r in rows)
    assert all("not the official boundary" in r["method"] for r in rows)
    accuracy = {r["area"].rsplit("/", 1)[-1]: r["accuracy"].rsplit("/", 1)[-1] for r in rows}
    assert accuracy["germaniagarten"] == "exact"
    assert accuracy["glasower-strasse"] == "approximate"  # "parts of" in the sources
    assert accuracy["falkenhagener-feld-ost"] == "approximate"  # two LOR editions


def test_a_footprint_is_the_union_of_its_units(backend) -> None:
    rows = select(backend, P + f"""SELECT ?wkt WHERE {{
        <{ID}/area/germaniagarten> geo:hasGeometry/geo:asWKT ?wkt }}""")
    plr = json.loads((DATA / "geo" / "lor-plr-2021.geojson").read_text(encoding="utf-8"))
    unit = next(f for f in plr["features"] if f["properties"]["key"] == "07400928")
    from shapely import wkt

    footprint = wkt.loads(rows[0]["wkt"])
    assert footprint.symmetric_difference(shape(unit["geometry"])).area < 1e-12


def test_spatial_relations_are_stored(backend) -> None:
    rows = select(backend, P + f"""SELECT ?district WHERE {{
        <{ID}/area/germaniagarten> geo:sfWithin ?district }}""")
    assert [r["district"] for r in rows] == [f"{ID}/district/tempelhof-schoeneberg"]
    overlaps = select(backend, P + f"""SELECT ?plr ?ofArea ?ofUnit WHERE {{
        <{ID}/area/germaniagarten> kg:overlap ?o . ?o kg:overlapWith ?plr ;
        kg:shareOfArea ?ofArea ; kg:shareOfUnit ?ofUnit }}""")
    main = next(r for r in overlaps if r["plr"].endswith("/07400928"))
    assert float(main["ofArea"]) > 0.99 and float(main["ofUnit"]) > 0.99
    assert all(float(r["ofArea"]) >= 0.001 or float(r["ofUnit"]) >= 0.001 for r in overlaps)


def test_old_and_new_planungsraeume_are_linked_by_name(backend) -> None:
    rows = select(backend, P + """SELECT ?old ?new WHERE {
        ?link kg:predecessorUnit ?old ; kg:successorUnit ?new ; dct:source ?s }""")
    pairs = {(r["old"].rsplit("/", 1)[-1], r["new"].rsplit("/", 1)[-1]) for r in rows}
    assert ("01022101", "01200517") in pairs and len(pairs) > 300


def _edit_geojson(data: Path, layer: str, change) -> None:
    path = data / "geo" / f"{layer}.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    change(collection["features"])
    path.write_text(json.dumps(collection), encoding="utf-8")


def _bowtie(features: list[dict]) -> None:
    features[0]["geometry"] = {"type": "Polygon", "coordinates": [[
        [13.40, 52.50], [13.41, 52.51], [13.41, 52.50], [13.40, 52.51], [13.40, 52.50]]]}


def _outside(features: list[dict]) -> None:
    features[3]["geometry"] = {"type": "Polygon", "coordinates": [[
        [390000, 5800000], [391000, 5800000], [391000, 5801000], [390000, 5800000]]]}


def _duplicate(features: list[dict]) -> None:
    features.append(features[0])


@pytest.mark.parametrize(("change", "message"), [
    (_bowtie, "geometry is invalid: Self-intersection"),
    (_outside, "outside Berlin's bounding box"),
    (_duplicate, "key given twice"),
])
def test_bad_geodata_is_refused_with_its_location(tmp_path: Path, data_copy: Path, change,
                                                  message: str) -> None:
    _edit_geojson(data_copy, "lor-plr-2021", change)
    with pytest.raises(InvalidDataError) as caught:
        build(make_settings(tmp_path / "store", data_dir=data_copy))
    text = "\n".join(map(str, caught.value.problems))
    assert "geo/lor-plr-2021.geojson" in text and message in text


def test_a_missing_layer_is_reported(tmp_path: Path, data_copy: Path) -> None:
    (data_copy / "geo" / "lor-bzr-2021.geojson").unlink()
    with pytest.raises(InvalidDataError) as caught:
        build(make_settings(tmp_path / "store", data_dir=data_copy))
    assert any("lor-bzr-2021.geojson" in str(p) and "missing" in str(p)
               for p in caught.value.problems)


def test_an_official_polygon_replaces_the_derived_footprint(tmp_path: Path,
                                                            data_copy: Path) -> None:
    """What ``kiezgraph fetch`` writes for the QM layer; TEST DATA: a made-up square
    inside Planungsraum Germaniagarten, named like the area so that it matches."""
    plr = json.loads((data_copy / "geo" / "lor-plr-2021.geojson").read_text(encoding="utf-8"))
    inner = shape(next(f for f in plr["features"]
                       if f["properties"]["key"] == "07400928")["geometry"])
    x, y = inner.representative_point().coords[0]
    square = [[x - 0.0005, y - 0.0005], [x + 0.0005, y - 0.0005], [x + 0.0005, y + 0.0005],
              [x - 0.0005, y + 0.0005], [x - 0.0005, y - 0.0005]]
    layer = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"key": "TEST-1", "name": "Germaniagarten"},
         "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"type": "Feature", "properties": {"key": "TEST-2", "name": "TEST Gebiet ohne Namen"},
         "geometry": {"type": "Polygon", "coordinates": [square]}}]}
    (data_copy / "geo" / "qm-areas.geojson").write_text(json.dumps(layer), encoding="utf-8")
    source = {"layer": "qm-areas", "title": "TEST DATA", "upstream": "https://example.invalid/",
              "original_crs": "http://www.opengis.net/def/crs/EPSG/0/25833"}
    (data_copy / "geo" / "qm-areas.source.json").write_text(json.dumps(source),
                                                            encoding="utf-8")
    built = build(make_settings(tmp_path / "store", data_dir=data_copy))
    graph = built.data["geo/area-geometries"]
    rows = list(graph.query(P + f"""SELECT ?g ?kind WHERE {{
        <{ID}/area/germaniagarten> geo:hasGeometry ?g . ?g kg:geometryKind ?kind }}"""))
    assert [(str(g), str(kind)) for g, kind in rows] == [
        (f"{ID}/area/germaniagarten/boundary", f"{ID}/geometry-kinds/official")]
    others = {str(s) for s in graph.subjects(None, None) if "/area/" in str(s)}
    assert f"{ID}/area/beusselstrasse/footprint" in others  # the rest stay derived
    assert not any("TEST-2" in str(o) for o in graph.objects())  # unmatched: not published
