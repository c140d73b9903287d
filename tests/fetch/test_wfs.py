"""ingest.wfs without HTTP: CRS names, capabilities, formats, GML details, geometry checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import Polygon

from ingest import wfs

from .conftest import fixture

GML_HEAD = (b'<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" '
            b'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:t="urn:test" ')


@pytest.mark.parametrize("crs, expected", [
    ("EPSG:25833", True), ("urn:ogc:def:crs:EPSG::25833", True),
    ("http://www.opengis.net/def/crs/EPSG/0/25833", True), ("urn:ogc:def:crs:EPSG:9.9:25833", True),
    ("EPSG:4326", False), ("urn:ogc:def:crs:EPSG::3068", False), ("EPSG:258330", False),
    ("", False), (None, False),
])
def test_crs_names(crs, expected) -> None:
    assert wfs.is_epsg_25833(crs) is expected


def test_capabilities_give_layer_crs_and_formats() -> None:
    caps = wfs.parse_capabilities(fixture("s_quartier.capabilities.xml"))
    feature_type = wfs.find_feature_type(caps, "s_quartier", ())  # prefix may differ
    assert feature_type.name == "fis:s_quartier"
    assert feature_type.crs == ("urn:ogc:def:crs:EPSG::25833", "urn:ogc:def:crs:EPSG::4258")
    assert wfs.choose_format(caps, feature_type) == "application/geo+json"
    assert caps.provider == "TEST Anbieter" and "dl-de/by-2-0" in (caps.constraints or "")


def test_ambiguous_or_missing_layer_is_an_error_naming_the_offers() -> None:
    caps = wfs.parse_capabilities(fixture("lor_2021.capabilities.xml"))
    with pytest.raises(wfs.WfsError, match=r"no single layer 'lor'.*a_lor_plr_2021"):
        wfs.find_feature_type(caps, None, ("lor",))
    assert wfs.find_feature_type(caps, None, ("lor", "bezirksregion")).name.endswith("bzr_2021")


def test_format_falls_back_to_gml_and_refuses_neither() -> None:
    feature_type = wfs.FeatureType("t", "", ("EPSG:25833",), ())
    bare = wfs.Capabilities((feature_type,), (), None, None)
    assert wfs.choose_format(bare, feature_type) == wfs.GML32
    shapes_only = wfs.Capabilities((feature_type,), ("SHAPE-ZIP", "KML"), None, None)
    with pytest.raises(wfs.WfsError, match=r"neither as GeoJSON nor as GML 3\.2"):
        wfs.choose_format(shapes_only, feature_type)


def test_old_wfs_version_and_exception_reports_are_recognised() -> None:
    old = fixture("s_quartier.capabilities.xml").replace(b'version="2.0.0"', b'version="1.1.0"')
    with pytest.raises(wfs.WfsError, match=r"speaks WFS 1\.1\.0"):
        wfs.parse_capabilities(old)
    with pytest.raises(wfs.WfsError, match="InvalidParameterValue at typeNames: TEST"):
        wfs.parse_capabilities(fixture("exception_report.xml"))
    assert wfs.exception_in(b'{"type": "FeatureCollection"}') is None


def test_getfeature_url_is_kvp_with_encoded_format() -> None:
    url = wfs.getfeature_url("https://example.invalid/wfs/x", "fis:x", wfs.GML32)
    assert url == ("https://example.invalid/wfs/x?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature"
                   "&TYPENAMES=fis:x&SRSNAME=EPSG:25833"
                   "&OUTPUTFORMAT=application/gml%2Bxml%3B%20version%3D3.2")


def _gml(tmp_path: Path, attrs: bytes, geometry: bytes) -> Path:
    path = tmp_path / "answer.gml"
    path.write_bytes(GML_HEAD + attrs + b"><wfs:member><t:f gml:id=\"t.1\"><t:g>" + geometry
                     + b"</t:g></t:f></wfs:member></wfs:FeatureCollection>")
    return path


SQUARE = (b'<gml:exterior><gml:LinearRing><gml:posList>390000 5820000 390100 5820000 '
          b'390100 5820100 390000 5820100 390000 5820000</gml:posList></gml:LinearRing>'
          b'</gml:exterior>')


def test_gml_geometry_in_another_crs_is_refused(tmp_path) -> None:
    path = _gml(tmp_path, b"", b'<gml:Polygon srsName="EPSG:4326">' + SQUARE + b"</gml:Polygon>")
    with pytest.raises(wfs.WfsError, match="a geometry is in CRS EPSG:4326, not EPSG:25833"):
        wfs.read_features(path)


def test_partial_answer_is_refused(tmp_path) -> None:
    path = _gml(tmp_path, b'numberMatched="5" numberReturned="1"',
                b"<gml:Polygon>" + SQUARE + b"</gml:Polygon>")
    with pytest.raises(wfs.WfsError, match="only 1 of 5 features"):
        wfs.read_features(path)


def test_non_polygon_gml_is_refused(tmp_path) -> None:
    path = _gml(tmp_path, b"", b"<gml:Point><gml:pos>390000 5820000</gml:pos></gml:Point>")
    with pytest.raises(wfs.WfsError, match=r"unsupported GML geometry gml:Point"):
        wfs.read_features(path)


def test_coordinates_outside_berlin_are_refused() -> None:
    lonlat_by_mistake = Polygon([(13.40, 52.52), (13.41, 52.52), (13.41, 52.53), (13.40, 52.52)])
    with pytest.raises(wfs.WfsError, match="T1 x: outside Berlin after transformation"):
        wfs.checked_lonlat(lonlat_by_mistake, "T1 x")
    with pytest.raises(wfs.WfsError, match="empty geometry"):
        wfs.checked_lonlat(Polygon(), "T1 x")
