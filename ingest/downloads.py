"""The downloads of a release, written with it: compressed dumps, CSV per table with
CSVW metadata, GeoJSON of districts and area shapes, and a manifest of sizes and SHA-256.

They are written into a temporary folder and moved into ``downloads/<release id>/``
before the release is published; an ingest that fails leaves the previous release's
downloads untouched. The catalogue (``ingest.catalog``) describes them from the manifest.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
import shapely
from shapely import wkt
from shapely.geometry import mapping
from shapely.geometry.polygon import orient

from .config import Settings
from .tables import LIST_SEPARATOR, TABLES, Table
from .vocab import Vocab

IANA = "http://www.iana.org/assignments/media-types/"
CATALOG_FILE = "catalog.nt"  # the release's DCAT catalogue, exactly as built
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
# Which curated tables go into which dataset (the whole graph has the dumps).
DATASET_TABLES = {
    "areas": ("areas", "area_events", "area_lor", "area_operators", "districts",
              "handlungsraeume", "measurements", "documents"),
    "funds-and-money": ("funds", "rules", "cubes", "observations", "periods"),
    "committees": ("committees", "committee_facts"),
    "departments": ("departments", "units", "initiatives", "dated_names", "organisations"),
    "projects": ("projects",),
}


@dataclass
class Download:
    file: str
    title_de: str
    title_en: str
    media_type: str
    file_type: str
    datasets: list[str]
    compressed: bool = False
    byte_size: int = 0
    sha256: str = ""
    contains_geodata: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def _finish(folder: Path, item: Download) -> Download:
    data = (folder / item.file).read_bytes()
    item.byte_size = len(data)
    item.sha256 = hashlib.sha256(data).hexdigest()
    return item


def _dump(store: ox.Store, folder: Path, name: str, fmt: ox.RdfFormat, query: str | None
          ) -> None:
    with gzip.open(folder / name, "wb", compresslevel=6) as out:
        if query is None:
            store.dump(out, format=fmt)
        else:
            store.query(query).serialize(out, format=fmt)


UNION = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def write_dumps(store: ox.Store, folder: Path) -> list[Download]:
    """The whole release: N-Quads (named graphs kept), N-Triples and Turtle (union)."""
    _dump(store, folder, "kiezgraph.nq.gz", ox.RdfFormat.N_QUADS, None)
    _dump(store, folder, "kiezgraph.nt.gz", ox.RdfFormat.N_TRIPLES, UNION)
    _dump(store, folder, "kiezgraph.ttl.gz", ox.RdfFormat.TURTLE, UNION)
    every = ["kiezgraph"]
    return [
        Download("kiezgraph.nq.gz", "Gesamter Graph (N-Quads, gzip, mit benannten Graphen)",
                 "Whole graph (N-Quads, gzip, with named graphs)", "application/n-quads",
                 "RDF_N_QUADS", every, True, contains_geodata=True),
        Download("kiezgraph.nt.gz", "Gesamter Graph (N-Triples, gzip)",
                 "Whole graph (N-Triples, gzip)", "application/n-triples", "RDF_N_TRIPLES",
                 every, True, contains_geodata=True),
        Download("kiezgraph.ttl.gz", "Gesamter Graph (Turtle, gzip)",
                 "Whole graph (Turtle, gzip)", "text/turtle", "RDF_TURTLE", every, True,
                 contains_geodata=True),
    ]


def _table_rows(data_dir: Path, table: Table) -> tuple[list[str], list[list[str]]]:
    """A table's header and rows from ``t.csv`` and its ``t.<part>.csv`` files."""
    header: list[str] = []
    rows: list[list[str]] = []
    for path in sorted(data_dir.glob(f"{table.name}.csv")) + \
            sorted(data_dir.glob(f"{table.name}.*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            head = next(reader, [])
            header = header or head
            index = {name: i for i, name in enumerate(head)}
            rows += [[row[index[h]] if h in index and index[h] < len(row) else ""
                      for h in header] for row in reader if row]
    return header, rows


def _csvw(table: Table, header: list[str], vocab: Vocab, file: str) -> dict[str, object]:
    """CSVW metadata: each column's property, and the row's URI from its id."""
    columns: dict[str, dict[str, object]] = {}
    for column in table.columns:
        spec: dict[str, object] = {"name": column.name, "titles": column.name,
                                   "propertyUrl": str(vocab.iri(column.predicate))}
        if column.kind in ("integer", "decimal"):
            spec["datatype"] = column.kind
        if column.multi:
            spec["separator"] = LIST_SEPARATOR.strip()
        if column.lang:
            spec["lang"] = column.lang
        columns[column.name] = spec
    schema_columns = [columns.get(name, {"name": name, "titles": name}) for name in header]
    return {"@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}], "url": file,
            "dc:title": f"Kiezgraph: {table.name}", "dc:description": table.doc,
            "tableSchema": {"columns": schema_columns, "primaryKey": "id",
                            "aboutUrl": f"{vocab.base}/id/{table.segment}/{{id}}"}}


def write_tables(data_dir: Path, folder: Path, vocab: Vocab) -> list[Download]:
    found = []
    dataset_of = {t: d for d, tables in DATASET_TABLES.items() for t in tables}
    for table in TABLES:
        if table.name not in dataset_of:
            continue
        header, rows = _table_rows(data_dir, table)
        if not header:
            continue
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        file = f"{table.name}.csv"
        (folder / file).write_text(text.getvalue(), encoding="utf-8")
        meta = f"{table.name}.csv-metadata.json"
        (folder / meta).write_text(json.dumps(_csvw(table, header, vocab, file), indent=1,
                                              ensure_ascii=False), encoding="utf-8")
        dataset = [dataset_of[table.name]]
        found.append(Download(file, f"Tabelle {table.name} (CSV)", f"Table {table.name} (CSV)",
                              "text/csv", "CSV", dataset, extra={"csvw": meta}))
        found.append(Download(meta, f"CSVW-Metadaten zu {file}", f"CSVW metadata of {file}",
                              "application/csvm+json", "JSON", dataset))
    return found


def _features(store: ox.Store, query: str) -> list[dict[str, object]]:
    features = []
    for row in store.query(query):
        geometry = wkt.loads(row["wkt"].value)
        parts = getattr(geometry, "geoms", [geometry])
        oriented = shapely.MultiPolygon([orient(p, 1.0) for p in parts]) \
            if len(parts) > 1 else orient(parts[0], 1.0)
        props = {k: row[k].value for k in ("uri", "name", "key", "kind", "accuracy")
                 if row[k] is not None}
        features.append({"type": "Feature", "id": props["uri"], "properties": props,
                         "geometry": mapping(oriented)})
    return features


def write_geojson(store: ox.Store, folder: Path, base: str) -> list[Download]:
    prefixes = (f"PREFIX kg: <{base}/def/> PREFIX geo: <http://www.opengis.net/ont/geosparql#> "
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                "PREFIX dct: <http://purl.org/dc/terms/> ")
    queries = {
        "districts.geojson": prefixes + """SELECT ?uri ?name ?key ?kind ?accuracy ?wkt WHERE {
            GRAPH ?g { ?uri a kg:District ; skos:prefLabel ?name ; dct:identifier ?key }
            GRAPH ?h { ?uri geo:hasGeometry/geo:asWKT ?wkt } } ORDER BY ?key""",
        "areas.geojson": prefixes + """SELECT ?uri ?name ?key ?kind ?accuracy ?wkt WHERE {
            GRAPH ?g { ?uri a kg:QMArea ; skos:prefLabel ?name FILTER(LANG(?name) = "de") }
            GRAPH ?h { ?uri geo:hasGeometry ?shape . ?shape geo:asWKT ?wkt ;
                              kg:geometryKind ?kind
                       OPTIONAL { ?shape kg:geometryAccuracy ?accuracy } } } ORDER BY ?uri""",
    }
    titles = {"districts.geojson": ("Bezirke (GeoJSON)", "Districts (GeoJSON)"),
              "areas.geojson": ("Gebietsflächen: amtlich oder aus LOR abgeleitet (GeoJSON)",
                                "Area shapes: official or derived from LOR (GeoJSON)")}
    found = []
    for file, query in queries.items():
        collection = {"type": "FeatureCollection", "features": _features(store, query)}
        (folder / file).write_text(json.dumps(collection, ensure_ascii=False),
                                   encoding="utf-8")
        found.append(Download(file, *titles[file], "application/geo+json", "GEOJSON",
                              ["areas"], contains_geodata=True))
    return found


def write_downloads(store: ox.Store, folder: Path, settings: Settings) -> list[Download]:
    """Every download of the release into ``folder``, with its manifest."""
    folder.mkdir(parents=True)
    vocab = Vocab(settings.base_iri)
    items = [*write_dumps(store, folder), *write_tables(settings.data_dir, folder, vocab),
             *write_geojson(store, folder, settings.base_iri)]
    items = [_finish(folder, item) for item in items]
    (folder / "manifest.json").write_text(json.dumps([asdict(i) for i in items], indent=1,
                                                     ensure_ascii=False), encoding="utf-8")
    return items


def downloads_dir(settings: Settings) -> Path:
    """``downloads/<release id>/`` beside the releases: dumps, CSV, GeoJSON, manifest."""
    return settings.store_dir / "downloads"


def read_manifest(folder: Path) -> list[Download]:
    return [Download(**item) for item in json.loads((folder / "manifest.json").read_text(
        encoding="utf-8"))]
