"""The org's API limits, enforced as Zoho does (zoho-api.md §4.4), and counted for the benches.

- **Concurrency**: calls to /crm/ in flight at once, counted across the server's threads; one more
  than the edition allows answers 429 TOO_MANY_REQUESTS in Zoho's envelope (the body shape is
  INFERRED, the reference has none captured).
- **Credits per rolling 24 hours**: each call costs 1; Convert Lead 5; a composite request 2; a
  write of N records ⌈N/10⌉ (an [L] claim in the reference, kept so both sides count alike). Past
  the day's credits: 429. Once half is used, every answer carries `X-API-CREDITS-REMAINING`.

Defaults follow the edition (Enterprise: 20 at once, 50,000 credits). Tests set them low with
`running_sandbox(concurrency=3, daily_credits=100)` (SandboxSettings), or at run time through
`/__sandbox__/limits` (JSON POST or the form on its page). The peak in flight and the refusals are
reported there too, so a bench can check that no client ever went past the limit.
"""

from __future__ import annotations

import collections
import html
import json
import math
import threading
import time
from typing import Any

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from sandbox.http import envelope, json_response

EDITIONS = {
    # edition: (calls at once, credits per 24 h before per-user additions)
    "free": (5, 5_000),
    "standard": (10, 50_000),
    "professional": (15, 50_000),
    "enterprise": (20, 50_000),
    "ultimate": (25, 50_000),
}
DAY_SECONDS = 24 * 3600


def credits_of(request: Request) -> int:
    parts = [part for part in request.path.split("/") if part]
    if parts[-2:] == ["actions", "convert"]:
        return 5
    if "__composite_requests" in parts:
        return 2
    if request.method in {"POST", "PUT", "PATCH"}:
        body = request.get_json(silent=True)
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list) and data:
            return math.ceil(len(data) / 10)
    return 1


class Limits:
    def __init__(self, *, edition: str, concurrency: int | None, daily_credits: int | None) -> None:
        self._lock = threading.Lock()
        self.edition = edition
        self.concurrency = concurrency or EDITIONS[edition][0]
        self.daily_credits = daily_credits or EDITIONS[edition][1]
        self.in_flight = 0
        self.peak = 0
        self.refused_concurrency = 0
        self.refused_credits = 0
        self._spent: collections.deque[tuple[float, int]] = collections.deque()

    def set(self, **params: Any) -> None:
        """Change the edition or limits; ``reset`` clears the counters, not the calls in flight."""
        with self._lock:
            if params.get("edition"):
                if params["edition"] not in EDITIONS:
                    raise ValueError(f"unknown edition {params['edition']!r}")
                self.edition = params["edition"]
                self.concurrency, self.daily_credits = EDITIONS[self.edition]
            if params.get("concurrency"):
                self.concurrency = int(params["concurrency"])
            if params.get("daily_credits"):
                self.daily_credits = int(params["daily_credits"])
            if params.get("reset"):
                self.peak = self.in_flight
                self.refused_concurrency = self.refused_credits = 0
                self._spent.clear()

    def _used(self, now: float) -> int:
        while self._spent and self._spent[0][0] <= now - DAY_SECONDS:
            self._spent.popleft()
        return sum(credits for _, credits in self._spent)

    def admit(self, request: Request) -> Response | None:
        """Count the call in; a 429 response if the org's limits refuse it."""
        cost = credits_of(request)
        now = time.time()
        with self._lock:
            if self.in_flight >= self.concurrency:
                self.refused_concurrency += 1
                return _too_many("concurrency", self.concurrency)
            if self._used(now) + cost > self.daily_credits:
                self.refused_credits += 1
                return _too_many("credits", self.daily_credits)
            self._spent.append((now, cost))
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        return None

    def leave(self, response: Response | None) -> None:
        """The call is answered: count it out, and say what is left once half the day is used."""
        with self._lock:
            self.in_flight -= 1
            used = self._used(time.time())
            if response is not None and used * 2 >= self.daily_credits:
                response.headers["X-API-CREDITS-REMAINING"] = str(self.daily_credits - used)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "edition": self.edition,
                "concurrency": self.concurrency,
                "daily_credits": self.daily_credits,
                "credits_used": self._used(time.time()),
                "in_flight": self.in_flight,
                "peak_in_flight": self.peak,
                "refused_concurrency": self.refused_concurrency,
                "refused_credits": self.refused_credits,
            }


def _too_many(limit: str, value: int) -> Response:
    what = "concurrency limit" if limit == "concurrency" else "API credits for the day"
    return json_response(
        envelope("TOO_MANY_REQUESTS", {"limit": limit, "allowed": value}, f"{what} exceeded"),
        429,
    )


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sandbox CRM · limits</title></head><body>
<h1>API limits</h1><p><a href="/__sandbox__/">Faults</a></p>
<pre>{state}</pre>
<form method="post" action="/__sandbox__/limits">
<label>Edition <select name="edition"><option value="">(unchanged)</option>{editions}
</select></label>
<label>Calls at once <input name="concurrency" size="4"></label>
<label>Credits per 24 h <input name="daily_credits" size="8"></label>
<label><input type="checkbox" name="reset" value="1"> reset counters</label>
<button>Set</button></form></body></html>"""


def handle(limits: Limits, request: Request) -> Response:
    """/__sandbox__/limits: GET the state (JSON, or a page for a browser), POST to change it."""
    if request.method == "POST":
        params = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        try:
            limits.set(**(params or {}))
        except (TypeError, ValueError) as error:
            return json_response({"error": str(error)}, 400)
        if not request.is_json:
            return redirect("/__sandbox__/limits")
    state = limits.snapshot()
    if request.accept_mimetypes.best == "text/html":
        editions = "".join(f"<option>{name}</option>" for name in EDITIONS)
        page = PAGE.format(state=html.escape(json.dumps(state, indent=2)), editions=editions)
        return Response(page, content_type="text/html; charset=utf-8")
    return json_response(state)


def limits_for(settings: Any) -> Limits:
    return Limits(
        edition=settings.edition,
        concurrency=settings.concurrency,
        daily_credits=settings.daily_credits,
    )
