"""Update the Berlin geodata in ``data/geo/`` from the live WFS services, one layer at a time.

HTTP here is defensive because the services are slow and sometimes down: timeouts,
retries with exponential backoff on connection errors, timeouts, 5xx and 429, conditional
GET with the ETag/Last-Modified remembered in ``<layer>.source.json``, a size limit while
streaming, and every download into a temp file. A layer's two files are replaced together
only after every check passed; on any failure both stay as they were (last good copy).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import requests

from ingest import wfs
from ingest.config import Settings
from ingest.errors import EXIT_STORE, KiezgraphError
from ingest.geo_sources import (
    GeoSource,
    LayerDataError,
    Service,
    check_unique_keys,
    leave_out,
    normalise,
)

log = logging.getLogger(__name__)

MAX_RETRY_WAIT = 60.0  # seconds; a longer Retry-After is not worth waiting for here
NOTE = ("Fetched with WFS 2.0.0 GetFeature ({kind}, EPSG:25833) from the URL in 'service'. "
        "Every geometry was checked (valid, polygonal, inside Berlin) and transformed to "
        "lon/lat (OGC:CRS84) with pyproj, exterior rings counter-clockwise (RFC 7946); "
        "properties renamed to the normalised names; nothing simplified.")


class SourceError(KiezgraphError):
    """A layer could not be updated; its files in ``data/geo/`` are unchanged."""

    exit_code = EXIT_STORE

    def __init__(self, layer: str, url: str, reason: str):
        self.layer, self.url, self.reason = layer, url, reason
        super().__init__(f"{layer}: {url}: {reason}")


class HttpError(Exception):
    """One failed download; ``retryable`` when trying again may help."""

    def __init__(self, reason: str, retryable: bool = False, wait: float | None = None):
        super().__init__(reason)
        self.retryable, self.wait = retryable, wait


@dataclass(frozen=True)
class FetchOptions:
    timeout: float = 60.0  # seconds to connect, and between two received bytes
    deadline: float = 900.0  # seconds for one whole download
    retries: int = 3
    backoff: float = 1.0  # first wait before a retry; doubles each time
    max_bytes: int = 512 * 1024 * 1024
    user_agent: str = "kiezgraph-fetch/0.1"


@dataclass(frozen=True)
class Download:
    status: int  # 200 or 304
    path: Path | None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class LayerResult:
    layer: str
    status: Literal["updated", "unchanged", "failed"]
    service: str = ""
    features: int = 0
    errors: list[SourceError] = field(default_factory=list)


# --- HTTP ------------------------------------------------------------------------------

def download(session: requests.Session, url: str, dest: Path, options: FetchOptions,
             validators: dict[str, str] | None = None) -> Download:
    """GET ``url`` into ``dest``, retrying transient failures; raises :class:`HttpError`."""
    for attempt in range(options.retries + 1):
        try:
            return _get_once(session, url, dest, options, validators or {})
        except HttpError as exc:
            if not exc.retryable or attempt == options.retries:
                raise
            wait = exc.wait if exc.wait is not None else options.backoff * 2**attempt
            log.info("%s: %s; retry %d of %d in %.1f s", url, exc, attempt + 1,
                     options.retries, min(wait, MAX_RETRY_WAIT))
            time.sleep(min(wait, MAX_RETRY_WAIT))
    raise AssertionError("unreachable")


def _get_once(session: requests.Session, url: str, dest: Path, options: FetchOptions,
              validators: dict[str, str]) -> Download:
    headers = {"User-Agent": options.user_agent}
    if validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    try:
        with session.get(url, headers=headers, timeout=options.timeout, stream=True) as resp:
            if resp.status_code == 304:
                return Download(304, None, resp.headers.get("ETag"),
                                resp.headers.get("Last-Modified"))
            _check_status(resp)
            _stream_to(resp, dest, options)
            return Download(200, dest, resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
    except requests.Timeout:
        raise HttpError(f"no answer within the timeout of {options.timeout:g} s",
                        retryable=True) from None
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        raise HttpError(f"connection failed or cut off ({exc})", retryable=True) from None
    except requests.RequestException as exc:
        raise HttpError(f"request failed ({exc})") from None


def _check_status(resp: requests.Response) -> None:
    code = resp.status_code
    if code == 200:
        return
    reason = f"HTTP {code} {resp.reason or ''}".strip()
    if code == 429 or code >= 500:
        after = resp.headers.get("Retry-After", "")
        raise HttpError(reason, retryable=True, wait=float(after) if after.isdigit() else None)
    body = resp.raw.read(64 * 1024, decode_content=True) or b""
    report = wfs.exception_in(body)
    raise HttpError(f"{reason}; OGC exception: {report}" if report else reason)


def _stream_to(resp: requests.Response, dest: Path, options: FetchOptions) -> None:
    """Write the body to ``dest``; refuse it when over the size limit, slow or cut off."""
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > options.max_bytes:
        raise HttpError(f"the answer has {declared} bytes, over the limit of "
                        f"{options.max_bytes} bytes")
    started, size = time.monotonic(), 0
    with dest.open("wb") as out:
        for chunk in resp.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > options.max_bytes:
                raise HttpError(f"the answer is over the limit of {options.max_bytes} bytes")
            if time.monotonic() - started > options.deadline:
                raise HttpError(f"the download took longer than {options.deadline:g} s")
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if declared.isdigit() and not resp.headers.get("Content-Encoding") and size != int(declared):
        raise HttpError(f"the answer was cut off after {size} of {declared} bytes",
                        retryable=True)


# --- one layer -------------------------------------------------------------------------

def fetch_layers(settings: Settings, sources: list[GeoSource], options: FetchOptions,
                 progress: Callable[[LayerResult], None] | None = None) -> list[LayerResult]:
    """Update each layer; a failing layer keeps its files and does not stop the others."""
    geo_dir = settings.data_dir / "geo"
    try:
        geo_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SourceError("data/geo", str(geo_dir), f"cannot create the folder ({exc})") from None
    results = []
    with requests.Session() as session:
        for source in sources:
            result = update_layer(session, source, geo_dir, options)
            if progress:
                progress(result)
            results.append(result)
    return results


def update_layer(session: requests.Session, source: GeoSource, geo_dir: Path,
                 options: FetchOptions) -> LayerResult:
    """Try the layer's services in order (fallbacks); the first that works wins."""
    errors = []
    for service in source.services:
        log.info("%s: fetching from %s", source.id, service.url)
        try:
            with tempfile.TemporaryDirectory(dir=geo_dir, prefix=f".fetch-{source.id}-",
                                             ignore_cleanup_errors=True) as tmp:
                return _update_from(session, source, service, geo_dir, Path(tmp), options)
        except SourceError as exc:
            errors.append(exc)
        except OSError as exc:  # no temp folder could be made beside the files
            errors.append(SourceError(source.id, service.url, f"cannot use {geo_dir} ({exc})"))
    return LayerResult(source.id, "failed", errors=errors)


