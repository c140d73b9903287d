"""A small in-memory cache of complete answers, keyed by their ETag.

An ETag is derived from the release id and the request, so a new release changes every
key and old entries simply age out.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict


def etag_for(release_id: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join((release_id, *parts)).encode()).hexdigest()
    return f'"{digest[:32]}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison against a list of tags or '*'."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags


class AnswerCache:
    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entry: int = 1024 * 1024):
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self._entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[str, bytes] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, media_type: str, body: bytes) -> None:
        if len(body) > self.max_entry:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._entries[key] = (media_type, body)
            self._size += len(body)
            while self._size > self.max_bytes and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= len(dropped)
