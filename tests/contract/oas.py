"""Zoho's CRM v8 OpenAPI files (reference/oas-v8) as validators of one exchange's answer.

The files' cross-file $refs name Zoho's repository URL; a `referencing` registry maps each such URL
to the local copy, so nothing is fetched. Every waiver of `tests/contract/waivers.py` is applied to
the documents once, before any validation, so a waived looseness is visible in one place.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from werkzeug.wrappers import Request

from tests.contract.waivers import WAIVERS, Waiver

# Zoho's OpenAPI files, copied unchanged from the team's reference (shared/reference/oas-v8, see
# its SOURCE) so that the contract tests run in any checkout, with or without shared/ beside it.
OAS_DIR = Path(__file__).resolve().parent / "oas-v8"
BASE = "https://raw.githubusercontent.com/Zohocorp-Pvt-Ltd/crm-oas/refs/heads/main/v8.0/"


def _pointer(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def walk(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for part in filter(None, pointer.split("/")):
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _require(node: Any, keys: tuple[str, ...]) -> None:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and node.get("type") == "object":
            present = [k for k in keys if k in properties and k not in node.get("required", [])]
            if present:
                node["required"] = [*node.get("required", []), *present]
        for value in node.values():
            _require(value, keys)
    elif isinstance(node, list):
        for value in node:
            _require(value, keys)


def _wrap(node: dict[str, Any], alternative: dict[str, Any]) -> None:
    """Also accept `alternative` at the node (in place; OAS 3.0 ignores keywords beside a $ref)."""
    original = dict(node)
    node.clear()
    node["anyOf"] = [original, alternative]


def _add_statuses(document: dict[str, Any], statuses: tuple[str, ...]) -> None:
    for ops in document["paths"].values():
        for op in ops.values():
            if isinstance(op, dict) and "200" in op.get("responses", {}):
                for item in statuses:
                    # "401=400": validate a 401 against the 400's schema (default: the 200's).
                    missing, _, like = item.partition("=")
                    # 204 and 304 never carry a body (HTTP); the others an envelope.
                    empty = {"description": ""} if missing in {"204", "304"} else None
                    op["responses"].setdefault(missing, empty or op["responses"][like or "200"])


def apply_waiver(documents: dict[str, dict[str, Any]], waiver: Waiver) -> None:
    """Change the schema at the waiver's place (see waivers.KINDS)."""
    node = walk(documents[waiver.file], waiver.pointer)
    if waiver.kind == "allow":
        node["enum"] = [*node["enum"], *waiver.value]
    elif waiver.kind == "drop":
        for keyword in waiver.value:
            node.pop(keyword)
    elif waiver.kind == "nullable" and "$ref" in node:
        _wrap(node, {"enum": [None]})
    elif waiver.kind == "nullable":
        node["nullable"] = True
    elif waiver.kind == "optional":
        node["required"] = [key for key in node["required"] if key not in waiver.value]
    elif waiver.kind == "or_empty":
        _wrap(node, {"type": "object", "maxProperties": 0})
    elif waiver.kind == "require":
        _require(node, waiver.value)
    elif waiver.kind == "status":
        _add_statuses(node, waiver.value)
    elif waiver.kind == "parameter":
        node["parameters"] = [*node.get("parameters", []), waiver.value]
    elif waiver.kind == "property":
        node["properties"] = {**node.get("properties", {}), **waiver.value}


@functools.cache
def documents(*, waived: bool = True) -> dict[str, dict[str, Any]]:
    docs = {path.name: json.loads(path.read_text()) for path in OAS_DIR.glob("*.json")}
    if waived:
        docs = copy.deepcopy(docs)
        for waiver in WAIVERS:
            apply_waiver(docs, waiver)
    return docs


@functools.cache
def registry(*, waived: bool = True) -> Registry:
    return Registry().with_resources(
        (BASE + name, Resource.opaque(doc)) for name, doc in documents(waived=waived).items()
    )


def operation(file: str, path: str, method: str, *, waived: bool = True) -> dict[str, Any]:
    return documents(waived=waived)[file]["paths"][path][method.lower()]


def _content_schema(file: str, pointer: str, *, waived: bool) -> OAS30Validator:
    schema = {"$ref": f"{BASE}{file}#{pointer}"}
    return OAS30Validator(
        schema, registry=registry(waived=waived), format_checker=oas30_format_checker
    )


def _response(file: str, path: str, method: str, status: int, *, waived: bool) -> str | None:
    """The JSON pointer of the documented response for the status, following a $ref, or None."""
    responses = operation(file, path, method, waived=waived)["responses"]
    if str(status) not in responses:
        return None
    pointer = "/".join(["", "paths", _pointer(path), method.lower(), "responses", str(status)])
    ref = responses[str(status)].get("$ref")
    return pointer if ref is None else ref.removeprefix("#")


