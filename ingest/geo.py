"""The geo family of the ingest: read ``data/geo/``, map it, add area geometries and
spatial relations. Returns named graphs like ``map_records`` does."""

from __future__ import annotations

import logging
from pathlib import Path

from rdflib import Graph

from .errors import Problem
from .geodata import read_geodata
from .geomapping import GeoMapper, coverage_units
from .records import Record
from .spatial import area_shapes, relations
from .vocab import Vocab

log = logging.getLogger(__name__)


def map_geo(vocab: Vocab, geo_dir: Path, records: list[Record], problems: list[Problem]
            ) -> dict[str, Graph]:
    before = len(problems)
    geo = read_geodata(geo_dir, problems)
    if len(problems) > before:
        return {}  # the geodata cannot be trusted; the problems say why
    mapper = GeoMapper(vocab, geo, records)
    for feature in geo.layers["districts"].features:
        if mapper.district(feature.key) is None:
            problems.append(Problem("geo/districts.geojson", None, "key",
                                    f"district key {feature.key} is not in districts.csv",
                                    "add the district or correct the key", feature.key))
    graphs = mapper.map_all()
    graphs["geo/lor-coverage"] = coverage_units(mapper, records)
    footprints, shapes = area_shapes(mapper, records)
    graphs["geo/area-geometries"] = footprints
    graphs["geo/spatial-relations"] = relations(mapper, shapes, records)
    log.info("geodata: %d layers, %d MSS rows, %d area geometries",
             len(geo.layers), len(geo.mss), len(shapes))
    return graphs
