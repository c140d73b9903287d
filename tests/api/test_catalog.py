"""The DCAT-AP.de catalogue: valid against the official shapes, read correctly by the
real ckanext-dcat parser, paged with Hydra, and every download is what it claims."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from rdflib import RDF, Graph, Namespace, URIRef

from ingest.errors import StoreError
from ingest.pipeline import ingest

from ..catalog.harness import DCAT_AP_3_SEMIC, DCAT_AP_DE_3, ckan_datasets, shacl_report
from ..conftest import BASE, PROJECT, current_release, make_settings
from .conftest import LiveServer

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DATASETS = {"kiezgraph", "areas", "funds-and-money", "committees", "departments", "projects"}


@pytest.fixture(scope="module")
def catalog_ttl(live: LiveServer) -> str:
    response = requests.get(f"{live.url}/catalog", headers={"Accept": "text/turtle"},
                            timeout=60)
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize("profile", [DCAT_AP_DE_3, DCAT_AP_3_SEMIC])
def test_catalog_conforms_to_the_official_shapes(catalog_ttl: str, profile: str) -> None:
    report = shacl_report(catalog_ttl, profile)
    assert report.violations == [], report.violations[:10]


def test_ckanext_dcat_reads_every_dataset_with_its_resources(catalog_ttl: str) -> None:
    graph = Graph().parse(data=catalog_ttl, format="turtle")
    expected = {str(graph.value(d, DCT.identifier)): len(list(graph.objects(d, DCAT.distribution)))
                for d in graph.subjects(RDF.type, DCAT.Dataset)}
    parsed = ckan_datasets(catalog_ttl)
    for profile in ("euro_dcat_ap_2", "euro_dcat_ap_3"):
        datasets = {d["identifier"]: d for d in parsed[profile]["datasets"]}
        assert set(datasets) == set(expected) == {f"kiezgraph-{d}" for d in DATASETS}
        for ident, dataset in datasets.items():
            assert dataset["title"], ident
            assert dataset["publisher_name"] or dataset["publisher_uri"], ident
            assert len(dataset["resources"]) == expected[ident], ident
            for resource in dataset["resources"]:
                assert resource["download_url"] and resource["size"] and resource["hash"]
                assert resource["license"], resource


def test_every_download_is_what_the_catalogue_says(live: LiveServer, catalog_ttl: str) -> None:
    graph = Graph().parse(data=catalog_ttl, format="turtle")
    distributions = list(graph.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) > 30
    with requests.Session() as session:
        for node in distributions:
            url = str(graph.value(node, DCAT.downloadURL))
            assert url.startswith(f"{BASE}/download/")
            response = session.get(live.url + url[len(BASE):], timeout=60)
            body = response.content  # the file itself (any transfer gzip undone)
            assert response.status_code == 200, url
            compressed = graph.value(node, DCAT.compressFormat)
            advertised = str(compressed or graph.value(node, DCAT.mediaType))
            assert advertised.endswith("/" + response.headers["content-type"].split(";")[0])
            assert len(body) == int(graph.value(node, DCAT.byteSize))
            checksum = graph.value(node, SPDX.checksum)
            assert hashlib.sha256(body).hexdigest() == str(graph.value(checksum,
                                                                       SPDX.checksumValue))


def test_a_download_with_its_etag_is_304(live: LiveServer, catalog_ttl: str) -> None:
    """A harvester that comes back for the same file gets 304, not the file again; the
    tag is the catalogue's SHA-256, weak where the bytes may leave compressed; a broken
    download resumes with a byte range."""
    graph = Graph().parse(data=catalog_ttl, format="turtle")
    urls = {str(u).rsplit("/", 1)[-1]: str(u)[len(BASE):]
            for u in graph.objects(None, DCAT.downloadURL)}
    for name, strong in (("areas.csv", False), ("kiezgraph.nq.gz", True)):
        first = requests.get(live.url + urls[name], timeout=60)
        tag = first.headers["etag"]
        assert tag.startswith('W/"') is not strong, tag
        assert tag.removeprefix("W/").strip('"') == hashlib.sha256(first.content).hexdigest()
        again = requests.get(live.url + urls[name], headers={"If-None-Match": tag}, timeout=60)
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == tag
        other = requests.get(live.url + urls[name], headers={"If-None-Match": '"0000"'},
                             timeout=60)
        assert other.status_code == 200 and other.content == first.content
        part = requests.get(live.url + urls[name], timeout=60,
                            headers={"Range": "bytes=10-99", "Accept-Encoding": "identity"})
        assert part.status_code == 206 and part.content == first.content[10:100]


def test_downloads_are_real_data(live: LiveServer, catalog_ttl: str) -> None:
    import gzip

    graph = Graph().parse(data=catalog_ttl, format="turtle")
    urls = {str(u).rsplit("/", 1)[-1]: str(u) for u in graph.objects(None, DCAT.downloadURL)}
    dump = requests.get(live.url + urls["kiezgraph.nq.gz"][len(BASE):], timeout=60)
    quads = gzip.decompress(dump.content).decode("utf-8")
    assert f"<{BASE}/id/area/badstrasse>" in quads
    areas = requests.get(live.url + urls["areas.geojson"][len(BASE):], timeout=60).json()
    assert len(areas["features"]) == 9
    csv_text = requests.get(live.url + urls["areas.csv"][len(BASE):], timeout=60).text
    assert csv_text.count("\n") == 52  # header and 51 areas
    meta = requests.get(live.url + urls["areas.csv-metadata.json"][len(BASE):], timeout=60)
    assert meta.json()["tableSchema"]["aboutUrl"] == f"{BASE}/id/area/{{id}}"


def test_paging_yields_every_dataset_once(published_store: Path) -> None:
    settings = make_settings(published_store, catalog_page_size=4)
    seen: list[str] = []
    with LiveServer(settings) as server:
        url: str | None = f"{server.url}/catalog"
        pages = 0
        while url is not None and pages < 10:
            text = requests.get(url, timeout=60).text
            graph = Graph().parse(data=text, format="turtle")
            seen += [str(d) for d in graph.subjects(RDF.type, DCAT.Dataset)]
            view = next(graph.subjects(RDF.type, HYDRA.PartialCollectionView))
            assert int(graph.value(view, HYDRA.totalItems)) == len(DATASETS)
            following = graph.value(view, HYDRA.next)
            if pages == 0:
                assert ckan_datasets(text)["euro_dcat_ap_3"]["next_page"] == str(following)
            url = server.url + str(following)[len(BASE):] if following else None
            pages += 1
    assert pages == 2
    assert sorted(seen) == sorted(f"{BASE}/id/dataset/{d}" for d in DATASETS)


def test_catalog_formats_and_errors(live: LiveServer) -> None:
    for accept, parser in (("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
                           ("application/n-triples", "nt")):
        response = requests.get(f"{live.url}/catalog", headers={"Accept": accept}, timeout=60)
        assert response.headers["content-type"].startswith(accept)
        graph = Graph().parse(data=response.text, format=parser)
        assert (URIRef(f"{BASE}/catalog"), RDF.type, DCAT.Catalog) in graph
    assert requests.get(f"{live.url}/catalog", headers={"Accept": "image/png"},
                        timeout=60).status_code == 406
    assert requests.get(f"{live.url}/catalog?page=9", timeout=60).status_code == 404
    assert requests.get(f"{live.url}/catalog?page=x", timeout=60).status_code == 400
    assert requests.get(f"{live.url}/download/nope/kiezgraph.nq.gz",
                        timeout=60).status_code == 404


def test_dataset_landing_page_has_schema_org_markup(live: LiveServer) -> None:
    page = requests.get(f"{live.url}/id/dataset/areas", timeout=60).text
    start = page.index('<script type="application/ld+json">') + 35
    markup = json.loads(page[start:page.index("</script>", start)])
    assert markup["@type"] == "Dataset" and markup["name"]
    assert markup["distribution"] and markup["license"].startswith("http://dcat-ap.de/")


def test_robots_and_sitemap(live: LiveServer) -> None:
    robots = requests.get(f"{live.url}/robots.txt", timeout=30).text
    assert f"Sitemap: {BASE}/sitemap.xml" in robots
    sitemap = requests.get(f"{live.url}/sitemap.xml", timeout=60).text
    assert f"<loc>{BASE}/id/area/badstrasse</loc>" in sitemap
    assert f"<loc>{BASE}/id/dataset/areas</loc>" in sitemap


def test_default_publisher_is_honest(catalog_ttl: str) -> None:
    assert "Senatsverwaltung" not in catalog_ttl.split("dcat:Dataset")[0] or \
        "keine amtliche Stelle" in catalog_ttl
    assert "keine amtliche Stelle" in catalog_ttl


@pytest.mark.parametrize(("name", "value", "message"), [
    ("KIEZGRAPH_LICENCE", "http://example.org/my-licence", "licence of the dcat-ap.de vocabulary"),
    ("KIEZGRAPH_CONTRIBUTOR_ID", "berlin", "http://dcat-ap.de/def/contributors/"),
    ("KIEZGRAPH_CONTACT_EMAIL", "not-an-address", "e-mail address"),
])
def test_settings_that_would_break_the_catalogue_are_refused(tmp_path: Path, name: str,
                                                             value: str, message: str) -> None:
    import os

    env = {**os.environ, name: value, "KIEZGRAPH_STORE_DIR": str(tmp_path / "store")}
    done = subprocess.run([sys.executable, "-m", "sparql_api.cli", "serve"], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr


def test_a_failed_download_write_keeps_the_previous_release(store_copy: Path,
                                                            monkeypatch) -> None:
    settings = make_settings(store_copy)
    before = current_release(store_copy)
    old = sorted((store_copy / "downloads" / before).iterdir())

    def broken(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr("ingest.pipeline.write_downloads", broken)
    with pytest.raises(StoreError, match="disk full"):
        ingest(settings)
    assert current_release(store_copy) == before
    assert sorted((store_copy / "downloads" / before).iterdir()) == old
    assert not any(p.name.startswith(".building") for p in (store_copy / "downloads").iterdir())
