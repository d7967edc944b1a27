"""Where metadata is cached: the interface ``crmadmin`` implements over Django's cache, and an
in-memory cache for tests and scripts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol


class MetadataCache(Protocol):
    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl_seconds: int) -> None: ...

    def delete(self, key: str) -> None: ...


class DictCache:
    """An in-memory MetadataCache for tests and scripts."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= self._clock():
                self._entries.pop(key, None)
                return None
            return entry[1]

    def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + ttl_seconds, value)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)
