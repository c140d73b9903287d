"""Something built from the store once per release (a spatial or a search index).

``get()`` returns the value for the release being served and builds it again, once,
when a new release is published; concurrent callers wait for that one build.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PerRelease(Generic[T]):
    def __init__(self, backend: Any, build: Callable[[], T]):
        self.backend = backend
        self.build = build
        self._value: tuple[str, T] | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        release_id = self.backend.release_id()
        value = self._value
        if value is not None and value[0] == release_id:
            return value[1]
        with self._lock:
            if self._value is None or self._value[0] != release_id:
                self._value = (release_id, self.build())
            return self._value[1]
