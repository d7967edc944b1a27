"""Check one input value against its field metadata and merge it with the stored value.

Errors follow zoho-api.md §4.2: INVALID_DATA with api_name, json_path and expected_data_type,
maximum_length or supported_values. Row-valued fields (subform, multi-select lookup, multi-user
lookup, image/file upload) keep rows that are not mentioned, append rows without an id and drop rows
sent as {"id": …, "_delete": null}.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from sandbox.clock import normalize_datetime
from sandbox.crm.file_routes import IMAGE_TYPES
from sandbox.metadata import org
from sandbox.metadata.modules import registry

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()\-.x]{3,}$")
WEBSITE = re.compile(r"^(https?://)?[\w-]+(\.[\w-]+)+([/?#]\S*)?$", re.IGNORECASE)
NUMBER_TYPES = {"double", "currency", "percent", "decimal"}
LOCKED_MSL = "Sorry, you cannot perform this operation as the record is locked."


class FieldError(Exception):
    def __init__(self, code: str, details: dict[str, Any], message: str = "invalid data") -> None:
        super().__init__(code)
        self.code, self.details, self.message = code, details, message


class Checker:
    """Validates values for one record; `lookup(module, id)` finds stored records."""

    def __init__(
        self,
        lookup: Callable[[str, str], dict[str, Any] | None],
        new_id: Callable[[], str],
        file_info: Callable[[str], dict[str, Any] | None] = lambda file_id: None,
    ) -> None:
        self.lookup, self.new_id = lookup, new_id
        self.file_info = file_info  # a file the Files API stored: {name, content_type, size}

    def bad(self, field: dict[str, Any], path: str, **extra: Any) -> FieldError:
        details = {"api_name": field["api_name"], "json_path": path}
        details.update(extra or {"expected_data_type": field["data_type"]})
        return FieldError("INVALID_DATA", details)

    def value(  # noqa: C901
        self,
        field: dict[str, Any],
        value: Any,
        old: Any,
        path: str,
        append: bool = False,
    ) -> Any:
        data_type = field["data_type"]
        if value is None or (value == "" and data_type not in {"subform"}):
            return None
        if data_type in {
            "text",
            "textarea",
            "email",
            "phone",
            "website",
            "picklist",
            "profileimage",
        }:
            if not isinstance(value, str):
                raise self.bad(field, path)
            if field["length"] and len(value) > field["length"]:
                raise self.bad(field, path, maximum_length=field["length"])
            pattern = {"email": EMAIL, "phone": PHONE, "website": WEBSITE}.get(data_type)
            if pattern and not pattern.match(value):
                raise self.bad(field, path)
            if data_type == "picklist":
                return self.picklist(field, [value], path)[0]
            return value
        if data_type == "multiselectpicklist":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.bad(field, path)
            chosen = self.picklist(field, value, path)
            if append:
                return list(dict.fromkeys([*(old or []), *chosen]))
            return chosen
        if data_type in {"integer", "bigint"}:
            digits = 9 if data_type == "integer" else 18
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise self.bad(field, path)
            text = str(value).lstrip("-")
            if not text.isdigit():
                raise self.bad(field, path)
            if len(text) > digits:
                raise self.bad(field, path, maximum_length=digits)
            return int(value) if data_type == "integer" else str(value)
        if data_type in NUMBER_TYPES:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.bad(field, path)
            if len(str(int(abs(value)))) > field["length"]:
                raise self.bad(field, path, maximum_length=field["length"])
            return float(value)
        if data_type == "boolean":
            if not isinstance(value, bool):
                raise self.bad(field, path)
            return value
        if data_type == "date":
            try:
                return (
                    dt.date.fromisoformat(value).isoformat()
                    if isinstance(value, str) and len(value) == 10
                    else _raise()
                )
            except ValueError:
                raise self.bad(field, path) from None
        if data_type == "datetime":
            normalized = normalize_datetime(value) if isinstance(value, str) else None
            if normalized is None:
                raise self.bad(field, path)
            return normalized
        if data_type in {"lookup", "ownerlookup", "userlookup"}:
            return self.reference(field, value, path)
        if data_type in {"imageupload", "fileupload"}:
            return self.rows(field, value, old, path, self.file_row)
        if data_type in {"multiselectlookup", "multiuserlookup"}:
            return self.rows(field, value, old, path, self.link_row)
        if data_type in {"event_reminder", "RRULE"}:
            if not isinstance(value, dict):
                raise self.bad(field, path)
            return value
        if data_type == "participants":
            if not isinstance(value, list):
                raise self.bad(field, path)
            if len(value) > 50:
                raise FieldError(
                    "LIMIT_EXCEEDED",
                    {"api_name": field["api_name"], "limit": 50, "json_path": path},
                    "Only 50 participants can be added to an event.",
                )
            return value
        raise self.bad(field, path)

    def picklist(self, field: dict[str, Any], values: list[str], path: str) -> list[str]:
        allowed = [v["actual_value"] for v in field["pick_list_values"] if v["type"] == "used"]
        for value in values:
            if value not in allowed:
                raise self.bad(field, path, supported_values=[v for v in allowed if v != "-None-"])
        return values

    def reference(self, field: dict[str, Any], value: Any, path: str) -> dict[str, Any]:
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = {"id": str(value)}
        if not isinstance(value, dict) or not str(value.get("id", "")).isdigit():
            raise self.bad(field, path)
        ref_id = str(value["id"])
        if field["data_type"] in {"ownerlookup", "userlookup"}:
            user = org.user_by_id(ref_id)
            if user is None or user["status"] != "active":
                raise self.bad(field, path)
            return org.user_ref(user, with_email=field["data_type"] == "ownerlookup")
        target = field["lookup"]["module"]["api_name"]
        record = self.lookup(target, ref_id)
        if record is None:
            raise self.bad(field, path)
        display = registry()[target].spec.display_field
        return {"name": record.get(display), "id": ref_id}

    def rows(
        self,
        field: dict[str, Any],
        value: Any,
        old: Any,
        path: str,
        make: Callable[[dict[str, Any], dict[str, Any], str], dict[str, Any]],
    ) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise self.bad(field, path)
        rows = [dict(r) for r in (old or [])]
        for n, item in enumerate(value):
            row_path = f"{path}[{n}]"
            if not isinstance(item, dict):
                raise self.bad(field, row_path)
            if "_delete" in item:
                kept = [r for r in rows if r.get("id") != str(item.get("id"))]
                if len(kept) == len(rows):
                    raise self.bad(field, row_path, id=str(item.get("id")))
                rows = kept
                continue
            rows.append(make(field, item, row_path))
        return rows

    def file_row(self, field: dict[str, Any], item: dict[str, Any], path: str) -> dict[str, Any]:
        file_id = item.get("File_Id__s")
        if not isinstance(file_id, str) or not file_id:
            raise self.bad(field, path)
        # A file uploaded through the Files API shows its name and size; an id the sandbox did
        # not store (an older seed, a hand-made test) keeps a stand-in name.
        stored = self.file_info(file_id)
        is_image = field["data_type"] == "imageupload"
        if stored is not None and is_image and stored["content_type"] not in IMAGE_TYPES:
            raise self.bad(field, path, expected_data_type="image", file_id=file_id)
        row = {
            "File_Id__s": file_id,
            "File_Name__s": stored["name"] if stored else f"{file_id}.bin",
            "Size__s": str(stored["size"]) if stored else "1024",
            "id": self.new_id(),
        }
        if field["data_type"] == "imageupload":
            row.update(
                {
                    "Preview_Id__s": file_id,
                    "Description__s": item.get("Description__s"),
                    "State__s": "active",
                    "Sequence_Number__s": 1,
                }
            )
        return row

    def link_row(self, field: dict[str, Any], item: dict[str, Any], path: str) -> dict[str, Any]:
        meta = field["multiselectlookup"] or field["multiuserlookup"]
        inner = meta["connectedlookup_apiname"]
        target = meta["connected_module"]["api_name"]
        ref = item.get(inner)
        if not isinstance(ref, dict) or not str(ref.get("id", "")).isdigit():
            raise self.bad(field, f"{path}.{inner}")
        if target == "users":
            user = org.user_by_id(str(ref["id"]))
            if user is None:
                raise self.bad(field, f"{path}.{inner}")
            return {inner: org.user_ref(user), "id": self.new_id()}
        record = self.lookup(target, str(ref["id"]))
        if record is None:
            raise self.bad(field, f"{path}.{inner}")
        if record.get("Locked__s"):
            raise FieldError(
                "RECORD_LOCKED",
                {
                    "api_name": field["api_name"],
                    "json_path": f"{path}.{inner}",
                    "id": str(ref["id"]),
                },
                LOCKED_MSL,
            )
        display = registry()[target].spec.display_field
        return {inner: {"name": record.get(display), "id": str(ref["id"])}, "id": self.new_id()}


def _raise() -> Any:
    raise ValueError
