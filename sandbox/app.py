"""The WSGI application: accounts server, CRM API, fault injection and the control page."""

from __future__ import annotations

import collections
import logging
import os
import socket
import time
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox import control, limits
from sandbox.accounts import Accounts
from sandbox.crm.router import dispatch
from sandbox.editing import edit_record
from sandbox.faults import Fault, Faults
from sandbox.http import ApiError, envelope, json_response
from sandbox.settings import SandboxSettings
from sandbox.store import Store
from sandbox.tokens import Tokens

log = logging.getLogger("sandbox")

LB_PAGE = (
    "<html><head><title>{status} {reason}</title></head><body>"
    "<center><h1>{status} {reason}</h1></center><hr><center>ZGS</center></body></html>"
)
REASONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


# The accounts server, the control page and the CRM API; each handler checks its own methods, so
# the rules match on the path alone (see sandbox/crm/router.py for the CRM's own routes).
URLS = Map(
    [
        Rule("/oauth/v2/auth", endpoint="authorize"),
        Rule("/oauth/v2/token", endpoint="token"),
        Rule("/oauth/v2/token/revoke", endpoint="revoke"),
        Rule("/oauth/v2/revoke/token", endpoint="revoke"),
        Rule("/", endpoint="control"),
        Rule("/__sandbox__", endpoint="control"),
        Rule("/__sandbox__/limits", endpoint="limits"),
        Rule("/__sandbox__/<path:rest>", endpoint="control"),
        Rule("/crm/<path:rest>", endpoint="crm"),
    ],
    strict_slashes=False,
    merge_slashes=False,
)


class SandboxApp:
    def __init__(self, store: Store, settings: SandboxSettings) -> None:
        self.store, self.settings = store, settings
        self.tokens = Tokens(store, settings)
        self.accounts = Accounts(self.tokens, settings.base_url)
        self.faults = Faults()
        self.limits = limits.limits_for(settings)
        # Requests served, by "METHOD /path" (the bulk edit bench counts PUT calls here).
        self.requests_served: collections.Counter[str] = collections.Counter()
        with store.write() as conn:
            # The demo client always exists with the configured secret; any redirect_uri is fine.
            conn.execute(
                "INSERT OR REPLACE INTO clients (client_id, secret, redirect_uris)"
                " VALUES (?, ?, '*')",
                (settings.demo_client_id, settings.demo_client_secret),
            )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests_served[f"{request.method} {request.path}"] += 1
        self.accounts.base_url = self.settings.base_url
        # The org's limits come first, as at Zoho: a call refused there is not served at all; a
        # latency fault then keeps the call in flight for its seconds.
        counted = request.path.startswith("/crm/")
        response = self.limits.admit(request) if counted else None
        if response is not None:
            return response(environ, start_response)
        try:
            response = self._apply_faults(request, environ)
            if response is None:
                response = self._route(request)
        finally:
            if counted:
                self.limits.leave(response)
        lost = environ.get("sandbox.lost_answer")
        if lost is not None:
            # The request was served (a write is applied); its answer never reaches the client.
            time.sleep(lost.seconds)
            response = self._socket_dropped(environ)
        return response(environ, start_response)

    def _apply_faults(self, request: Request, environ: dict[str, Any]) -> Response | None:
        if request.path.startswith("/__sandbox__"):
            return None
        for fault in self.faults.take(request.method, request.path):
            response = self._fault_response(fault, environ)
            if response is not None:
                return response
        return None

    def _fault_response(self, fault: Fault, environ: dict[str, Any]) -> Response | None:
        if fault.kind in {"latency", "timeout"}:
            time.sleep(fault.seconds)
        elif fault.kind == "invalidate_tokens":
            self.tokens.revoke_all()
        elif fault.kind == "edit_record":
            edit_record(self.store, fault.module, fault.record_id, fault.changes)
        elif fault.kind == "fail_records":
            # Read by sandbox.crm.writes: these records fail, the rest of the write is served.
            failing = environ.setdefault("sandbox.fail_records", {})
            for record_id in filter(None, (part.strip() for part in fault.record_id.split(","))):
                failing[record_id] = fault.field or "id"
        elif fault.kind == "non_json":
            return Response(
                "<html><body><h1>Service maintenance</h1></body></html>",
                200,
                content_type="text/html",
            )
        elif fault.kind == "drop":
            return self._socket_dropped(environ)
        elif fault.kind == "lost_answer":
            environ["sandbox.lost_answer"] = fault  # read by __call__ once the request is served
        elif fault.kind == "status" and fault.status == 429:
            return json_response(
                envelope("TOO_MANY_REQUESTS", {}, "too many requests"),
                429,
                {"Retry-After": str(fault.retry_after)},
            )
        elif fault.kind == "status":
            page = LB_PAGE.format(status=fault.status, reason=REASONS.get(fault.status, "Error"))
            return Response(page, fault.status, content_type="text/html")
        return None

    @staticmethod
    def _socket_dropped(environ: dict[str, Any]) -> Response:
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            # Shut down without closing: the server's own write then fails quietly.
            sock.shutdown(socket.SHUT_RDWR)
        return Response(b"", 200)

    def _route(self, request: Request) -> Response:
        try:
            endpoint, values = URLS.bind_to_environ(request.environ).match()
        except NotFound:
            endpoint, values = "none", {}
        try:
            if endpoint == "authorize":
                return self.accounts.authorize(request)
            if endpoint == "token":
                if request.method != "POST":
                    return json_response({"error": "invalid_request_method"}, 405)
                return self.accounts.token(request)
            if endpoint == "revoke":
                return self.accounts.revoke(request)
            if endpoint == "limits":
                return limits.handle(self.limits, request)
            if endpoint == "control":
                return control.handle(self, request)
            if endpoint == "crm":
                parts = [p for p in values["rest"].split("/") if p]
                return dispatch(request, parts, self.tokens, self.store, self.settings)
            raise ApiError("INVALID_URL_PATTERN")
        except ApiError as error:
            return error.response()
        except Exception:
            # The one catch-all: like Zoho, a fault of the server itself answers INTERNAL_ERROR
            # (a documented error the client must handle) instead of a dropped connection.
            log.exception("unhandled error on %s %s", request.method, request.path)
            return ApiError("INTERNAL_ERROR").response()


def create_app(
    *, db_path: str | os.PathLike[str], settings: SandboxSettings | None = None
) -> SandboxApp:
    return SandboxApp(Store(db_path), settings or SandboxSettings())
