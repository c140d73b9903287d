"""Proves the catalogue harness on the official samples in shared/standards/examples."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.catalog import harness
from tests.catalog.harness import (
    DCAT_AP_3_SEMIC,
    DCAT_AP_DE_2_KONVENTIONEN,
    DCAT_AP_DE_3,
    PROFILES,
    SAMPLE,
    SAMPLE_INVALID,
    ckan_datasets,
    shacl_report,
)

DIST = "<https://kiezgraph.example/dataset/einrichtungen/turtle>"
SHA = "ab" * 32
# byteSize, checksum and a Hydra paging view added to the valid sample.
EXTRAS = f"""
@prefix spdx:  <http://spdx.org/rdf/terms#> .
@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
{DIST} dcat:byteSize "524288"^^xsd:nonNegativeInteger ;
    spdx:checksum [ a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha256 ;
                    spdx:checksumValue "{SHA}"^^xsd:hexBinary ] .
spdx:checksumAlgorithm_sha256 a spdx:ChecksumAlgorithm .
<https://kiezgraph.example/catalog?page=1> a hydra:PartialCollectionView ;
    hydra:next <https://kiezgraph.example/catalog?page=2> .
"""

# (violations, warnings) per profile, as documented in shared/standards/README.md 3.3
SAMPLE_COUNTS = {
    "dcat-ap-de-2.0": (0, 0),
    "dcat-ap-de-2.0-konventionen": (0, 0),
    "dcat-ap-de-3.0": (0, 1),
    "semic-3.0.1-full": (0, 3),
    "semic-3.0.1-codelists": (0, 3),
    "semic-3.0.1-full1": (0, 0),
}
INVALID_COUNTS = {
    "dcat-ap-de-2.0": (4, 2),
    "dcat-ap-de-2.0-konventionen": (6, 6),
    "dcat-ap-de-3.0": (4, 2),
    "semic-3.0.1-full": (3, 15),
    "semic-3.0.1-codelists": (0, 4),
    "semic-3.0.1-full1": (3, 0),
}


@pytest.fixture(scope="module")
def sample() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def invalid() -> str:
    return SAMPLE_INVALID.read_text(encoding="utf-8")


def test_profile_names_are_check_dcats() -> None:
    assert tuple(harness.check_dcat().PROFILES) == PROFILES
    assert {DCAT_AP_DE_3, DCAT_AP_DE_2_KONVENTIONEN, DCAT_AP_3_SEMIC} <= set(PROFILES)
    assert harness.STANDARDS.is_dir()
    with pytest.raises(ValueError, match="unknown profile"):
        shacl_report("", "dcat-ap-de-9.9")


@pytest.mark.parametrize("profile", PROFILES)
def test_valid_sample_has_no_violations(sample: str, profile: str) -> None:
    report = shacl_report(sample, profile)
    assert report.conforms, report
    assert (len(report.violations), len(report.warnings)) == SAMPLE_COUNTS[profile], report


@pytest.mark.parametrize("profile", PROFILES)
def test_invalid_sample_is_reported(invalid: str, profile: str) -> None:
    report = shacl_report(invalid, profile)
    assert (len(report.violations), len(report.warnings)) == INVALID_COUNTS[profile], report
    assert report.conforms is (INVALID_COUNTS[profile][0] == 0)


@pytest.mark.parametrize("profile", [DCAT_AP_DE_3, DCAT_AP_3_SEMIC])
def test_invalid_sample_lines_name_focus_path_and_message(invalid: str, profile: str) -> None:
    text = "\n".join(shacl_report(invalid, profile).violations)
    dist = "focus=<https://kiezgraph.example/dataset/kaputt/csv>"
    assert f"{dist} path=dcat:accessURL" in text
    assert f'{dist} path=dcat:byteSize value="1024"^^xsd:decimal' in text
    assert re.search(r"focus=<https://kiezgraph.example/dataset/kaputt> "
                     r"path=(dct|dcterms):description", text)
    assert "nonNegativeInteger" in text


def test_counts_agree_with_check_dcat_cli(invalid: str) -> None:
    """The in-process run and examples/check_dcat.py report the same numbers."""
    profiles = [DCAT_AP_DE_2_KONVENTIONEN, DCAT_AP_DE_3, DCAT_AP_3_SEMIC]
    cmd = [sys.executable, str(harness.CHECK_DCAT), str(SAMPLE_INVALID)]
    for p in profiles:
        cmd += ["-p", p]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    cli = {m[0]: (int(m[1]), int(m[2])) for m in re.findall(
        r"^\[(?:PASS|FAIL)\] (\S+) .*\n\s+violations=(\d+) warnings=(\d+)", done.stdout, re.M)}
    assert set(cli) == set(profiles), done.stdout
    for p in profiles:
        report = shacl_report(invalid, p)
        assert cli[p] == (len(report.violations), len(report.warnings)), p


def test_byte_size_datatype_per_profile(sample: str) -> None:
    """DCAT-AP 3 wants xsd:nonNegativeInteger, DCAT-AP.de 2.0 xsd:decimal (README gotcha 6)."""
    def bad(datatype: str, profile: str) -> list[str]:
        ttl = f'{sample}\n{DIST} dcat:byteSize "524288"^^xsd:{datatype} .\n'
        return [v for v in shacl_report(ttl, profile).violations if "byteSize" in v]

    for profile in (DCAT_AP_DE_3, DCAT_AP_3_SEMIC):
        assert not bad("nonNegativeInteger", profile)
        assert bad("integer", profile)
        assert bad("decimal", profile)
    assert not bad("decimal", DCAT_AP_DE_2_KONVENTIONEN)
    assert bad("nonNegativeInteger", DCAT_AP_DE_2_KONVENTIONEN)


def test_only_top_level_results_are_counted(sample: str) -> None:
    """pyshacl adds sh:detail results under a failing sh:node; they are not listed."""
    report = shacl_report(sample + EXTRAS, "semic-3.0.1-codelists")
    # upstream shape demands ^https://spdx.org/rdf/terms, the SPDX namespace is http://
    assert len(report.violations) == 1, report
    assert "path=spdx:algorithm" in report.violations[0]
    assert shacl_report(sample + EXTRAS, DCAT_AP_DE_3).conforms


def test_ckan_parses_sample(sample: str) -> None:
    parsed = ckan_datasets(sample)
    assert set(parsed) == {"euro_dcat_ap_2", "euro_dcat_ap_3"}
    for profile, result in parsed.items():
        assert result["next_page"] is None, profile
        [ds] = result["datasets"]
        # CKAN's default locale is en, so the @en title wins over the @de one
        assert ds["title"] == "Social facilities in Berlin neighbourhoods", profile
        assert ds["identifier"] == "https://kiezgraph.example/dataset/einrichtungen"
        assert ds["publisher_uri"] == "https://kiezgraph.example/org"
        assert ds["publisher_name"] == "Kiezgraph-Projekt (Beispiel)"
        # dataset license_id only from a distribution licence in CKAN's register
        assert ds["license_id"] == ""
        assert ds["resource_licenses"] == ["http://dcat-ap.de/def/licenses/dl-by-de/2.0"]
        [res] = ds["resources"]
        assert res["download_url"] == res["url"] == (
            "https://kiezgraph.example/download/einrichtungen.ttl")
        assert res["mimetype"] == "http://www.iana.org/assignments/media-types/text/turtle"
        assert res["format"].endswith("/file-type/RDF_TURTLE")
        assert res["size"] is None and res["hash"] is None


def test_ckan_reads_size_hash_and_next_page(sample: str) -> None:
    parsed = ckan_datasets(sample + EXTRAS, locale="de")
    for profile, result in parsed.items():
        assert result["next_page"] == "https://kiezgraph.example/catalog?page=2", profile
        [ds] = result["datasets"]
        assert ds["title"] == "Soziale Einrichtungen in Berliner Kiezen"
        [res] = ds["resources"]
        assert res["size"] == 524288
        assert res["hash"] == SHA
        assert res["hash_algorithm"] == "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"


def test_ckan_parse_errors_are_raised() -> None:
    with pytest.raises(RuntimeError, match=r"ckan_parse\.py failed"):
        ckan_datasets("<not turtle")


def test_ckan_venv_marker_records_pins() -> None:
    setup = harness._setup_module()
    harness.ensure_ckan_python()
    assert setup.is_ready()
    marker = setup.read_marker()
    assert marker["pins"] == list(setup.PINS)
    assert marker["installed"]["ckan"] == "2.11.6"
    assert marker["installed"]["ckanext-dcat"] == "2.4.4"


def test_ckan_venv_setup_failure_shows_pip_error(tmp_path: Path) -> None:
    setup = harness._setup_module()
    target = tmp_path / "broken-venv"
    with pytest.raises(setup.SetupError, match="pip install failed") as err:
        setup.ensure_ckan_venv(target, pins=("ckanext-dcat==0.0.0.dev0",))
    assert "ckanext-dcat==0.0.0.dev0" in str(err.value)
    assert not setup.is_ready(target, ("ckanext-dcat==0.0.0.dev0",))
