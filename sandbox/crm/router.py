"""Map /crm/{version}/... to handlers; unknown paths → 404 INVALID_URL_PATTERN."""

from __future__ import annotations

import re
from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from sandbox.crm import meta_routes, read_routes, related, writes
from sandbox.crm.context import Ctx, authenticate
from sandbox.http import ApiError
from sandbox.metadata.modules import Module, get_module
from sandbox.settings import SandboxSettings
from sandbox.store import Store
from sandbox.tokens import Tokens

# v2, v2.1, v3 … v8: the record and metadata APIs barely differ, so all map to one handler set.
VERSION = re.compile(r"^v(2(\.1)?|[3-8])$")
Handler = Callable[[], Response]


def _fixed(ctx: Ctx, parts: list[str]) -> dict[str, Handler] | None:
    """Handlers by method for non-record paths, or None when the path is a record path."""
    head, rest = parts[0], parts[1:]
    one = rest[1] if len(rest) > 1 else None
    if head == "settings" and rest:
        kind = {
            "modules": meta_routes.modules,
            "fields": meta_routes.fields,
            "layouts": meta_routes.layouts,
        }.get(rest[0])
        if kind is not None and len(rest) <= 2:
            return {"GET": lambda: kind(ctx, one)}
        if rest == ["related_lists"]:
            return {"GET": lambda: meta_routes.related_lists(ctx)}
        raise ApiError("INVALID_URL_PATTERN")
    if head == "users" and len(parts) <= 2:
        return {"GET": lambda: meta_routes.users(ctx, rest[0] if rest else None)}
    if head == "org" and len(parts) == 1:
        return {"GET": lambda: meta_routes.organization(ctx)}
    if head.lower() == "contacts" and rest[:1] == ["roles"] and len(rest) <= 2:
        return {"GET": lambda: meta_routes.contact_roles(ctx, one)}
    return None


def _records(ctx: Ctx, module: Module, rest: list[str]) -> dict[str, Handler]:
    external = _external(ctx, module)
    if not rest:
        return {
            "GET": lambda: read_routes.list_records(ctx, module),
            "PUT": lambda: writes.update(ctx, module),
        }
    if rest == ["search"]:
        return {"GET": lambda: read_routes.search(ctx, module)}
    if len(rest) == 1:
        ext = (external, rest[0]) if external else None
        return {
            "GET": lambda: read_routes.get_record(
                ctx, module, _resolve(ctx, module, rest[0], external)
            ),
            "PUT": lambda: writes.update(ctx, module, rest[0], ext),
        }
    if len(rest) in (2, 3):
        return related.routes(ctx, module, rest, external)
    raise ApiError("INVALID_URL_PATTERN")


def _external(ctx: Ctx, module: Module) -> str | None:
    """The base module's external field named in X-EXTERNAL ("Contacts.External_Contact_ID")."""
    for entry in ctx.request.headers.get("X-EXTERNAL", "").split(","):
        name, _, field = entry.strip().partition(".")
        if name.lower() == module.api_name.lower() and field in module.by_name:
            return field
    return None


def _resolve(ctx: Ctx, module: Module, value: str, external: str | None) -> str:
    if external is None:
        return value
    for record in ctx.store.all_records(module.api_name):
        if record.get(external) == value:
            return str(record["id"])
    return "0"  # no record has id 0, so the GET answers 204 like Zoho


def dispatch(
    request: Request, parts: list[str], tokens: Tokens, store: Store, settings: SandboxSettings
) -> Response:
    if len(parts) < 2 or not VERSION.match(parts[0]):
        raise ApiError("INVALID_URL_PATTERN")
    parts = parts[1:]
    ctx = authenticate(request, tokens, store, settings)
    handlers = _fixed(ctx, parts)
    if handlers is None:
        module = get_module(parts[0])
        if module is None or not module.spec.api_supported:
            raise ApiError("INVALID_MODULE", {"resource_path_index": 0})
        handlers = _records(ctx, module, parts[1:])
    handler = handlers.get(request.method)
    if handler is None:
        raise ApiError("INVALID_REQUEST_METHOD")
    return handler()