def _update_from(session: requests.Session, source: GeoSource, service: Service,
                 geo_dir: Path, tmp: Path, options: FetchOptions) -> LayerResult:
    caps_url = wfs.capabilities_url(service.url)
    try:
        caps = wfs.parse_capabilities(_fresh(download(session, caps_url, tmp / "caps", options)))
        feature_type = wfs.find_feature_type(caps, service.layer, source.discover)
        wfs.check_crs(feature_type)
        output_format = wfs.choose_format(caps, feature_type)
    except (HttpError, wfs.WfsError, OSError) as exc:
        raise SourceError(source.id, caps_url, str(exc)) from None
    url = wfs.getfeature_url(service.url, feature_type.name, output_format)
    previous = _read_previous(geo_dir, source.id)
    try:
        validators = _validators(previous, url, geo_dir / f"{source.id}.geojson")
        got = download(session, url, tmp / "features", options, validators)
        if got.status == 304 and validators:
            return LayerResult(source.id, "unchanged", url, previous.get("features", 0))
        features, left_out = _features(source, _fresh(got))
    except (HttpError, wfs.WfsError, LayerDataError, OSError) as exc:
        raise SourceError(source.id, url, str(exc)) from None
    record = _source_record(source, previous, caps, service, url, got, len(features), left_out)
    record["note"] = NOTE.format(kind="GeoJSON" if "json" in output_format.casefold()
                                 else "GML 3.2")
    try:
        _replace_files(geo_dir, source.id, features, record, tmp)
    except OSError as exc:
        raise SourceError(source.id, url, f"cannot write the files ({exc})") from None
    return LayerResult(source.id, "updated", url, len(features))


