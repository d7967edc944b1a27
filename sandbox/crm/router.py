"""Map /crm/{version}/... to handlers with Werkzeug's routing; unknown paths → INVALID_URL_PATTERN.

Order of checks, as Zoho answers them: the version, then the token, then the path, the module
(and relation) named in it, and last the method.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.crm import file_routes, meta_routes, read_routes, related, writes
from sandbox.crm.context import Ctx, authenticate
from sandbox.http import ApiError
from sandbox.metadata.modules import Module, get_module
from sandbox.settings import SandboxSettings
from sandbox.store import Store
from sandbox.tokens import Tokens

# v2, v2.1, v3 … v8: the record and metadata APIs barely differ, so all map to one handler set.
VERSION = re.compile(r"^v(2(\.1)?|[3-8])$")
Handler = Callable[..., Response]


class ModuleConverter(BaseConverter):
    """A module name; "settings" never is one (a path under it that no rule knows is no URL)."""

    regex = r"(?!settings\Z)[^/]+"
    part_isolating = True  # matched on one path segment, as the default converter is


class ContactsConverter(BaseConverter):
    """The Contacts module name in /Contacts/roles, matched case-insensitively like module names."""

    regex = "(?i:contacts)"
    weight = 50  # tried before a module name, which it also is


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


def _get_record(ctx: Ctx, module: Module, record_id: str) -> Response:
    return read_routes.get_record(
        ctx, module, _resolve(ctx, module, record_id, _external(ctx, module))
    )


def _update_record(ctx: Ctx, module: Module, record_id: str) -> Response:
    external = _external(ctx, module)
    return writes.update(ctx, module, record_id, (external, record_id) if external else None)


def _delete_record(ctx: Ctx, module: Module, record_id: str) -> Response:
    external = _external(ctx, module)
    return writes.delete(ctx, module, _resolve(ctx, module, record_id, external))


def _related(
    ctx: Ctx, module: Module, record_id: str, relation: str, related_id: str | None = None
) -> Response:
    keys = [record_id, relation] if related_id is None else [record_id, relation, related_id]
    handlers = related.routes(ctx, module, keys, _external(ctx, module))
    return handlers[ctx.request.method]()


def _settings(ctx: Ctx, kind: str, item: str | None = None) -> Response:
    handler = {
        "modules": meta_routes.modules,
        "fields": meta_routes.fields,
        "layouts": meta_routes.layouts,
    }[kind]
    return handler(ctx, item)


# endpoint → handler by method; a rule accepts exactly the methods of its endpoint.
HANDLERS: dict[str, dict[str, Handler]] = {
    "settings": {"GET": _settings},
    "related_lists": {"GET": meta_routes.related_lists},
    "users": {"GET": meta_routes.users},
    "org": {"GET": meta_routes.organization},
    "files": {"POST": file_routes.upload, "GET": file_routes.download},
    "contact_roles": {"GET": meta_routes.contact_roles},
    "records": {
        "GET": read_routes.list_records,
        "PUT": writes.update,
        "POST": writes.insert,
        "DELETE": writes.delete,
    },
    "search": {"GET": read_routes.search},
    "count": {"GET": read_routes.count},
    "record": {"GET": _get_record, "PUT": _update_record, "DELETE": _delete_record},
    "related": dict.fromkeys(("GET", "PUT", "DELETE"), _related),
}
SETTINGS = "<any(modules, fields, layouts):kind>"
# Static segments outrank converters in Werkzeug's matcher: /users/… is never taken for a module.
RULES = {
    f"/settings/{SETTINGS}": "settings",
    f"/settings/{SETTINGS}/<item>": "settings",
    "/settings/related_lists": "related_lists",
    "/users": "users",
    "/users/<user_id>": "users",
    "/org": "org",
    "/files": "files",
    "/<contacts:_>/roles": "contact_roles",
    "/<contacts:_>/roles/<role_id>": "contact_roles",
    "/<module:module>": "records",
    "/<module:module>/search": "search",
    "/<module:module>/actions/count": "count",
    "/<module:module>/<record_id>": "record",
    "/<module:module>/<record_id>/<relation>": "related",
    "/<module:module>/<record_id>/<relation>/<related_id>": "related",
}
URLS = Map(
    [Rule(path, endpoint=name, methods=list(HANDLERS[name])) for path, name in RULES.items()],
    converters={"module": ModuleConverter, "contacts": ContactsConverter},
    strict_slashes=False,
    merge_slashes=False,
)


def _module(name: str) -> Module:
    module = get_module(name)
    if module is None or not module.spec.api_supported:
        raise ApiError("INVALID_MODULE", {"resource_path_index": 0})
    return module


def _match(ctx: Ctx, path: str) -> tuple[Handler, dict[str, Any]]:
    adapter = URLS.bind("sandbox")
    method = ctx.request.method
    try:
        # HEAD is not a method of Zoho's API (Werkzeug would answer it as GET).
        endpoint, values = adapter.match(path, "OPTIONS" if method == "HEAD" else method)
    except NotFound:
        raise ApiError("INVALID_URL_PATTERN") from None
    except MethodNotAllowed as refused:
        # The module (and relation) named in the path are checked before the method.
        allowed = refused.valid_methods or ["GET"]
        endpoint, values = adapter.match(path, "GET" if "GET" in allowed else allowed[0])
        if "module" in values:
            module = _module(values["module"])
            if "relation" in values:
                related.routes(ctx, module, [values["record_id"], values["relation"]], None)
        raise ApiError("INVALID_REQUEST_METHOD") from None
    values.pop("_", None)
    if "module" in values:
        values["module"] = _module(values["module"])
    return HANDLERS[endpoint][method], values


def dispatch(
    request: Request, parts: list[str], tokens: Tokens, store: Store, settings: SandboxSettings
) -> Response:
    if len(parts) < 2 or not VERSION.match(parts[0]):
        raise ApiError("INVALID_URL_PATTERN")
    ctx = authenticate(request, tokens, store, settings)
    handler, values = _match(ctx, "/" + "/".join(parts[1:]))
    return handler(ctx, **values)