def response_errors(
    file: str, path: str, method: str, status: int, body: Any, *, waived: bool = True
) -> list[str]:
    """What in the answer breaks the OAS (empty when it conforms)."""
    pointer = _response(file, path, method, status, waived=waived)
    if pointer is None:
        documented = sorted(operation(file, path, method, waived=waived)["responses"])
        return [f"{method} {path}: status {status} is not documented ({documented})"]
    content = walk(documents(waived=waived)[file], pointer).get("content", {})
    media = content.get("application/json")
    if media is None:
        return [] if body is None else [f"status {status} documents no JSON body, got one"]
    if "schema" not in media:
        return []
    if body is None:
        return [f"status {status} documents a JSON body, got none"]
    validator = _content_schema(file, f"{pointer}/content/application~1json/schema", waived=waived)
    return [_describe(e) for e in validator.iter_errors(body)]


def _describe(error: ValidationError) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(body)"
    if error.validator == "oneOf" and not error.context:
        return f"{where}: valid under more than one oneOf branch"
    if error.context:
        # oneOf/anyOf: the branch that came closest says most.
        best = min(error.context, key=lambda e: (len(list(e.context or [])), -len(e.path)))
        return f"{where}: no {error.validator} branch fits; closest: {_describe(best)}"
    return f"{where}: {error.message[:200]}"


# --- requests: what a client sends, checked against the operation it names

# Headers the transport adds (requests/urllib3) that no operation declares as a parameter.
TRANSPORT_HEADERS = frozenset(
    {"accept", "accept-encoding", "connection", "content-length", "content-type", "user-agent"}
)
# Header values whose form Zoho's pages fix where the OAS says only "string" (or nothing):
# Authorization (zoho-api.md §1: `Zoho-oauthtoken {access_token}`, not oauth2's Bearer),
# If-Unmodified-Since (§3.4: "2024-01-15T15:26:49+05:30", ISO-8601 with seconds and offset, not
# RFC 1123) and X-EXTERNAL (§3.8: `{Module}.{field}` or `{Module}.{field},{Related}.{field}`).
API_NAME_DOT_FIELD = r"[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*"
ISO_WITH_OFFSET = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$"
HEADER_FORMS = {
    "authorization": r"^Zoho-oauthtoken [^\s,]+$",
    "if-unmodified-since": ISO_WITH_OFFSET,
    "if-modified-since": ISO_WITH_OFFSET,
    "x-external": rf"^{API_NAME_DOT_FIELD}(,{API_NAME_DOT_FIELD})?$",
}


