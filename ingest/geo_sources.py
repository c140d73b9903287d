"""The Berlin geodata layers that ``kiezgraph fetch`` keeps up to date in ``data/geo/``.

Each layer names its WFS services (the first that works wins) and maps upstream attribute
names to the normalised properties of the file contract that ``scripts/import_shared_geo.py``
also writes (``key``, ``name`` and a few layer-specific ones). Upstream names are compared
case-insensitively, because FIS-Broker and gdi.berlin.de spell the same attribute
differently (``PLR_ID`` in shapefiles, ``plr_id`` in GeoServer).

Also here: matching fetched QM areas against the curated ``areas.csv`` (a report only).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

FEATURE_ID = "@id"  # pseudo attribute: the feature id after its last "." (gml:id or GeoJSON id)


class LayerDataError(ValueError):
    """Fetched features do not fit the file contract (missing attribute, duplicate key)."""


@dataclass(frozen=True)
class Service:
    """One WFS endpoint; ``layer`` None means: find the FeatureType by the source's words."""

    url: str
    layer: str | None


@dataclass(frozen=True)
class Prop:
    """A normalised property and the upstream attributes it may come from, in order."""

    name: str
    upstream: tuple[str, ...]
    kind: Literal["text", "date", "number"] = "text"
    required: bool = False


@dataclass(frozen=True)
class LeftOut:
    """A known upstream error: the feature with this key and property value is left out."""

    key: str
    prop: str
    value: str
    reason: str


@dataclass(frozen=True)
class GeoSource:
    id: str
    title: str
    services: tuple[Service, ...]
    props: tuple[Prop, ...]
    discover: tuple[str, ...] = ()  # words in a FeatureType name or title, most wanted first
    left_out: tuple[LeftOut, ...] = field(default=())


def _key_name(key: tuple[str, ...], name: tuple[str, ...]) -> tuple[Prop, Prop]:
    return Prop("key", key, required=True), Prop("name", name, required=True)


FIS = "https://fbinter.stadt-berlin.de/fb/wfs/data/senstadt/"
GDI = "https://gdi.berlin.de/services/wfs/"

# Assumption for s_lor_plan (pre-2021 PLR): published copies show the key either as an
# attribute (SCHLUESSEL, RAUMID, or "broker Dow" in the ODIS shapefile) or only in the
# feature id ("s_lor_plan.01011101"), the name as PLANUNGSRAUM, the district as BEZIRK,
# the date as DATUM_GUELTIG_AB and the area as FLAECHENGROESSE_IN_M2 (shapefile names
# truncated to 10 characters); the first one present wins.
SOURCES: tuple[GeoSource, ...] = (
    GeoSource(
        "districts", "Bezirksgrenzen (ALKIS Berlin Bezirke)",
        (Service(FIS + "s_wfs_alkis_bezirk", "fis:s_wfs_alkis_bezirk"),),
        (*_key_name(("Gemeinde_schluessel", "Gemeinde_s"), ("Gemeinde_name", "Gemeinde_n")),
         Prop("regional_key", ("Schluessel_gesamt", "Schluessel"))),
    ),
    GeoSource(
        "lor-pgr-2021", "LOR 2021 Prognoseräume",
        (Service(GDI + "lor_2021", "c_lor_pgr_2021"),),
        _key_name(("PGR_ID",), ("PGR_NAME",)),
    ),
    GeoSource(
        "lor-bzr-2021", "LOR 2021 Bezirksregionen",
        (Service(GDI + "lor_2021", "b_lor_bzr_2021"),),
        _key_name(("BZR_ID",), ("BZR_NAME",)),
    ),
    GeoSource(
        "lor-plr-2021", "LOR 2021 Planungsräume",
        (Service(GDI + "lor_2021", "a_lor_plr_2021"),),
        _key_name(("PLR_ID",), ("PLR_NAME",)),
    ),
    GeoSource(
        "lor-plr-pre2021", "LOR Planungsräume before 2021",
        (Service(FIS + "s_lor_plan", "fis:s_lor_plan"),),
        (*_key_name(("SCHLUESSEL", "RAUMID", "PLR_ID", "broker Dow", FEATURE_ID),
                    ("PLANUNGSRAUM", "PLR_NAME", "PLANUNGSRA")),
         Prop("district_name", ("BEZIRK", "BEZIRKSNAME", "BEZIRKSNAM")),
         Prop("valid_from", ("DATUM_GUELTIG_AB", "GUELTIG_AB", "DATUM_GUEL"), "date"),
         Prop("area_m2", ("FLAECHENGROESSE_IN_M2", "FLAECHENGR"), "number")),
        left_out=(LeftOut("06010102", "district_name", "Charlottenburg-Wilmersdorf",
                          "the key is given twice upstream and fits only the other feature"),),
    ),
    GeoSource(
        "qm-areas", "Sozialer Zusammenhalt und Quartiersmanagement",
        (Service(FIS + "s_quartier", "fis:s_quartier"),
         Service(GDI + "sozialer_zusammenhalt", None)),
        (*_key_name(("schluessel",), ("gebietsname",)),
         Prop("district_name", ("bezirk",)),
         Prop("decision_number", ("sen1_nr",)),
         Prop("decision_date", ("sen1_datum",), "date"),
         Prop("amendment_number", ("sen_aen_nr",)),
         Prop("amendment_date", ("sen_aen_datum",), "date"),
         Prop("area_ha", ("fl_ha",), "number")),
        discover=("sozialer_zusammenhalt", "quartier"),
    ),
)


