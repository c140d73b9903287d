"""Releases on disk: each ingest builds a fresh store and flips an atomic pointer.

Layout of the store folder::

    releases/<release-id>/       a complete pyoxigraph store, never written after publishing
    releases/<release-id>.json   its metadata (counts, fingerprint, base IRI)
    .building-<release-id>/      a store under construction (left behind only by a crash)
    CURRENT                      the id of the published release, replaced atomically
    ingest.lock                  held while an ingest runs

An ingest that fails, is invalid or is killed never touches ``CURRENT``, so the
previously published release stays intact and servable. The server opens releases
read-only and never the folder an ingest writes to.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReleaseMeta:
    release_id: str
    data: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        return str(self.data.get("fingerprint", ""))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ReleaseStore:
    def __init__(self, store_dir: Path):
        self.root = store_dir
        self.releases = store_dir / "releases"
        self.pointer = store_dir / "CURRENT"

    # -- reading -----------------------------------------------------------------
    def current_id(self) -> str | None:
        try:
            release_id = self.pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self.pointer}: {exc}") from exc
        if not release_id or not (self.releases / release_id).is_dir():
            raise StoreError(f"{self.pointer} names release '{release_id}', which is missing; "
                             "run 'kiezgraph ingest' to publish a new release")
        return release_id

    def pointer_stamp(self) -> int:
        """Changes whenever the pointer is replaced (cheap check for a new release)."""
        try:
            return self.pointer.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def meta(self, release_id: str) -> ReleaseMeta:
        path = self.releases / f"{release_id}.json"
        try:
            return ReleaseMeta(release_id, json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read release metadata {path}: {exc}") from exc

    def current(self) -> ReleaseMeta | None:
        release_id = self.current_id()
        return self.meta(release_id) if release_id else None

    def open_read_only(self, release_id: str) -> ox.Store:
        try:
            return ox.Store.read_only(str(self.releases / release_id))
        except OSError as exc:
            raise StoreError(f"cannot open release {release_id}: {exc}") from exc

    # -- writing -----------------------------------------------------------------
    @contextlib.contextmanager
    def ingest_lock(self) -> Iterator[None]:
        """Only one ingest per store folder at a time."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = (self.root / "ingest.lock").open("a")
        except OSError as exc:
            raise StoreError(f"cannot create the store folder {self.root}: {exc}") from exc
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StoreError(f"another ingest is running on {self.root}; wait for it "
                                 "to finish") from exc
            self._remove_stale_builds()
            yield
        finally:
            handle.close()

    def _remove_stale_builds(self) -> None:
        for stale in self.root.glob(".building-*"):
            log.info("removing unfinished build %s", stale.name)
            shutil.rmtree(stale, ignore_errors=True)

    def build_dir(self, release_id: str) -> Path:
        return self.root / f".building-{release_id}"

    def publish(self, release_id: str, meta: dict[str, Any]) -> None:
        """Move a finished build into place and flip the pointer (the only visible step)."""
        build = self.build_dir(release_id)
        target = self.releases / release_id
        try:
            self.releases.mkdir(parents=True, exist_ok=True)
            meta_tmp = self.releases / f".{release_id}.json.tmp"
            meta_tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
            os.replace(meta_tmp, self.releases / f"{release_id}.json")
            os.replace(build, target)
            _fsync_dir(self.releases)
            pointer_tmp = self.root / ".CURRENT.tmp"
            with pointer_tmp.open("w", encoding="utf-8") as fh:
                fh.write(release_id + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(pointer_tmp, self.pointer)
            _fsync_dir(self.root)
        except OSError as exc:
            raise StoreError(f"cannot publish release {release_id}: {exc}") from exc

    def prune(self, keep: int) -> list[str]:
        """Delete all but the current and the ``keep`` newest other releases."""
        current = self.current_id()
        others = sorted((p.name for p in self.releases.iterdir()
                         if p.is_dir() and p.name != current), reverse=True)
        removed = others[keep:]
        for release_id in removed:
            shutil.rmtree(self.releases / release_id, ignore_errors=True)
            (self.releases / f"{release_id}.json").unlink(missing_ok=True)
        return removed
