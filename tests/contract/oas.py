"""Zoho's CRM v8 OpenAPI files (reference/oas-v8) as validators of one exchange's answer.

The files' cross-file $refs name Zoho's repository URL; a `referencing` registry maps each such URL
to the local copy, so nothing is fetched. Every waiver of `tests/contract/waivers.py` is applied to
the documents once, before any validation, so a waived looseness is visible in one place.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource

from tests.contract.waivers import WAIVERS, Waiver

# shared/ sits beside the repository (CI: beside the clone; helpers' worktrees: further up).
OAS_DIR = next(
    (
        folder / "shared" / "reference" / "oas-v8"
        for folder in Path(__file__).resolve().parents
        if (folder / "shared" / "reference" / "oas-v8" / "SOURCE").exists()
    ),
    Path("../shared/reference/oas-v8"),
)
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
