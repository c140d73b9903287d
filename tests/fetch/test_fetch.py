"""``kiezgraph fetch`` against a local WFS stand-in: real HTTP, real parsers, temp data folder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from shapely.geometry import shape

from ingest.config import Settings
from ingest.fetch import FetchOptions, fetch_layers
from ingest.geo_sources import select_sources

from .conftest import JSON, LAST_GOOD, Reply, WfsStandIn, fetch, fixture, snapshot

QUICK = FetchOptions(timeout=5, retries=2, backoff=0.01)


def qm_service(wfs: WfsStandIn, features: Reply) -> str:
    return wfs.service("s_quartier", "s_quartier.capabilities.xml", features)


def geojson(name: str = "s_quartier.geojson", **extra: object) -> Reply:
    return Reply(fixture(name), content_type=JSON, **extra)  # type: ignore[arg-type]


def run_api(data: Path, layer: str, url: str, options: FetchOptions = QUICK):
    sources = select_sources([layer], {layer: [url]})
    return fetch_layers(Settings(data_dir=data), sources, options)[0]


def read(data: Path, layer: str) -> tuple[dict, dict]:
    geo = data / "geo"
    return (json.loads((geo / f"{layer}.geojson").read_text(encoding="utf-8")),
            json.loads((geo / f"{layer}.source.json").read_text(encoding="utf-8")))


def test_geojson_layer_is_normalised_checked_and_described(wfs, data_dir, capsys) -> None:
    url = qm_service(wfs, geojson(etag='"v1"', headers={"Last-Modified": "Sat, 01 Jan 2000 "
                                                        "00:00:00 GMT"}))
    code, out, err = fetch(capsys, data_dir, "--only", "qm-areas", "--service", f"qm-areas={url}")
    assert code == 0, err
    collection, source = read(data_dir, "qm-areas")
    assert "crs" not in collection
    props = [f["properties"] for f in collection["features"]]
    assert [p["key"] for p in props] == ["T01", "T02", "T03", "T04"]
    assert props[1] == {"key": "T02", "name": "TEST-Gebiet  B", "district_name": "TEST Bezirk",
                        "decision_number": "TEST-2/2001", "decision_date": "2001-03-15",
                        "amendment_number": "TEST-2a/2002", "amendment_date": "2002-07-01",
                        "area_ha": 2.0}
    assert "amendment_date" not in props[0] and "amendment_number" not in props[0]
    geoms = {p["key"]: shape(f["geometry"]) for p, f in zip(props, collection["features"],
                                                           strict=True)}
    assert geoms["T02"].geom_type == "MultiPolygon" and len(geoms["T02"].geoms) == 2
    assert len(geoms["T03"].interiors) == 1 and geoms["T03"].exterior.is_ccw
    west, south, east, north = geoms["T01"].bounds
    assert 13.0 < west < east < 13.8 and 52.3 < south < north < 52.7
    assert 0.0013 < east - west < 0.0016  # 100 m at 52.5° N
    getfeature = wfs.requests("GetFeature")[0].params
    assert getfeature["srsname"] == "EPSG:25833" and getfeature["typenames"] == "fis:s_quartier"
    assert getfeature["outputformat"] == "application/geo+json"
    assert source["method"] == "wfs" and source["features"] == 4 and source["left_out"] == []
    assert source["service"].startswith(url + "?") and "SRSNAME=EPSG:25833" in source["service"]
    assert source["upstream"] == url and source["publisher"] == "TEST Anbieter"
    assert source["original_crs"] == "http://www.opengis.net/def/crs/EPSG/0/25833"
    assert source["retrieved"].endswith("Z") and source["etag"] == '"v1"'
    assert source["last_modified"] == "Sat, 01 Jan 2000 00:00:00 GMT"
    assert source["licence"] == "dl-de/by-2-0" and "TEST: Datenlizenz" in source["licence_note"]
    assert source["attribution"] == "TEST attribution"  # not stated by the service: kept
    assert "qm-areas: updated, 4 features" in out
    assert not [p for p in (data_dir / "geo").iterdir() if p.name.startswith(".")]


def test_gml_layer_keeps_licence_fields_the_service_does_not_state(wfs, data_dir, capsys) -> None:
    previous = json.loads((data_dir / "geo" / "lor-plr-2021.source.json").read_text())
    url = wfs.service("lor_2021", "lor_2021.capabilities.xml", Reply(fixture("a_lor_plr_2021.gml")))
    code, _, err = fetch(capsys, data_dir, "--only", "lor-plr-2021",
                         "--service", f"lor-plr-2021={url}")
    assert code == 0, err
    params = wfs.requests("GetFeature")[0].params
    assert params["outputformat"] == "application/gml+xml; version=3.2"
    assert params["typenames"] == "lor_2021:a_lor_plr_2021"
    collection, source = read(data_dir, "lor-plr-2021")
    features = {f["properties"]["key"]: f for f in collection["features"]}
    assert list(features) == ["T2000001", "T2000002", "T2000003"]
    assert features["T2000001"]["properties"] == {"key": "T2000001", "name": "TEST Planungsraum A"}
    assert len(shape(features["T2000001"]["geometry"]).interiors) == 1
    assert len(shape(features["T2000002"]["geometry"]).geoms) == 2  # gml:pos and 3-D posList
    assert shape(features["T2000003"]["geometry"]).geom_type == "Polygon"  # gml:Surface
    for name in ("licence", "licence_note", "attribution", "original_source"):
        assert source[name] == previous[name]
    assert "etag" not in source and source["method"] == "wfs"


def test_pre2021_keys_from_feature_ids_and_german_dates(wfs, data_dir) -> None:
    url = wfs.service("s_lor_plan", "s_lor_plan.capabilities.xml", Reply(fixture("s_lor_plan.gml")))
    result = run_api(data_dir, "lor-plr-pre2021", url)
    assert result.status == "updated", result.errors
    assert wfs.requests("GetFeature")[0].params["outputformat"] == "text/xml; subtype=gml/3.2.1"
    collection, _ = read(data_dir, "lor-plr-pre2021")
    assert [f["properties"] for f in collection["features"]] == [
        {"key": "T1000001", "name": "TEST Planungsraum alt A", "district_name": "TEST Bezirk",
         "valid_from": "2006-06-14", "area_m2": 10000.5},
        {"key": "T1000002", "name": "TEST Planungsraum alt B", "district_name": "TEST Bezirk",
         "valid_from": "2006-06-14", "area_m2": 10000}]


@pytest.mark.parametrize("request_name, status", [("GetFeature", 200), ("GetCapabilities", 400)])
def test_exception_report_is_an_error_with_its_text(wfs, data_dir, capsys, request_name,
                                                   status) -> None:
    url = qm_service(wfs, geojson())
    wfs.add("s_quartier", request_name, Reply(fixture("exception_report.xml"), status=status))
    before = snapshot(data_dir)
    code, _, err = fetch(capsys, data_dir, "--only", "qm-areas", "--service", f"qm-areas={url}")
    assert code == 3
    assert "qm-areas: " + url in err and "InvalidParameterValue at typeNames" in err
    assert "TEST: feature type is not known to this service" in err
    assert "its files were kept" in err and snapshot(data_dir) == before


@pytest.mark.parametrize("first", [Reply(b"busy", status=500),
                                   Reply(b"slow down", status=429, headers={"Retry-After": "0"})])
def test_a_transient_failure_is_retried(wfs, data_dir, first) -> None:
    url = qm_service(wfs, first)
    wfs.add("s_quartier", "GetFeature", first, geojson())
    result = run_api(data_dir, "qm-areas", url)
    assert result.status == "updated", result.errors
    assert len(wfs.requests("GetFeature")) == 2


def test_retries_back_off_exponentially(wfs, data_dir) -> None:
    url = qm_service(wfs, Reply(b"down", status=502))
    result = run_api(data_dir, "qm-areas", url, FetchOptions(retries=2, backoff=0.2))
    assert result.status == "failed" and "HTTP 502" in str(result.errors[0])
    times = [seen.time for seen in wfs.requests("GetFeature")]
    assert len(times) == 3
    first, second = times[1] - times[0], times[2] - times[1]
    assert first >= 0.19 and second >= 0.39 and second > 1.5 * first  # 0.2 s, then 0.4 s


def test_persistent_500_keeps_last_good_and_other_layers_go_on(wfs, data_dir, capsys) -> None:
    qm = qm_service(wfs, Reply(b"down", status=500))
    lor = wfs.service("lor_2021", "lor_2021.capabilities.xml", Reply(fixture("a_lor_plr_2021.gml")))
    before = snapshot(data_dir)
    code, out, err = fetch(capsys, data_dir, "--only", "qm-areas", "--only", "lor-plr-2021",
                           "--service", f"qm-areas={qm}", "--service", f"lor-plr-2021={lor}",
                           "--retries", "1")
    assert code == 3
    assert len(wfs.requests("GetFeature")) == 3  # qm-areas twice, lor-plr-2021 once
    assert "kiezgraph: qm-areas: " + qm in err and "HTTP 500" in err
    after = snapshot(data_dir)
    assert after["qm-areas.geojson"] == before["qm-areas.geojson"]
    assert after["qm-areas.source.json"] == before["qm-areas.source.json"]
    assert after["lor-plr-2021.geojson"] != before["lor-plr-2021.geojson"]
    assert "lor-plr-2021: updated" in out and "failed: qm-areas" in out


def test_fallback_service_found_by_title(wfs, data_dir) -> None:
    primary = qm_service(wfs, Reply(b"down", status=503))
    fallback = wfs.service("sozialer_zusammenhalt", "sozialer_zusammenhalt.capabilities.xml",
                           geojson())
    sources = select_sources(["qm-areas"], {"qm-areas": [primary, fallback]})
    result = fetch_layers(Settings(data_dir=data_dir), sources, FetchOptions(retries=0))[0]
    assert result.status == "updated", result.errors
    params = wfs.requests("GetFeature")[-1].params
    assert params["typenames"] == "sozialer_zusammenhalt:test_gebiete"
    assert params["outputformat"] == "application/json"
    _, source = read(data_dir, "qm-areas")
    assert source["upstream"] == fallback and source["licence"] == "dl-de/zero-2-0"


def test_slow_answer_runs_into_the_timeout(wfs, data_dir, capsys) -> None:
    url = qm_service(wfs, geojson(delay=3))
    before = snapshot(data_dir)
    started = time.monotonic()
    code, _, err = fetch(capsys, data_dir, "--only", "qm-areas", "--service", f"qm-areas={url}",
                         "--timeout", "0.3", "--retries", "0")
    assert time.monotonic() - started < 2.5
    assert code == 3 and "timeout of 0.3 s" in err and snapshot(data_dir) == before


@pytest.mark.parametrize("cut, reason, attempts", [
    ("length", "cut off", 3),  # Content-Length larger than the body: retried, then refused
    ("json", "not valid JSON", 1),  # complete HTTP answer, broken document: not retried
])
def test_truncated_answer_is_refused(wfs, data_dir, cut, reason, attempts) -> None:
    body = fixture("s_quartier.geojson")
    reply = (Reply(body[:1000], content_type=JSON, length=len(body)) if cut == "length"
             else Reply(body[: len(body) // 2], content_type=JSON))
    url = qm_service(wfs, reply)
    before = snapshot(data_dir)
    result = run_api(data_dir, "qm-areas", url)
    assert result.status == "failed" and reason in str(result.errors[0])
    assert len(wfs.requests("GetFeature")) == attempts
    assert snapshot(data_dir) == before


@pytest.mark.parametrize("declared, reason", [
    (True, "bytes, over the limit of 100000 bytes"),  # refused on Content-Length, unread
    (False, "the answer is over the limit of 100000 bytes"),  # refused while streaming
])
def test_answer_over_the_size_limit_is_refused(wfs, data_dir, declared, reason) -> None:
    body = fixture("s_quartier.geojson") + b" " * 200_000  # still valid JSON
    url = qm_service(wfs, Reply(body, content_type=JSON, no_length=not declared))
    before = snapshot(data_dir)
    result = run_api(data_dir, "qm-areas", url, FetchOptions(max_bytes=100_000, retries=0))
    assert result.status == "failed" and reason in str(result.errors[0])
    assert snapshot(data_dir) == before


def test_not_modified_keeps_the_files(wfs, data_dir, capsys) -> None:
    url = qm_service(wfs, geojson(etag='"v1"'))
    args = ("--only", "qm-areas", "--service", f"qm-areas={url}")
    assert fetch(capsys, data_dir, *args)[0] == 0
    before = snapshot(data_dir)
    time.sleep(0.01)
    code, out, _ = fetch(capsys, data_dir, *args)
    assert code == 0 and "qm-areas: unchanged (304 Not Modified), 4 features" in out
    first, second = wfs.requests("GetFeature")
    assert "if-none-match" not in first.headers and second.headers["if-none-match"] == '"v1"'
    assert snapshot(data_dir) == before


@pytest.mark.parametrize("case", ["answer", "capabilities"])
def test_wrong_crs_is_refused(wfs, data_dir, capsys, case) -> None:
    if case == "answer":
        url = qm_service(wfs, geojson("wrong_crs.geojson"))
        expected = "the answer is in CRS urn:ogc:def:crs:EPSG::4326, not EPSG:25833"
    else:
        url = qm_service(wfs, geojson())
        caps = fixture("s_quartier.capabilities.xml").replace(b"EPSG::25833", b"EPSG::3068")
        wfs.add("s_quartier", "GetCapabilities", Reply(caps))
        expected = "layer fis:s_quartier is not offered in EPSG:25833"
    before = snapshot(data_dir)
    code, _, err = fetch(capsys, data_dir, "--only", "qm-areas", "--service", f"qm-areas={url}")
    assert code == 3 and expected in err and snapshot(data_dir) == before


def test_invalid_geometry_is_refused(wfs, data_dir, capsys) -> None:
    url = qm_service(wfs, geojson("bowtie.geojson"))
    before = snapshot(data_dir)
    code, _, err = fetch(capsys, data_dir, "--only", "qm-areas", "--service", f"qm-areas={url}")
    assert code == 3
    assert "feature T09 TEST Gebiet Bowtie: invalid geometry (Self-intersection" in err
    assert snapshot(data_dir) == before and json.loads(before["qm-areas.geojson"]) == LAST_GOOD


def test_both_files_stay_as_they_were_when_the_second_rename_fails(wfs, data_dir,
                                                                  monkeypatch) -> None:
    url = wfs.service("lor_2021", "lor_2021.capabilities.xml", Reply(fixture("a_lor_plr_2021.gml")))
    real_replace = os.replace

    def failing_replace(src, dst) -> None:
        if str(dst).endswith("lor-plr-2021.source.json"):
            raise OSError("TEST: disk full")
        real_replace(src, dst)

    monkeypatch.setattr("ingest.fetch.os.replace", failing_replace)
    before = snapshot(data_dir)
    result = run_api(data_dir, "lor-plr-2021", url)
    assert result.status == "failed" and "cannot write the files (TEST: disk full)" in str(
        result.errors[0])
    assert snapshot(data_dir) == before


def test_unmatched_qm_areas_are_reported(wfs, data_dir, capsys) -> None:
    url = qm_service(wfs, geojson())
    code, out, _ = fetch(capsys, data_dir, "--only", "qm-areas", "--service", f"qm-areas={url}")
    assert code == 0  # a report, not an error
    lines = [line for line in out.splitlines() if line.startswith("no known area:")]
    assert lines == ["no known area: T04 TEST Gebiet D"]  # A, B by name; C by a dated name
    assert "qm-areas: 1 of 4 features match no area" in out


@pytest.mark.parametrize("args", [("--only", "no-such-layer"), ("--service", "qm-areas"),
                                  ("--service", "no-such-layer=http://127.0.0.1:9/"),
                                  ("--timeout", "0")])
def test_bad_usage_is_exit_2(data_dir, capsys, args) -> None:
    before = snapshot(data_dir)
    code, _, err = fetch(capsys, data_dir, *args)
    assert code == 2 and err.startswith("kiezgraph: ") and snapshot(data_dir) == before
