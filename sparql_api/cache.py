"""A small in-memory cache of complete answers, keyed by their ETag.

An ETag is derived from the release id and the request, so a new release changes every
key and old entries simply age out. Beside it, a memo maps the raw bytes of a request
(query string, body, and the headers that choose the answer) to its ETag, so that a
repeated request is answered without parsing it again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar


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


RawRequest = tuple[bytes, ...]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLru(Generic[K, V]):
    """A least-recently-used map bounded by the bytes of its values (``size(value)``).

    Thread-safe; values larger than ``max_entry`` are not kept at all."""

    def __init__(self, max_bytes: int, max_entry: int, size: Callable[[V], int]):
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self._size_of = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        size = self._size_of(value)
        if size > self.max_entry:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= self._size_of(old)
            self._entries[key] = value
            self._size += size
            while self._size > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._size -= self._size_of(dropped)

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._entries)


class AnswerCache:
    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entry: int = 1024 * 1024,
                 max_requests: int = 10_000):
        self.max_entry = max_entry
        self.max_requests = max_requests
        self._entries: SizedLru[str, tuple[str, bytes]] = SizedLru(
            max_bytes, max_entry, lambda entry: len(entry[1]))
        self._requests: OrderedDict[RawRequest, tuple[str, str]] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, raw: RawRequest, release_id: str) -> tuple[str, str, bytes] | None:
        """ETag, media type and body of a request seen before under this release."""
        with self._lock:
            known = self._requests.get(raw)
        if known is None or known[0] != release_id:
            return None
        entry = self._entries.get(known[1])
        if entry is None:
            return None
        return known[1], entry[0], entry[1]

    def remember(self, raw: RawRequest, release_id: str, etag: str) -> None:
        with self._lock:
            self._requests[raw] = (release_id, etag)
            self._requests.move_to_end(raw)
            if len(self._requests) > self.max_requests:
                self._requests.popitem(last=False)

    def get(self, key: str) -> tuple[str, bytes] | None:
        return self._entries.get(key)

    def put(self, key: str, media_type: str, body: bytes) -> None:
        self._entries.put(key, (media_type, body))
