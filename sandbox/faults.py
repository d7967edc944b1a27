"""Injected failures, off by default, scoped to a method + path prefix and a count.

A fault is consulted before routing. Kinds: latency (sleep, then serve), status (429 with
Retry-After as a Zoho JSON envelope; 500/502/503 as a load balancer's HTML page), timeout (sleep
longer than a client's timeout, then serve), drop (close the socket with no response), non_json (an
HTML 200 where JSON was expected), invalidate_tokens and edit_record (side effects, then serve), and
fail_records (the records named in `record_id`, comma-separated, fail with INVALID_DATA on `field`
inside an otherwise served write: a 207 with per-record errors), and lost_answer (serve the
request, so a write is applied, then wait `seconds` and close the socket with no answer: the
write lands after the client gave up).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

KINDS = (
    "latency",
    "status",
    "timeout",
    "drop",
    "non_json",
    "invalidate_tokens",
    "edit_record",
    "fail_records",
    "lost_answer",
)


@dataclasses.dataclass
class Fault:
    kind: str
    method: str | None = None  # None matches every method
    path: str = ""  # path prefix; "" matches every path
    count: int | None = None  # None: until cleared
    seconds: float = 0.0
    status: int = 503
    retry_after: int = 30
    module: str = ""
    record_id: str = ""
    changes: dict[str, Any] = dataclasses.field(default_factory=dict)
    field: str = ""

    def matches(self, method: str, path: str) -> bool:
        return (self.method in (None, method)) and path.startswith(self.path)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def set(
        self,
        kind: str,
        *,
        path: str = "",
        method: str | None = None,
        count: int | None = None,
        **params: Any,
    ) -> Fault:
        """Add a fault. `path` may carry the method: "PUT /crm/v8/Contacts"."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        if " " in path.strip():
            method, path = path.strip().split(" ", 1)
        fault = Fault(
            kind=kind,
            method=method.upper() if method else None,
            path=path.strip(),
            count=count,
            **params,
        )
        if kind == "timeout" and not fault.seconds:
            fault.seconds = 30.0
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def take(self, method: str, path: str) -> list[Fault]:
        """Faults that apply to this request, spending one use of each counted fault."""
        hits = []
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(method, path):
                    continue
                hits.append(fault)
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
        return hits
