# ruff: noqa: E501 -- provenance strings are kept whole, as the upstream states them
"""Make the curated geodata in ``data/geo/`` from the collected copies in ``shared/domain/geo``.

    python3 scripts/import_shared_geo.py [GEO_FOLDER]     (default: ../shared/domain/geo)

Each layer becomes ``data/geo/<layer>.geojson`` (RFC 7946, lon/lat, CRS84) whose
features carry the same normalised properties whatever their upstream names were
(``key``, ``name``, and a few layer-specific ones), plus ``<layer>.source.json`` with the
provenance (upstream, date, licence note as stated, original CRS, what was changed).
``kiezgraph fetch`` writes the same two files from the live services. Coordinates and
geometries are copied unchanged. The MSS tables are copied byte for byte to
``data/geo/mss/``, the LOR 2019/2021 link set to ``data/geo/lor-links-2019-2021.ttl``.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "data" / "geo"
RETRIEVED = "2026-11-27"  # when shared/domain/geo was collected (its PROVENANCE.md)
COMMON_NOTE = ("Copied from the public GitHub copy named in 'upstream'; geometry unchanged "
               "(reprojected from the original CRS to lon/lat by the collector, no "
               "simplification); properties renamed to key/name.")

LOR_2021 = {
    "upstream": "https://github.com/Lucky-0ne/geodata_berlin (commit 0939ead8ec63e64ffdb5d938ff8c869dc3f442c4, lor_shp_2021.7z)",
    "original_source": "https://www.berlin.de/sen/sbw/stadtdaten/stadtwissen/sozialraumorientierte-planungsgrundlagen/lebensweltlich-orientierte-raeume/",
    "publisher": "Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen Berlin; Amt für Statistik Berlin-Brandenburg",
    "data_date": "2021-01-06",
    "licence": None,
    "licence_note": "Not stated upstream. Third-party manifests give CC-BY-3.0, Amt für Statistik Berlin-Brandenburg; attribution used: 'Amt für Statistik Berlin-Brandenburg / Geoportal Berlin, LOR 2021'.",
    "attribution": "Amt für Statistik Berlin-Brandenburg / Geoportal Berlin, LOR 2021",
    "original_crs": "http://www.opengis.net/def/crs/EPSG/0/25833",
}
LAYERS = {
    "districts": {
        "file": "districts/bezirksgrenzen.wgs84.geojson",
        "props": {"key": "Gemeinde_s", "name": "Gemeinde_n", "regional_key": "Schluessel"},
        "source": {
            "title": "Bezirksgrenzen (ALKIS Berlin Bezirke)",
            "upstream": "https://github.com/Lucky-0ne/geodata_berlin (commit dac839d3f1892c0188ad306bc5fd36c51804133e, data/districts/bezirksgrenzen.*)",
            "original_source": "https://daten.odis-berlin.de/de/dataset/bezirksgrenzen/",
            "service": "https://fbinter.stadt-berlin.de/fb/wfs/data/senstadt/s_wfs_alkis_bezirk",
            "publisher": "Geoportal Berlin (ALKIS), via ODIS",
            "data_date": "2024-02-28",
            "licence": None,
            "licence_note": "Not stated upstream. Berlin geoportal data are published under dl-de/by-2-0 or dl-de/zero-2-0; attribution used: 'Geoportal Berlin / ALKIS Berlin Bezirke'.",
            "attribution": "Geoportal Berlin / ALKIS Berlin Bezirke",
            "original_crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        },
    },
    "lor-pgr-2021": {"file": "lor_2021/lor_pgr_2021.wgs84.geojson",
                     "props": {"key": "PGR_ID", "name": "PGR_NAME"},
                     "source": {"title": "LOR 2021 Prognoseräume", **LOR_2021}},
    "lor-bzr-2021": {"file": "lor_2021/lor_bzr_2021.wgs84.geojson",
                     "props": {"key": "BZR_ID", "name": "BZR_NAME"},
                     "source": {"title": "LOR 2021 Bezirksregionen", **LOR_2021}},
    "lor-plr-2021": {"file": "lor_2021/lor_plr_2021.wgs84.geojson",
                     "props": {"key": "PLR_ID", "name": "PLR_NAME"},
                     "source": {"title": "LOR 2021 Planungsräume", **LOR_2021}},
    "lor-plr-pre2021": {
        "file": "lor_pre2021/lor_planungsraeume.wgs84.geojson",
        "props": {"key": "broker Dow", "name": "PLANUNGSRA", "district_name": "BEZIRKSNAM",
                  "valid_from": "DATUM_GUEL", "area_m2": "FLAECHENGR"},
        "source": {
            "title": "LOR Planungsräume before 2021",
            "upstream": "https://github.com/Lucky-0ne/geodata_berlin (commit dac839d3f1892c0188ad306bc5fd36c51804133e, data/lor_pre2021_PLR/lor_planungsraeume.*)",
            "original_source": "https://daten.odis-berlin.de/de/dataset/lor_planungsgraeume/",
            "service": "https://fbinter.stadt-berlin.de/fb/wfs/data/senstadt/s_lor_plan",
            "publisher": "Senatsverwaltung für Stadtentwicklung, Bauen und Wohnen Berlin, via ODIS",
            "data_date": "2024-03-04",
            "licence": None,
            "licence_note": "Not stated upstream; attribution used: 'Geoportal Berlin, LOR Planungsräume (bis 2020)'.",
            "attribution": "Geoportal Berlin, LOR Planungsräume (bis 2020)",
            "original_crs": "http://www.opengis.net/def/crs/EPSG/0/25833",
        },
    },
}
# Upstream error: key 06010102 is given to two features. The Steglitz-Zehlendorf one
# fits the key (district prefix 06); the Charlottenburg-Wilmersdorf one cannot have it
# and its true key is not stated, so it is left out (and said so in the source file).
LEFT_OUT = {("lor-plr-pre2021", "06010102", "Charlottenburg-Wilmersdorf")}
MSS_FILES = ["mss_2021/mss_2021_indizes.csv"] + [
    f"mss_2013_2019/berlin-monitoring-social-urban-development-{year}-00-1-planning-areas.csv"
    for year in (2013, 2015, 2017, 2019)]


def _value(name: str, value: object) -> object:
    if name == "valid_from" and isinstance(value, str):
        return datetime.strptime(value, "%d.%m.%Y").date().isoformat()
    return value


def import_layer(geo: Path, layer: str, spec: dict) -> None:
    collection = json.loads((geo / spec["file"]).read_text(encoding="utf-8"))
    features, left_out = [], []
    for feature in collection["features"]:
        upstream = feature["properties"]
        props = {name: _value(name, upstream[column]) for name, column in spec["props"].items()}
        if (layer, props["key"], upstream.get("BEZIRKSNAM")) in LEFT_OUT:
            left_out.append(f"{props['key']} {props['name']} ({upstream['BEZIRKSNAM']}): "
                            "the key is given twice upstream and fits only the other feature")
            continue
        features.append({"type": "Feature", "properties": props,
                         "geometry": feature["geometry"]})
    features.sort(key=lambda f: f["properties"]["key"])
    out = {"type": "FeatureCollection", "features": features}
    (OUT / f"{layer}.geojson").write_text(json.dumps(out, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    source = {"layer": layer, **spec["source"], "retrieved": RETRIEVED,
              "method": "copy", "note": COMMON_NOTE, "features": len(features),
              "left_out": left_out}
    (OUT / f"{layer}.source.json").write_text(
        json.dumps(source, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{layer}: {len(features)} features" + (f", {len(left_out)} left out"
                                                   if left_out else ""))


def main() -> int:
    geo = Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT.parent / "shared/domain/geo"
    if not (geo / "PROVENANCE.md").exists():
        print(f"no PROVENANCE.md in {geo}", file=sys.stderr)
        return 2
    (OUT / "mss").mkdir(parents=True, exist_ok=True)
    for layer, spec in LAYERS.items():
        import_layer(geo, layer, spec)
    for name in MSS_FILES:
        shutil.copyfile(geo / name, OUT / "mss" / Path(name).name)
    shutil.copyfile(geo / "lor_links/links19-21.ttl", OUT / "lor-links-2019-2021.ttl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