def _segments(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _template_fits(template: str, path: str) -> bool:
    want, have = _segments(template), _segments(path)
    return len(want) == len(have) and all(
        w.startswith("{") or w == h for w, h in zip(want, have, strict=True)
    )


def operations_matching(method: str, path: str, *, waived: bool = True) -> list[tuple[str, str]]:
    """(file, template) of every OAS operation that fits: the most literal templates first
    (`/{module}/search` beats `/{module}/{id}`), ties together, as a router would pick."""
    fits = [
        (file, template)
        for file, doc in sorted(documents(waived=waived).items())
        for template, ops in doc["paths"].items()
        if method.lower() in ops and _template_fits(template, path)
    ]
    if not fits:
        return []
    literal = {fit: sum(not s.startswith("{") for s in _segments(fit[1])) for fit in fits}
    best = max(literal.values())
    return [fit for fit in fits if literal[fit] == best]


def _resolved(file: str, node: dict[str, Any], *, waived: bool) -> dict[str, Any]:
    while "$ref" in node:
        target, _, pointer = node["$ref"].partition("#")
        file = target.removeprefix(BASE) or file
        node = walk(documents(waived=waived)[file], pointer)
    return node


def parameters(file: str, path: str, method: str, *, waived: bool = True) -> list[dict[str, Any]]:
    """The operation's parameters (path-item ones first), each $ref resolved."""
    item = documents(waived=waived)[file]["paths"][path]
    declared = [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]
    return [_resolved(file, parameter, waived=waived) for parameter in declared]


def _as_schema_type(value: str, schema: dict[str, Any]) -> Any:
    """A query or header string as the schema's type (OAS "form"/"simple" style, one value)."""
    kind = schema.get("type")
    if kind == "integer" and value.lstrip("-").isdigit():
        return int(value)
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _value_errors(where: str, value: str, schema: dict[str, Any]) -> list[str]:
    validator = OAS30Validator(schema, registry=registry(), format_checker=oas30_format_checker)
    return [
        f"{where}={value!r}: {e.message[:200]}"
        for e in validator.iter_errors(_as_schema_type(value, schema))
    ]


def _path_errors(template: str, path: str, declared: list[dict[str, Any]]) -> list[str]:
    by_name = {p["name"]: p for p in declared if p.get("in") == "path"}
    errors: list[str] = []
    for want, have in zip(_segments(template), _segments(path), strict=True):
        if want.startswith("{"):
            name = want.strip("{}")
            if name not in by_name:
                errors.append(f"path parameter {name} is not declared")
            else:
                errors += _value_errors(f"path {name}", have, by_name[name].get("schema", {}))
    return errors


def _query_errors(query: dict[str, list[str]], declared: list[dict[str, Any]]) -> list[str]:
    by_name = {p["name"]: p for p in declared if p.get("in") == "query"}
    errors = [f"query {name} is required" for name, p in by_name.items() if p.get("required")]
    errors = [e for e in errors if e.split()[1] not in query]
    for name, values in query.items():
        if name not in by_name:
            errors.append(f"query {name} is not a parameter of the operation ({sorted(by_name)})")
        elif len(values) != 1:
            errors.append(f"query {name} sent {len(values)} times")
        else:
            errors += _value_errors(f"query {name}", values[0], by_name[name].get("schema", {}))
    return errors


def _header_errors(headers: dict[str, str], declared: list[dict[str, Any]]) -> list[str]:
    by_name = {p["name"].lower(): p for p in declared if p.get("in") == "header"}
    errors = [
        f"header {p['name']} is required"
        for name, p in by_name.items()
        if p.get("required") and name not in headers
    ]
    if "authorization" not in headers:
        errors.append("header Authorization is missing (every operation needs the oauth2 token)")
    for name, value in headers.items():
        if name in HEADER_FORMS and not re.fullmatch(HEADER_FORMS[name], value):
            shown = "Zoho-oauthtoken …" if name == "authorization" else value
            errors.append(f"header {name}={shown!r} is not in the documented form")
        if name in TRANSPORT_HEADERS or name == "authorization":
            continue
        if name not in by_name:
            errors.append(f"header {name} is not a parameter of the operation ({sorted(by_name)})")
        else:
            errors += _value_errors(f"header {name}", value, by_name[name].get("schema", {}))
    return errors


def _body_errors(
    file: str, path: str, method: str, body: Any, content_type: str, *, waived: bool
) -> list[str]:
    op = operation(file, path, method, waived=waived)
    if "requestBody" not in op:
        return [] if body is None else [f"{method} {path} takes no body, got one"]
    pointer = "/".join(["", "paths", _pointer(path), method.lower(), "requestBody"])
    if "$ref" in op["requestBody"]:  # #/components/requestBodies/... of the same file
        pointer = op["requestBody"]["$ref"].removeprefix("#")
    request_body = walk(documents(waived=waived)[file], pointer)
    if body is None:
        return ["a request body is required"] if request_body.get("required") else []
    media = content_type.split(";")[0].strip()
    if media not in request_body.get("content", {}):
        return [f"content type {media!r} is not documented ({sorted(request_body['content'])})"]
    schema = f"{pointer}/content/{_pointer(media)}/schema"
    # The wrappers leave additionalProperties open, so any top-level key would fit: a key that
    # neither the OAS nor a waiver documents is reported.
    known = _resolved(file, walk(documents(waived=waived)[file], schema), waived=waived)
    known = known.get("properties", {})
    errors = [
        f"body key {key!r} is not documented ({sorted(known)})"
        for key in (body if isinstance(body, dict) else {})
        if known and key not in known
    ]
    validator = _content_schema(file, schema, waived=waived)
    return errors + [_describe(e) for e in validator.iter_errors(body)]


def multipart_fields(body: bytes | str, content_type: str) -> dict[str, Any]:
    """A multipart/form-data body as the OAS describes it: each name → its parts, a file part as
    ``{"filename", "content_type", "size"}`` (the Files API's ``file`` is an array of objects)."""
    raw = body.encode() if isinstance(body, str) else body
    form = Request.from_values(
        input_stream=io.BytesIO(raw),
        content_length=len(raw),
        content_type=content_type,
        method="POST",
    )
    fields: dict[str, Any] = {name: form.form.getlist(name) for name in form.form}
    for name in form.files:
        fields[name] = [
            {"filename": part.filename, "content_type": part.mimetype, "size": len(part.read())}
            for part in form.files.getlist(name)
        ]
    return fields


def request_errors(
    file: str,
    path: str,
    method: str,
    *,
    url: str,
    headers: Mapping[str, str],
    body: bytes | str | None,
    waived: bool = True,
) -> list[str]:
    """What in one sent request breaks the named OAS operation (empty when it conforms):
    its path against the template, each query parameter and header against the declared
    parameters (names, types, enums, formats), the documented header forms, and the JSON body
    against the request body schema."""
    parts = urlsplit(url)
    if not _template_fits(path, parts.path):
        return [f"{parts.path} does not fit {path}"]
    if (file, path) not in operations_matching(method, parts.path, waived=waived):
        chosen = operations_matching(method, parts.path, waived=waived)
        return [f"{method} {parts.path} routes to {chosen}, not {(file, path)}"]
    declared = parameters(file, path, method, waived=waived)
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "")
    if body and content_type.startswith("multipart/form-data"):
        payload: Any = multipart_fields(body, content_type)
    else:
        payload = json.loads(body) if body else None
    return [
        *_path_errors(path, parts.path, declared),
        *_query_errors(parse_qs(parts.query, keep_blank_values=True), declared),
        *_header_errors(lowered, declared),
        *_body_errors(file, path, method, payload, lowered.get("content-type", ""), waived=waived),
    ]
