"""Build an update body that carries only the fields the user changed, each in its JSON form
(zoho-api.md §2.3 table; ``_delete`` rows and ``$append_values`` from zoho-update-records.txt).

``JSON_FORMS`` is THE table: Zoho ``data_type`` → the JSON form its value travels in. A type
missing from it is never sent. crmadmin's type registry names the JSON form of each of its entries
(``crmadmin.datatypes``), and a test checks that every registry type has one here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # updater.metadata.types reads COMPUTED_TYPES from here
    from updater.metadata import Field


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


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


def _file_rows_change(field: Field, before: Any, after: Any) -> Any:
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


def _row_taken(
    sub_fields: Mapping[str, Field], earlier: list[Mapping[str, Any]], row: Mapping[str, Any]
) -> bool:
    """Remove from ``earlier`` the first row equal to ``row``; True if there was one."""
    for index, old in enumerate(earlier):
        if all(
            _row_value_change(sub_fields, key, old.get(key), value) is UNCHANGED
            for key, value in row.items()
            if key != "id"
        ):
            del earlier[index]
            return True
    return False


def _subform_rows_change(field: Field, before: Any, after: Any) -> Any:
    """Kept rows go back by id (Zoho may drop rows left out), edited rows with their changes,
    new rows without id, removed rows as ``{"id", "_delete": null}`` (zoho-api.md §3.6)."""
    sub_fields = {sub.api_name: sub for sub in field.subform_fields}
    before_by_id = {str(row["id"]): row for row in _rows(before) if row.get("id")}
    # Rows sent earlier whose ids Zoho never told us (its answer or the read after it was lost):
    # the same row again is that row, not a new one, so it is never added twice.
    sent_earlier = [row for row in _rows(before) if not row.get("id")]
    rows: list[dict[str, Any]] = []
    changed = False
    seen: set[str] = set()
    for row in _rows(after):
        row_id = str(row["id"]) if row.get("id") else None
        if row_id is None and _row_taken(sub_fields, sent_earlier, row):
            continue
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


Change = Callable[["Field", Any, Any], Any]


def _scalar(normalise: Callable[[Any], Any], out: Callable[[Any], Any] | None = None) -> Change:
    def change(field: Field, before: Any, after: Any) -> Any:
        new = _scalar_change(before, after, normalise)
        return new if out is None or new is UNCHANGED or new is None else out(new)

    return change


def _never_sent(field: Field, before: Any, after: Any) -> Any:
    return UNCHANGED


def _multiselect_replace(field: Field, before: Any, after: Any) -> Any:
    return _multiselect_change(before, after, append=None)[0]


@dataclass(frozen=True)
class JsonForm:
    """How one kind of value travels to Zoho: its name (what crmadmin's registry entries name),
    how a change is computed (``UNCHANGED`` when there is none), and whether Zoho computes the
    value itself (then the field is never writable)."""

    name: str
    change: Change
    computed: bool = False


TEXT = JsonForm("text", _scalar(_text))
INTEGER = JsonForm("integer", _scalar(_integer))
# Long integers travel as strings and may keep leading zeros ("0012345600012").
BIGINT = JsonForm("bigint", _scalar(_bigint))
NUMBER = JsonForm("number", _scalar(_decimal, _number_json))
BOOLEAN = JsonForm("boolean", _scalar(_boolean))
DATE = JsonForm("date", _scalar(_date))
DATETIME = JsonForm("datetime", _scalar(_datetime, format_zoho_datetime))
LOOKUP = JsonForm("lookup", _scalar(_lookup_id, lambda record_id: {"id": record_id}))
# Replace-or-append: update_payload_build adds the `$append_values` flag.
MULTISELECT = JsonForm("multiselect", _multiselect_replace)
LINK_ROWS = JsonForm("link_rows", _link_rows_change)
FILE_ROWS = JsonForm("file_rows", _file_rows_change)
SUBFORM_ROWS = JsonForm("subform_rows", _subform_rows_change)
COMPUTED = JsonForm("computed", _never_sent, computed=True)
# Values Zoho shows but an update does not take (layout, tags, reminders, consent…).
NOT_SENT = JsonForm("not_sent", _never_sent)

# zoho-api.md §2.3: every data type and its JSON form.
JSON_FORMS: dict[str, JsonForm] = {
    **dict.fromkeys(
        ("text", "textarea", "mediumtext", "email", "phone", "website", "picklist"), TEXT
    ),
    "profileimage": TEXT,
    "integer": INTEGER,
    "bigint": BIGINT,
    "long": BIGINT,
    **dict.fromkeys(("double", "decimal", "currency", "percent"), NUMBER),
    "boolean": BOOLEAN,
    "date": DATE,
    "datetime": DATETIME,
    **dict.fromkeys(("lookup", "ownerlookup", "userlookup"), LOOKUP),
    "multiselectpicklist": MULTISELECT,
    **dict.fromkeys(("multiselectlookup", "multiuserlookup"), LINK_ROWS),
    **dict.fromkeys(("fileupload", "imageupload"), FILE_ROWS),
    "subform": SUBFORM_ROWS,
    **dict.fromkeys(("autonumber", "formula", "rollup_summary", "territories"), COMPUTED),
    **dict.fromkeys(
        (
            "layout",
            "jsonarray",
            "jsonobject",
            "event_reminder",
            "RRULE",
            "ALARM",
            "consent_lookup",
        ),
        NOT_SENT,
    ),
}
JSON_FORMS_BY_NAME: dict[str, JsonForm] = {form.name: form for form in JSON_FORMS.values()}
# Types whose value Zoho computes: never writable, never sent (read by Field.is_writable).
COMPUTED_TYPES = frozenset(name for name, form in JSON_FORMS.items() if form.computed)


def json_form_for(data_type: str) -> JsonForm:
    """The JSON form of ``data_type``; unknown types are never sent."""
    return JSON_FORMS.get(data_type, NOT_SENT)


def value_change(field: Field, before: Any, after: Any) -> Any:
    """The JSON to send for one field, or UNCHANGED. Unknown types are never sent."""
    form = json_form_for(field.data_type)
    # "Tag" says text but holds [{name, id}] (zoho-api.md §5.9): never sent as text.
    if form is TEXT and field.json_type == "jsonarray":
        return UNCHANGED
    return form.change(field, before, after)


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
        if json_form_for(field.data_type) is MULTISELECT:
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
