"""Who is calling and what their token allows (zoho-api.md §1.7)."""

from __future__ import annotations

import dataclasses
from typing import Any

from werkzeug.wrappers import Request

from sandbox.http import ApiError
from sandbox.metadata import org
from sandbox.metadata.modules import Module
from sandbox.settings import SandboxSettings
from sandbox.store import Store
from sandbox.tokens import Tokens

PREFIX = "Zoho-oauthtoken "


@dataclasses.dataclass
class Ctx:
    request: Request
    store: Store
    settings: SandboxSettings
    user: dict[str, Any]
    scopes: set[str]

    def require(self, *accepted: str) -> None:
        """Pass when the token holds any accepted scope (case-insensitive, as Zoho's are)."""
        if not self.scopes & {s.lower() for s in accepted}:
            raise ApiError("OAUTH_SCOPE_MISMATCH")

    def require_module(self, module: Module, *ops: str) -> None:
        name = module.scope_name
        self.require(
            "ZohoCRM.modules.ALL",
            f"ZohoCRM.modules.{name}.ALL",
            *(f"ZohoCRM.modules.{name}.{op}" for op in ops),
        )

    def require_settings(self, sub: str) -> None:
        self.require(
            "ZohoCRM.settings.ALL", f"ZohoCRM.settings.{sub}.ALL", f"ZohoCRM.settings.{sub}.READ"
        )

    def require_write(self, module: Module, op: str = "UPDATE") -> None:
        """Scope (WRITE, or the operation: CREATE, UPDATE, DELETE), then the user's profile:
        read-only → 403, module denied → 400."""
        self.require_module(module, "WRITE", op)
        if self.user["edit"] == "none":
            permission = f"Crm_Implied_Edit_{module.api_name}"
            raise ApiError("NO_PERMISSION", {"permissions": [permission]})
        if module.api_name in self.user["denied"]:
            raise ApiError("AUTHORIZATION_FAILED", {"resource_path_index": 0})


def authenticate(request: Request, tokens: Tokens, store: Store, settings: SandboxSettings) -> Ctx:
    header = request.headers.get("Authorization", "")
    if not header.startswith(PREFIX) or not header[len(PREFIX) :].strip():
        raise ApiError("AUTHENTICATION_FAILURE")
    found = tokens.validate(header[len(PREFIX) :].strip())
    if found is None:
        raise ApiError("INVALID_TOKEN")
    user = org.user_by_id(found[0])
    if user is None or user["status"] != "active":
        raise ApiError("INVALID_TOKEN")
    return Ctx(request, store, settings, user, {s.lower() for s in found[1]})
