"""Subform rows: edit by id, append without id, drop with _delete, clear with [] (§3.6)."""

from __future__ import annotations

from typing import Any

from sandbox.crm.validation import Checker, FieldError
from sandbox.metadata.modules import registry

MAX_ROWS = 100


def apply_subform(  # noqa: C901 - one branch per documented row operation
    checker: Checker, field: dict[str, Any], value: Any, old: Any, path: str
) -> list[dict[str, Any]]:
    if value is None or value == []:
        return []
    if not isinstance(value, list):
        raise checker.bad(field, path)
    sub = registry()[field["subform"]["module"]]
    rows = [dict(r) for r in (old or [])]
    for n, item in enumerate(value):
        row_path = f"{path}[{n}]"
        if not isinstance(item, dict):
            raise checker.bad(field, row_path)
        row_id = str(item["id"]) if item.get("id") else None
        existing = next((r for r in rows if r.get("id") == row_id), None)
        if row_id and existing is None:
            raise checker.bad(field, f"{row_path}.id", id=row_id)
        if "_delete" in item:
            rows = [r for r in rows if r.get("id") != row_id]
            continue
        row = existing if existing is not None else {"id": checker.new_id()}
        for key, cell in item.items():
            sub_field = sub.by_name.get(key)
            if sub_field is None or sub_field["field_read_only"]:
                continue
            row[key] = checker.value(sub_field, cell, row.get(key), f"{row_path}.{key}")
        for sub_field in sub.fields:
            if sub_field["system_mandatory"] and row.get(sub_field["api_name"]) in (None, ""):
                raise FieldError(
                    "MANDATORY_NOT_FOUND",
                    {
                        "api_name": sub_field["api_name"],
                        "json_path": f"{row_path}.{sub_field['api_name']}",
                    },
                    "required field not found",
                )
        if existing is None:
            rows.append(row)
    if len(rows) > MAX_ROWS:
        raise FieldError(
            "LIMIT_EXCEEDED", {"api_name": field["api_name"], "limit": MAX_ROWS, "json_path": path}
        )
    return rows
