"""ingest.geo_sources: the registry, service overrides and property normalisation."""

from __future__ import annotations

import pytest

from ingest.geo_sources import (
    SOURCES,
    LayerDataError,
    check_unique_keys,
    leave_out,
    name_key,
    normalise,
    select_sources,
)

BY_ID = {source.id: source for source in SOURCES}


def test_registry_covers_the_file_contract() -> None:
    assert set(BY_ID) == {"districts", "lor-pgr-2021", "lor-bzr-2021", "lor-plr-2021",
                          "lor-plr-pre2021", "qm-areas"}
    for source in SOURCES:
        assert [p.name for p in source.props[:2]] == ["key", "name"]
        assert all(s.url.startswith("https://") for s in source.services)


def test_service_override_keeps_the_layer_names_in_order() -> None:
    [qm] = select_sources(["qm-areas"], {"qm-areas": ["http://a.test/wfs", "http://b.test/wfs",
                                                      "http://c.test/wfs"]})
    assert [(s.url, s.layer) for s in qm.services] == [
        ("http://a.test/wfs", "fis:s_quartier"), ("http://b.test/wfs", None),
        ("http://c.test/wfs", None)]
    assert len(select_sources()) == len(SOURCES)
    with pytest.raises(KeyError):
        select_sources(["qm"])


def test_upstream_names_are_matched_case_insensitively() -> None:
    props = normalise(BY_ID["lor-plr-2021"], {"plr_id": "T2000001", "plr_name": " TEST A "}, None)
    assert props == {"key": "T2000001", "name": "TEST A"}
    district = normalise(BY_ID["districts"], {"Gemeinde_schluessel": "001", "Gemeinde_name":
                                              "TEST Bezirk", "Schluessel_gesamt": 11000001}, None)
    assert district == {"key": "001", "name": "TEST Bezirk", "regional_key": "11000001"}


def test_missing_key_or_bad_date_names_feature_and_attribute() -> None:
    with pytest.raises(LayerDataError, match=r"feature t\.1 has no value for 'key'.*PLR_ID"):
        normalise(BY_ID["lor-plr-2021"], {"PLR_NAME": "TEST A"}, "t.1")
    with pytest.raises(LayerDataError, match="'decision_date': 'bald' is not a date"):
        normalise(BY_ID["qm-areas"], {"schluessel": "T1", "gebietsname": "TEST A",
                                      "sen1_datum": "bald"}, "t.1")


def test_known_upstream_duplicate_is_left_out_and_others_refused() -> None:
    props = {"key": "06010102", "name": "TEST", "district_name": "Charlottenburg-Wilmersdorf"}
    assert "given twice upstream" in (leave_out(BY_ID["lor-plr-pre2021"], props) or "")
    assert leave_out(BY_ID["lor-plr-pre2021"], {**props, "district_name": "Steglitz"}) is None
    with pytest.raises(LayerDataError, match="more than one feature: T1"):
        check_unique_keys(["T1", "T2", "T1"])


def test_name_key_ignores_case_spacing_hyphens_and_sharp_s() -> None:
    assert name_key("TEST-Gebiet  Straße/Nord") == name_key("test gebiet strasse nord")
