"""Run a seeded sandbox on a loopback port for the duration of a test."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import os
import threading
from collections.abc import Iterator
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox.app import SandboxApp, create_app
from sandbox.editing import edit_record
from sandbox.faults import Faults
from sandbox.metadata import org
from sandbox.seed import seed
from sandbox.settings import SandboxSettings

DEFAULT_SCOPES = [
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.users.READ",
    "ZohoCRM.org.READ",
    "ZohoSearch.securesearch.READ",
    "ZohoCRM.files.CREATE",
    "ZohoCRM.files.READ",
]


class _QuietHandler(WSGIRequestHandler):
    """No access log lines in test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@dataclasses.dataclass
class SandboxHandle:
    url: str
    app: SandboxApp

    @property
    def client_id(self) -> str:
        return self.app.settings.demo_client_id

    @property
    def client_secret(self) -> str:
        return self.app.settings.demo_client_secret

    @property
    def faults(self) -> Faults:
        return self.app.faults

    @property
    def token_requests(self) -> collections.Counter[str]:
        """Token-endpoint requests served, by grant_type ("authorization_code", "refresh_token")."""
        return self.app.tokens.requests_served

    @property
    def special(self) -> dict[str, dict[str, str]]:
        """Ids of seeded records that are locked / awaiting approval / in a merge, by module."""
        return json.loads(self.app.store.kv_get("special") or "{}")

    def _user_id(self, user_email: str | None) -> str:
        user = org.user_by_email(user_email) if user_email else org.USERS[0]
        if user is None:
            raise KeyError(f"no sandbox user {user_email!r}")
        return user["id"]

    def mint_grant(self, scopes: list[str] | None = None, user_email: str | None = None) -> str:
        """A self-client grant code (no redirect_uri bound), valid grant_code_ttl_seconds."""
        return self.app.tokens.mint_grant(
            client_id=self.client_id,
            scopes=scopes or DEFAULT_SCOPES,
            user_id=self._user_id(user_email),
        )

    def issue_tokens(
        self, scopes: list[str] | None = None, user_email: str | None = None
    ) -> dict[str, Any]:
        """Tokens without going over HTTP (not counted in token_requests)."""
        code = self.mint_grant(scopes, user_email)
        return self.app.tokens.exchange_code(
            client_id=self.client_id, client_secret=self.client_secret, code=code, redirect_uri=None
        )

    def edit_record(
        self, module: str, record_id: str, changes: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return edit_record(self.app.store, module, str(record_id), changes)

    def get_record(self, module: str, record_id: str) -> dict[str, Any] | None:
        return self.app.store.get_record(module, str(record_id))

    def requests_served(self, method_and_path: str) -> int:
        """How many requests the sandbox served for "METHOD /path", e.g. "PUT /crm/v8/Contacts"."""
        return self.app.requests_served[method_and_path]

    def updates_of(self, module: str) -> dict[str, int]:
        """Updates applied through the API to each record of `module`, by record id."""
        counts = self.app.store.api_updates.items()
        return {rid: n for (name, rid), n in counts if name == module}

    def expire_access_tokens(self) -> None:
        self.app.tokens.expire_all_access()

    def revoke_all_tokens(self) -> None:
        self.app.tokens.revoke_all()


@contextlib.contextmanager
def running_sandbox(
    *, db_path: str | os.PathLike[str], records: int = 300, **settings_overrides: Any
) -> Iterator[SandboxHandle]:
    seed(db_path=db_path, records=records)
    settings = SandboxSettings(**settings_overrides)
    app = create_app(db_path=db_path, settings=settings)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    settings.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="sandbox", daemon=True)
    thread.start()
    try:
        yield SandboxHandle(url=settings.base_url, app=app)
    finally:
        app.faults.clear()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.store.close()
