"""GET records: list with page/page_token paging, single record, search (zoho-api.md §3.1-3.3)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from sandbox.clock import parse_iso, to_iso
from sandbox.crm.context import Ctx
from sandbox.crm.criteria import Parser
from sandbox.http import ApiError, json_response, no_content
from sandbox.metadata.modules import Module

LIST_HIDDEN = {"subform", "multiselectlookup", "multiuserlookup"}
SORTABLE = ("id", "Created_Time", "Modified_Time")
TOKEN_TTL = 86_400
MAX_TOKEN_OFFSET = 100_000
SEARCH_CAP = 2000


def project(
    record: dict[str, Any], module: Module, names: list[str] | None, *, listing: bool
) -> dict[str, Any]:
    """The record as a GET returns it: only asked-for fields; lists hide subform-like values."""
    if names is None:
        out = dict(record)
    else:
        out = {name: record.get(name) for name in names if name in module.by_name}
        out["id"] = record["id"]
    if listing:
        for name in list(out):
            field = module.by_name.get(name)
            if field and field["data_type"] in LIST_HIDDEN:
                out.pop(name)
            elif field and field.get("textarea", {}).get("type") == "rich_text" and out[name]:
                out[name] = out[name][:500]  # Zoho truncates rich text in lists.
    return out


def _fields_param(ctx: Ctx, *, required: bool) -> list[str] | None:
    raw = ctx.request.args.get("fields")
    if not raw:
        if required:
            raise ApiError("REQUIRED_PARAM_MISSING", {"param_name": "fields"})
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if len(names) > 50:
        raise ApiError(
            "LIMIT_EXCEEDED", {"param_name": "fields", "limit": 50}, "Fields limit exceeded"
        )
    return names


def _int_param(ctx: Ctx, name: str, default: int, maximum: int | None = None) -> int:
    raw = ctx.request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or (maximum and int(raw) > maximum):
        details: dict[str, Any] = {"param_name": name}
        if maximum:
            details["maximum"] = maximum
        raise ApiError("INVALID_DATA", details)
    return int(raw)


def _sign(ctx: Ctx, payload: dict[str, Any]) -> str:
    raw = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).decode()
    mac = hmac.new(ctx.settings.page_token_secret.encode(), raw.encode(), hashlib.sha256)
    return f"{raw}.{mac.hexdigest()[:24]}"


def _unsign(ctx: Ctx, token: str) -> dict[str, Any]:
    raw, _, mac = token.partition(".")
    good = hmac.new(ctx.settings.page_token_secret.encode(), raw.encode(), hashlib.sha256)
    if not hmac.compare_digest(good.hexdigest()[:24], mac):
        raise ApiError("INVALID_DATA", {"param_name": "page_token"})
    payload: dict[str, Any] = json.loads(base64.urlsafe_b64decode(raw))
    return payload


def list_records(ctx: Ctx, module: Module) -> Response:
    ctx.require_module(module, "READ")
    args = ctx.request.args
    names = _fields_param(ctx, required=True)
    per_page = _int_param(ctx, "per_page", 200, 200)
    sort_by, sort_order = args.get("sort_by", "id"), args.get("sort_order", "desc").lower()
    if sort_by not in SORTABLE or sort_order not in {"asc", "desc"}:
        raise ApiError(
            "INVALID_DATA",
            {
                "param_name": "sort_by" if sort_by not in SORTABLE else "sort_order",
                "supported_values": list(SORTABLE),
            },
        )
    bound = {
        "m": module.api_name,
        "f": names,
        "s": sort_by,
        "o": sort_order,
        "p": per_page,
        "u": ctx.user["id"],
    }
    token = args.get("page_token")
    if token and "page" in args:
        raise ApiError(
            "AMBIGUITY_DURING_PROCESSING",
            {"ambiguity_due_to": [{"param_name": "page"}, {"param_name": "page_token"}]},
        )
    if token:
        payload = _unsign(ctx, token)
        if payload["exp"] < time.time():
            raise ApiError("EXPIRED_VALUE", {"param_name": "page_token"})
        if {k: payload.get(k) for k in bound} != bound:
            raise ApiError("TOKEN_BOUND_DATA_MISMATCH", {"param_name": "page_token"})
        offset = payload["off"]
        if offset >= MAX_TOKEN_OFFSET:
            raise ApiError("PAGINATION_LIMIT_EXCEEDED", {"limit": MAX_TOKEN_OFFSET})
    else:
        page = _int_param(ctx, "page", 1)
        offset = (page - 1) * per_page
        if offset >= ctx.settings.discrete_page_limit:
            raise ApiError(
                "DISCRETE_PAGINATION_LIMIT_EXCEEDED", {"limit": ctx.settings.discrete_page_limit}
            )
    since = parse_iso(ctx.request.headers.get("If-Modified-Since", ""))
    rows = ctx.store.page(
        module.api_name,
        order_by=sort_by,
        descending=sort_order == "desc",
        limit=per_page + 1,
        offset=offset,
        since_ts=since,
    )
    if not rows:
        return Response(status=304) if since is not None else no_content()
    more = len(rows) > per_page
    rows = rows[:per_page]
    expiry = int(time.time()) + TOKEN_TTL
    next_token = _sign(ctx, {**bound, "off": offset + per_page, "exp": expiry}) if more else None
    prev_token = (
        _sign(ctx, {**bound, "off": max(0, offset - per_page), "exp": expiry})
        if offset > 0
        else None
    )
    info = {
        "call": False,
        "per_page": per_page,
        "next_page_token": next_token,
        "count": len(rows),
        "sort_by": sort_by,
        "page": offset // per_page + 1,
        "previous_page_token": prev_token,
        "page_token_expiry": to_iso(expiry),
        "sort_order": sort_order,
        "email": False,
        "more_records": more,
    }
    data = [project(r, module, names, listing=True) for r in rows]
    return json_response({"data": data, "info": info})


def get_record(ctx: Ctx, module: Module, record_id: str) -> Response:
    ctx.require_module(module, "READ")
    record = ctx.store.get_record(module.api_name, record_id)
    if record is None:
        return no_content()
    names = _fields_param(ctx, required=False)
    return json_response({"data": [project(record, module, names, listing=False)]})


WORD_OK = re.compile(r"^[\w .@+'-]{2,}$")


def _simple_match(module: Module, kind: str, needle: str):
    types = {
        "email": {"email"},
        "phone": {"phone"},
        "word": {"text", "textarea", "email", "phone", "website", "picklist"},
    }[kind]
    names = [f["api_name"] for f in module.fields if f["data_type"] in types]
    needle = needle.lower()
    if kind == "phone":
        digits = re.sub(r"\D", "", needle)
        return lambda r: any(
            digits and digits in re.sub(r"\D", "", str(r.get(n) or "")) for n in names
        )
    if kind == "email":
        return lambda r: any(str(r.get(n) or "").lower() == needle for n in names)
    return lambda r: any(needle in str(r.get(n) or "").lower() for n in names)


SEARCH_PARAMS = ("criteria", "email", "phone", "word")
CVID_AMBIGUITY = (
    "Please use either Cvid or Search Params. Combination of both the params is not allowed"
)


def _predicate(ctx: Ctx, module: Module) -> Callable[[dict[str, Any]], bool] | None:
    """The search the query asks for (criteria, else email, phone or word), or None."""
    args = ctx.request.args
    if args.get("criteria"):
        return Parser(args["criteria"], module).parse()
    kind = next((k for k in SEARCH_PARAMS[1:] if args.get(k)), None)
    if kind is None:
        return None
    if kind == "word" and not WORD_OK.match(args["word"]):
        raise ApiError("INVALID_DATA", {"param_name": "word"})
    return _simple_match(module, kind, args[kind])


def search(ctx: Ctx, module: Module) -> Response:
    ctx.require_module(module, "READ")
    ctx.require("ZohoSearch.securesearch.READ", "ZohoSearch.securesearch.ALL")
    predicate = _predicate(ctx, module)
    if predicate is None:
        raise ApiError(
            "EXPECTED_PARAM_MISSING",
            {"expected_params": [{"param_name": name} for name in SEARCH_PARAMS]},
        )
    per_page, page = _int_param(ctx, "per_page", 200, 200), _int_param(ctx, "page", 1)
    if page * per_page > SEARCH_CAP:
        raise ApiError("LIMIT_REACHED", {"limit": SEARCH_CAP})
    names = _fields_param(ctx, required=False)
    hits = [r for r in ctx.store.all_records(module.api_name) if predicate(r)][:SEARCH_CAP]
    chunk = hits[(page - 1) * per_page : page * per_page]
    if not chunk:
        return no_content()
    return json_response(
        {
            "data": [project(r, module, names, listing=True) for r in chunk],
            "info": {
                "per_page": per_page,
                "count": len(chunk),
                "page": page,
                "more_records": page * per_page < len(hits),
            },
        }
    )


def count(ctx: Ctx, module: Module) -> Response:
    """GET /{module}/actions/count: {"count": N} for the module, a search, or a custom view."""
    ctx.require_module(module, "READ")
    searched = [name for name in SEARCH_PARAMS if ctx.request.args.get(name)]
    if searched and ctx.request.args.get("cvid"):
        raise ApiError(
            "AMBIGUITY_DURING_PROCESSING",
            {"ambiguity_due_to": [{"param_name": "cvid"}, {"param_name": searched[0]}]},
            CVID_AMBIGUITY,
        )
    predicate = _predicate(ctx, module)
    if predicate is None:
        return json_response({"count": ctx.store.count(module.api_name)})
    total = sum(1 for r in ctx.store.all_records(module.api_name) if predicate(r))
    return json_response({"count": total})