def select_sources(only: Iterable[str] = (), services: Mapping[str, list[str]] | None = None,
                   registry: tuple[GeoSource, ...] = SOURCES) -> list[GeoSource]:
    """The layers to fetch, with service URLs replaced where asked (``--service LAYER=URL``).

    The n-th given URL of a layer takes the FeatureType name of the n-th registry service
    (the last one for further URLs), so a test server or mirror answers like the original.
    Raises ``KeyError`` naming an unknown layer.
    """
    by_id = {source.id: source for source in registry}
    for layer in [*only, *(services or {})]:
        if layer not in by_id:
            raise KeyError(layer)
    chosen = [by_id[layer] for layer in dict.fromkeys(only)] if only else list(registry)
    for layer, urls in (services or {}).items():
        base = by_id[layer].services
        moved = tuple(Service(url, base[min(i, len(base) - 1)].layer) for i, url in enumerate(urls))
        chosen = [replace(s, services=moved) if s.id == layer else s for s in chosen]
    return chosen


# --- normalising properties ------------------------------------------------------------

def _date(value: str) -> str:
    """ISO date from '14.06.2006', '2006-06-14', '2006-06-14 00:00:00.0' or '2006-06-14Z'."""
    text = value.strip()
    if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
        return datetime.strptime(text, "%d.%m.%Y").date().isoformat()
    if re.match(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.strptime(text[:10], "%Y-%m-%d").date().isoformat()
    raise LayerDataError(f"'{value}' is not a date")


def _number(value: object) -> float | int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise LayerDataError(f"'{value}' is not a number") from None
    return int(number) if number.is_integer() and "." not in text else number


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


CONVERT = {"text": _text, "date": lambda v: _date(str(v)), "number": _number}


def _lookup(props: Mapping[str, object], fid: str | None, names: tuple[str, ...]) -> object:
    lower = {k.casefold(): v for k, v in props.items()}
    for name in names:
        if name == FEATURE_ID:
            value: object = fid.rsplit(".", 1)[-1] if fid else None
        else:
            value = lower.get(name.casefold())
        if value is not None and str(value).strip() != "":
            return value
    return None


def normalise(source: GeoSource, props: Mapping[str, object], fid: str | None) -> dict:
    """The contract's properties of one feature; optional ones only when they have a value."""
    out: dict[str, object] = {}
    for prop in source.props:
        value = _lookup(props, fid, prop.upstream)
        if value is None:
            if prop.required:
                raise LayerDataError(
                    f"feature {fid or '(no id)'} has no value for '{prop.name}' (looked for "
                    f"{', '.join(prop.upstream)}; it has {', '.join(sorted(props)) or 'none'})")
            continue
        try:
            out[prop.name] = CONVERT[prop.kind](value)
        except LayerDataError as exc:
            raise LayerDataError(f"feature {fid or '(no id)'}, '{prop.name}': {exc}") from None
    return out


def leave_out(source: GeoSource, props: Mapping[str, object]) -> str | None:
    """Why this feature is left out (a known upstream error), or None to keep it."""
    for rule in source.left_out:
        if props.get("key") == rule.key and props.get(rule.prop) == rule.value:
            return f"{rule.key} {props.get('name')} ({rule.value}): {rule.reason}"
    return None


def check_unique_keys(keys: Iterable[str]) -> None:
    """An ingest keys features by ``key``; two features with one key cannot both be right."""
    twice = sorted(key for key, count in Counter(keys).items() if count > 1)
    if twice:
        raise LayerDataError(f"key(s) given to more than one feature: {', '.join(twice)}")


# --- matching QM areas to the curated areas --------------------------------------------

def name_key(text: str) -> str:
    """Compare names ignoring case, spacing, hyphens/slashes and 'straße' vs 'strasse'."""
    text = unicodedata.normalize("NFC", text).casefold().replace("ß", "ss")
    text = re.sub(r"[-‐‑‒–—/]", " ", text)
    return " ".join(text.split())


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def known_area_names(data_dir: Path) -> set[str]:
    """Name keys of every curated area: id, name, alternative and dated names."""
    names: set[str] = set()
    for row in _rows(data_dir / "areas.csv"):
        alts = (row.get("alt_names") or "").split(" | ")
        names.update(name_key(n) for n in (row.get("id", ""), row.get("name", ""), *alts) if n)
    for row in _rows(data_dir / "dated_names.areas.csv"):
        if row.get("name"):
            names.add(name_key(row["name"]))
    return names


def unmatched_areas(data_dir: Path) -> tuple[list[tuple[str, str]], int]:
    """(key, name) of the fetched QM areas that match no curated area, and the total count."""
    collection = json.loads((data_dir / "geo" / "qm-areas.geojson").read_text(encoding="utf-8"))
    known = known_area_names(data_dir)
    props = [f["properties"] for f in collection["features"]]
    missing = [(p["key"], p["name"]) for p in props if name_key(p["name"]) not in known]
    return missing, len(props)
