"""Read the curated geodata in ``data/geo/``: layers, MSS tables and the LOR link set.

A layer is ``<id>.geojson`` (RFC 7946, lon/lat, normalised properties) beside
``<id>.source.json`` (its provenance), as written by ``scripts/import_shared_geo.py`` or
``kiezgraph fetch``. Every geometry is checked here (parsable, polygonal, valid, inside
Berlin), and every problem is reported with file and feature, like bad CSV cells.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from rdflib import Graph
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from .errors import Problem
from .vocab import DCT

LOR_LAYERS = {  # layer id -> (key length, class local name)
    "lor-pgr-2021": (4, "Prognoseraum"),
    "lor-bzr-2021": (6, "Bezirksregion"),
    "lor-plr-2021": (8, "Planungsraum"),
    "lor-plr-pre2021": (8, "Planungsraum"),
}
LAYERS = ("districts", *LOR_LAYERS, "qm-areas")
REQUIRED_LAYERS = ("districts", *LOR_LAYERS)  # qm-areas exists only once fetched
BERLIN_BOUNDS = (13.0, 52.3, 13.85, 52.7)  # lon/lat box around Berlin, with a margin
MSS_2021 = "mss/mss_2021_indizes.csv"
MSS_OLD = "mss/berlin-monitoring-social-urban-development-{year}-00-1-planning-areas.csv"
MSS_OLD_YEARS = (2013, 2015, 2017, 2019)
LINKS = "lor-links-2019-2021.ttl"
LOR_LD = "https://berlinonline.github.io/lod-berlin-lor/"  # berlinonline's LOR 2021 IRIs
OLD_LOR_LD = "https://berlinonline.github.io/lod-berlin-lor-2019/"
_KEY = re.compile(r"^\d+$")


@dataclass
class Feature:
    key: str
    name: str
    geometry: BaseGeometry
    properties: dict[str, Any]


@dataclass
class Layer:
    id: str
    features: list[Feature]
    source: dict[str, Any]

    def by_key(self) -> dict[str, Feature]:
        return {f.key: f for f in self.features}


@dataclass(frozen=True)
class MssRow:
    """One Planungsraum in one MSS edition; classes are concept ids."""

    edition: int
    key: str
    line: int
    inhabitants: int | None
    status: str
    dynamics: str
    valid: str | None  # 2021 only: the KOM column ("gültig", "ungültig (...)")


@dataclass
class GeoData:
    layers: dict[str, Layer] = field(default_factory=dict)
    mss: list[MssRow] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (pre-2021 PLR, 2021 PLR)
    files: list[Path] = field(default_factory=list)


def read_geodata(geo_dir: Path, problems: list[Problem]) -> GeoData:
    data = GeoData()
    for layer in LAYERS:
        path = geo_dir / f"{layer}.geojson"
        if not path.exists():
            if layer in REQUIRED_LAYERS:
                problems.append(Problem(_rel(path), None, None, "the layer file is missing",
                                        "run scripts/import_shared_geo.py or kiezgraph fetch"))
            continue
        data.files += [path, path.with_suffix("").with_suffix(".source.json")]
        read = _read_layer(path, layer, problems)
        if read is not None:
            data.layers[layer] = read
    data.mss = _read_mss(geo_dir, problems)
    data.files += [geo_dir / MSS_2021, *(geo_dir / MSS_OLD.format(year=y) for y in MSS_OLD_YEARS)]
    links = geo_dir / LINKS
    if links.exists():
        data.links = _read_links(links)
        data.files.append(links)
    return data


def _rel(path: Path) -> str:
    """The file as problems name it: relative to data/."""
    inner = path.name if path.parent.name == "geo" else f"{path.parent.name}/{path.name}"
    return f"geo/{inner}"


def _read_layer(path: Path, layer: str, problems: list[Problem]) -> Layer | None:
    where = _rel(path)
    source_path = path.with_suffix("").with_suffix(".source.json")
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
        source = json.loads(source_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problems.append(Problem(where, None, None, f"cannot read the layer: {exc}",
                                "restore the file from git or fetch it again"))
        return None
    if collection.get("type") != "FeatureCollection" or "crs" in collection:
        problems.append(Problem(where, None, None, "not an RFC 7946 FeatureCollection",
                                "write lon/lat GeoJSON without a 'crs' member"))
        return None
    features: list[Feature] = []
    seen: set[str] = set()
    key_length = LOR_LAYERS.get(layer, (None,))[0]
    for number, raw in enumerate(collection.get("features", []), start=1):
        props = raw.get("properties") or {}
        key, name = str(props.get("key", "")), str(props.get("name", "")).strip()
        record = f"feature {number} ({key or 'no key'})"
        if not key or not name:
            problems.append(Problem(where, None, "key", f"{record} has no key or name",
                                    "every feature needs properties 'key' and 'name'", key))
            continue
        if key_length and (not _KEY.match(key) or len(key) != key_length):
            problems.append(Problem(where, None, "key", f"{record}: key is not {key_length} "
                                    "digits", "use the official LOR key", key))
            continue
        if key in seen:
            problems.append(Problem(where, None, "key", f"{record}: key given twice",
                                    "keep one feature per key", key))
            continue
        seen.add(key)
        geometry, reason = _geometry(raw.get("geometry"))
        if geometry is None:
            problems.append(Problem(where, None, "geometry", f"{record}: {reason}",
                                    "fetch the layer again; never repair a shape by hand", key))
            continue
        features.append(Feature(key, name, geometry, props))
    return Layer(layer, features, source)


def _geometry(raw: Any) -> tuple[BaseGeometry | None, str]:
    """The feature's shape, or None and the reason it cannot be published."""
    try:
        geometry = shape(raw)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.ShapelyError) as exc:
        return None, f"geometry cannot be read ({exc})"
    if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return None, f"geometry is {geometry.geom_type}, expected a (multi)polygon"
    if not geometry.is_valid:
        return None, f"geometry is invalid: {shapely.is_valid_reason(geometry)}"
    west, south, east, north = geometry.bounds
    min_lon, min_lat, max_lon, max_lat = BERLIN_BOUNDS
    if west < min_lon or east > max_lon or south < min_lat or north > max_lat:
        return None, ("geometry lies outside Berlin's bounding box (coordinates not "
                      "lon/lat in CRS84?)")
    return geometry, ""


