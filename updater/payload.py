"""Build an update body that carries only the fields the user changed, each in its JSON form
(zoho-api.md §2.3 table; ``_delete`` rows and ``$append_values`` from zoho-update-records.txt)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from updater.metadata import Field


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()
TEXT_TYPES = frozenset(
    {"text", "textarea", "email", "phone", "website", "picklist", "mediumtext", "profileimage"}
)
NUMBER_TYPES = frozenset({"double", "currency", "percent", "decimal"})
USER_LOOKUP_TYPES = frozenset({"lookup", "ownerlookup", "userlookup"})
FILE_TYPES = frozenset({"imageupload", "fileupload"})
LINK_TYPES = frozenset({"multiselectlookup", "multiuserlookup"})


def format_zoho_datetime(value: datetime) -> str:
    """ISO-8601 with seconds and offset, as Zoho writes it: "2024-01-15T15:26:49+05:30"."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("A Zoho datetime needs a time zone; got a naive datetime")
    return value.replace(microsecond=0).isoformat()


def parse_zoho_datetime(value: datetime | str) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("A Zoho datetime needs a time zone; got a naive datetime")
    return parsed


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value)


def _integer(value: Any) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("A whole number was expected, got a boolean")
    number = Decimal(str(value).strip())
    if number != number.to_integral_value():
        raise ValueError(f"A whole number was expected, got {value!r}")
    return int(number)


def _bigint(value: Any) -> str | None:
    # Long integers travel as strings and may keep leading zeros ("0012345600012").
    return None if _blank(value) else str(value).strip()


def _decimal(value: Any) -> Decimal | None:
    if _blank(value):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as error:
        raise ValueError(f"A number was expected, got {value!r}") from error


def _number_json(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "on", "yes")
    return bool(value)


def _date(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value).strip()).isoformat()


def _datetime(value: Any) -> datetime | None:
    return None if _blank(value) else parse_zoho_datetime(value)


def _lookup_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return None if _blank(value) else str(value)


def _scalar_change(before: Any, after: Any, normalise: Callable[[Any], Any]) -> Any:
    new = normalise(after)
    return UNCHANGED if normalise(before) == new else new


def value_change(field: Field, before: Any, after: Any) -> Any:
    """The JSON to send for one field, or UNCHANGED. Unknown types are never sent."""
    kind = field.data_type
    if kind in TEXT_TYPES and field.json_type != "jsonarray":
        return _scalar_change(before, after, _text)
    if kind == "integer":
        return _scalar_change(before, after, _integer)
    if kind == "bigint":
        return _scalar_change(before, after, _bigint)
    if kind in NUMBER_TYPES:
        change = _scalar_change(before, after, _decimal)
        return change if change is UNCHANGED else _number_json(change)
    if kind == "boolean":
        return _scalar_change(before, after, _boolean)
    if kind == "date":
        return _scalar_change(before, after, _date)
    if kind == "datetime":
        change = _scalar_change(before, after, _datetime)
        return change if change is UNCHANGED or change is None else format_zoho_datetime(change)
    if kind in USER_LOOKUP_TYPES:
        change = _scalar_change(before, after, _lookup_id)
        return change if change is UNCHANGED or change is None else {"id": change}
    if kind in LINK_TYPES:
        return _link_rows_change(field, before, after)
    if kind in FILE_TYPES:
        return _file_rows_change(before, after)
    if kind == "subform":
        return _subform_rows_change(field, before, after)
    return UNCHANGED


def _multiselect_change(before: Any, after: Any, *, append: bool | None) -> tuple[Any, bool | None]:
    """(value, $append_values flag). Appending sends only new values, and only when none were
    removed; otherwise the full list replaces the old one."""
    old = [str(value) for value in before or []]
    new = [str(value) for value in after or []]
    if set(old) == set(new):
        return UNCHANGED, None
    added = [value for value in new if value not in old]
    removed = [value for value in old if value not in new]
    if append and not removed:
        return added, True
    return new, (False if append is not None else None)


def _inner_key(field: Field, before_rows: list[Mapping[str, Any]]) -> str:
    """The linking-module lookup that holds the linked record: read it off the loaded rows, else
    from metadata (``connectedlookup_apiname``)."""
    for row in before_rows:
        for key, value in row.items():
            if key != "id" and isinstance(value, Mapping) and "id" in value:
                return key
    links = field.multi_lookup
    if links is not None and (links.connected_lookup_api_name or links.lookup_api_name):
        return links.connected_lookup_api_name or links.lookup_api_name
    raise ValueError(f"Cannot tell which linking-module field {field.api_name} links through")


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [row for row in value or [] if isinstance(row, Mapping)]