def _fresh(got: Download) -> Path:
    """The downloaded file; a 304 to an unconditional request is a server error."""
    if got.path is None:
        raise HttpError("HTTP 304 Not Modified to a request that was not conditional")
    return got.path


def _features(source: GeoSource, path: Path) -> tuple[list[dict], list[str]]:
    """Normalised, checked lon/lat features sorted by key, and the known-bad ones left out."""
    features, left_out = [], []
    for raw in wfs.read_features(path):
        props = normalise(source, raw.props, raw.fid)
        reason = leave_out(source, props)
        if reason:
            left_out.append(reason)
            continue
        geometry = wfs.checked_lonlat(raw.geometry, f"{props['key']} {props['name']}")
        features.append({"type": "Feature", "properties": props,
                         "geometry": geometry.__geo_interface__})
    if not features:
        raise LayerDataError("the service returned no features")
    check_unique_keys(f["properties"]["key"] for f in features)
    features.sort(key=lambda f: f["properties"]["key"])
    return features, left_out


def _read_previous(geo_dir: Path, layer: str) -> dict:
    path = geo_dir / f"{layer}.source.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _validators(previous: dict, url: str, kept: Path) -> dict[str, str]:
    """Conditional-GET headers, only for the very URL the kept file came from."""
    if previous.get("service") != url or not kept.exists():
        return {}
    return {k: previous[k] for k in ("etag", "last_modified") if previous.get(k)}


def _source_record(source: GeoSource, previous: dict, caps: wfs.Capabilities, service: Service,
                   url: str, got: Download, count: int, left_out: list[str]) -> dict:
    """Provenance as in the import script; licence fields kept unless the service states one."""
    record = {
        "layer": source.id, "title": source.title, "upstream": service.url,
        "original_source": previous.get("original_source"),
        "service": url, "publisher": caps.provider or previous.get("publisher"),
        "data_date": None,
        "licence": previous.get("licence"), "licence_note": previous.get("licence_note"),
        "attribution": previous.get("attribution"),
        "original_crs": wfs.CRS_IRI,
        "retrieved": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "method": "wfs", "note": "", "features": count, "left_out": left_out,
    }
    if caps.constraints:
        record["licence"] = stated_licence(caps.constraints) or record["licence"]
        record["licence_note"] = f"As stated by the service: {caps.constraints}"
    if got.etag:
        record["etag"] = got.etag
    if got.last_modified:
        record["last_modified"] = got.last_modified
    return record


def stated_licence(text: str) -> str | None:
    """The licence id when the service names a Datenlizenz Deutschland, else None."""
    lower = text.casefold()
    if "dl-de" not in lower and "datenlizenz deutschland" not in lower:
        return None
    if "zero" in lower:
        return "dl-de/zero-2-0"
    return "dl-de/by-2-0" if "by" in lower or "namensnennung" in lower else None


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())


def _replace_files(geo_dir: Path, layer: str, features: list[dict], record: dict,
                   tmp: Path) -> None:
    """Write both files beside their targets, then rename; undo the first if the second fails."""
    collection = {"type": "FeatureCollection", "features": features}
    pairs = [(tmp / "new.geojson", geo_dir / f"{layer}.geojson"),
             (tmp / "new.source.json", geo_dir / f"{layer}.source.json")]
    _write(pairs[0][0], json.dumps(collection, ensure_ascii=False) + "\n")
    _write(pairs[1][0], json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    backups = {}
    for _, target in pairs:
        if target.exists():
            backups[target] = tmp / f"old-{target.name}"
            shutil.copy2(target, backups[target])
    done: list[Path] = []
    try:
        for new, target in pairs:
            os.replace(new, target)
            done.append(target)
    except OSError:
        for target in done:
            if target in backups:
                os.replace(backups[target], target)
            else:
                target.unlink()
        raise