def _read_mss(geo_dir: Path, problems: list[Problem]) -> list[MssRow]:
    rows: list[MssRow] = []
    path = geo_dir / MSS_2021
    status_2021 = {"1": "hoch", "2": "mittel", "3": "niedrig", "4": "sehr-niedrig",
                   "-9999": "ohne-zuordnung"}
    dynamics_2021 = {"1": "positiv", "3": "stabil", "5": "negativ", "-9999": "ohne-zuordnung"}
    for line, row in _csv(path, problems):
        status, dynamics = status_2021.get(row["SI_N"]), dynamics_2021.get(row["DI_N"])
        if status is None or dynamics is None:
            problems.append(Problem(_rel(path), line, "SI_N/DI_N", "unknown index class "
                                    f"{row['SI_N']}/{row['DI_N']}", "check the MSS export",
                                    row["PLR_ID"]))
            continue
        rows.append(MssRow(2021, row["PLR_ID"], line, _int(row["EW"]), status, dynamics,
                           row["KOM"] or None))
    status_old = {"1": "hoch", "2": "mittel", "3": "niedrig", "4": "sehr-niedrig"}
    dynamics_old = {"+": "positiv", "+/-": "stabil", "-": "negativ"}
    for year in MSS_OLD_YEARS:
        path = geo_dir / MSS_OLD.format(year=year)
        for line, row in _csv(path, problems):
            # 0 or empty: the edition gives no value, a class of its own
            status = status_old.get(row["status_index"] or "", "kein-wert")
            dynamics = dynamics_old.get(row["dynamic_index"] or "", "kein-wert")
            rows.append(MssRow(year, row["id"], line, _int(row["inhabitants"]), status,
                               dynamics, None))
    return rows


def _csv(path: Path, problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return [(number, row) for number, row in enumerate(csv.DictReader(fh), start=2)]
    except OSError as exc:
        problems.append(Problem(_rel(path), None, None, f"cannot read: {exc}",
                                "run scripts/import_shared_geo.py"))
        return []


def _int(text: str | None) -> int | None:
    try:
        value = int(float(text)) if text else None
    except ValueError:
        return None
    return value if value is not None and value >= 0 else None


def _read_links(path: Path) -> list[tuple[str, str]]:
    """The PLR pairs of the CC0 link set (linked by equal names, not by geometry)."""
    graph = Graph().parse(path, format="turtle")
    pairs = set()
    for old, _, new in graph.triples((None, DCT.hasVersion, None)):
        old_key, new_key = _plr_key(old, OLD_LOR_LD), _plr_key(new, LOR_LD)
        if old_key and new_key:
            pairs.add((old_key, new_key))
    return sorted(pairs)


def _plr_key(iri: object, namespace: str) -> str | None:
    text = str(iri)
    if text.startswith(namespace + "plr_"):
        return text.removeprefix(namespace + "plr_")
    return None