def _link_rows_change(field: Field, before: Any, after: Any) -> Any:
    before_rows = _rows(before)
    wanted_items = list(after or [])
    if not before_rows and not wanted_items:
        return UNCHANGED
    inner = _inner_key(field, before_rows)
    linking_ids = {_lookup_id(row.get(inner)): row.get("id") for row in before_rows}
    wanted = [
        _lookup_id(item.get(inner))
        if isinstance(item, Mapping) and inner in item
        else _lookup_id(item)
        for item in wanted_items
    ]
    rows: list[dict[str, Any]] = [
        {inner: {"id": target}} for target in wanted if target and target not in linking_ids
    ]
    rows += [
        {"id": str(link_id), "_delete": None}
        for target, link_id in linking_ids.items()
        if target not in wanted and link_id
    ]
    return rows or UNCHANGED


def _file_rows_change(before: Any, after: Any) -> Any:
    kept_ids = {str(row["id"]) for row in _rows(before) if row.get("id")}
    rows: list[dict[str, Any]] = []
    wanted_ids: set[str] = set()
    for item in after or []:
        if isinstance(item, Mapping) and item.get("id"):
            wanted_ids.add(str(item["id"]))
        elif isinstance(item, Mapping):
            rows.append(dict(item))
        elif str(item) in kept_ids:
            wanted_ids.add(str(item))
        elif not _blank(item):
            rows.append({"File_Id__s": str(item)})
    rows += [{"id": row_id, "_delete": None} for row_id in sorted(kept_ids - wanted_ids)]
    return rows or UNCHANGED


def _row_value_change(sub_fields: Mapping[str, Field], key: str, before: Any, after: Any) -> Any:
    sub_field = sub_fields.get(key)
    if sub_field is not None:
        return value_change(sub_field, before, after) if sub_field.is_writable else UNCHANGED
    if isinstance(after, Mapping) and "id" in after:
        change = _scalar_change(before, after, _lookup_id)
        return change if change is UNCHANGED or change is None else {"id": change}
    return UNCHANGED if before == after else after


def _subform_rows_change(field: Field, before: Any, after: Any) -> Any:
    """Kept rows go back by id (Zoho may drop rows left out), edited rows with their changes,
    new rows without id, removed rows as ``{"id", "_delete": null}`` (zoho-api.md §3.6)."""
    sub_fields = {sub.api_name: sub for sub in field.subform_fields}
    before_by_id = {str(row["id"]): row for row in _rows(before) if row.get("id")}
    rows: list[dict[str, Any]] = []
    changed = False
    seen: set[str] = set()
    for row in _rows(after):
        row_id = str(row["id"]) if row.get("id") else None
        old = before_by_id.get(row_id, {}) if row_id else {}
        out: dict[str, Any] = {"id": row_id} if row_id else {}
        for key, value in row.items():
            if key == "id":
                continue
            change = _row_value_change(sub_fields, key, old.get(key), value)
            if change is not UNCHANGED:
                out[key] = change
        changed = changed or len(out) > (1 if row_id else 0)
        if row_id:
            seen.add(row_id)
        rows.append(out)
    removed = [{"id": row_id, "_delete": None} for row_id in before_by_id if row_id not in seen]
    if not changed and not removed:
        return UNCHANGED
    return rows + removed


def update_payload_build(
    *,
    fields: Sequence[Field],
    original: Mapping[str, Any],
    submitted: Mapping[str, Any],
    append_values: Mapping[str, bool] | None = None,
) -> dict[str, Any]:
    """Only changed, writable fields, each in its JSON form; ``{}`` when nothing changed.

    Fields missing from ``submitted`` are left alone. Read-only, formula, auto-number and rollup
    fields are never sent, nor are data types this module does not know.
    """
    payload: dict[str, Any] = {}
    append_flags: dict[str, bool] = {}
    for field in fields:
        name = field.api_name
        if name not in submitted or not field.is_writable:
            continue
        before, after = original.get(name), submitted[name]
        if field.data_type == "multiselectpicklist":
            wants_append = (append_values or {}).get(name)
            change, flag = _multiselect_change(before, after, append=wants_append)
            if flag is not None and change is not UNCHANGED:
                append_flags[name] = flag
        else:
            change = value_change(field, before, after)
        if change is not UNCHANGED:
            payload[name] = change
    if append_flags:
        payload["$append_values"] = append_flags
    return payload
