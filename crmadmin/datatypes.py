"""THE registry of Zoho data types: one entry per ``data_type`` (zoho-api.md §2.3).

An entry knows the type's form field factory, the JSON form its value travels in (a name in
``updater.payload.JSON_FORMS``: Zoho knowledge stays in updater, which never imports crmadmin),
its search operators (§3.3) and its flags. One function, ``display_text``, reads any Zoho value
for a person, in list cells, read-only form fields, conflict notes and the history page.

Adding a type: one entry in ``DATA_TYPES`` here, one in ``updater.payload.JSON_FORMS`` if it
travels in a JSON form not listed there yet, plus tests. A type missing from the registry renders
read-only with a logged warning, is listable and searchable with no operator, and is never sent.
"""

from __future__ import annotations

import contextlib
import logging
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString, mark_safe

from crmadmin.forms.records import types as factories
from crmadmin.forms.records.fields import InputRuleMixin, html_clean
from crmadmin.forms.records.types import Factory, FormContext
from updater.metadata import Field
from updater.payload import format_zoho_datetime

logger = logging.getLogger(__name__)

# Search operators (zoho-api.md §3.3).
TEXT_OPERATORS = ("equals", "not_equal", "starts_with", "in")
LONG_TEXT_OPERATORS = ("equals", "not_equal", "starts_with")
CHOICE_OPERATORS = ("equals", "not_equal", "in")
MULTI_CHOICE_OPERATORS = ("equals", "not_equal", "in", "starts_with")
BOOLEAN_OPERATORS = ("equals", "not_equal")
RANGE_OPERATORS = (
    "equals",
    "not_equal",
    "greater_than",
    "greater_equal",
    "less_than",
    "less_equal",
    "between",
    "in",
)


# Input rules: what Zoho refuses in the raw text of a type, checked before the value is parsed
# (the form field runs it: crmadmin.forms.records.fields.InputRuleMixin). A rule raises
# ValidationError with the words shown next to the field.
LINE_BREAKS = frozenset("\t\n\r")


def ascii_number(raw: str) -> None:
    """Numbers in ASCII digits only: Python reads "٣٣" as 33, Zoho refuses it."""
    if not raw.isascii():
        raise ValidationError(
            "Type the number with the digits 0 to 9: Zoho takes no other digits or symbols.",
            code="not_ascii",
        )


def single_line(raw: str) -> None:
    """Names and other one-line text: no control characters (tabs, line breaks, NUL…)."""
    if any(unicodedata.category(char) == "Cc" for char in raw):
        raise ValidationError(
            "Remove the control characters (tabs, line breaks or invisible codes): "
            "Zoho refuses them in this field.",
            code="control_character",
        )


def multi_line(raw: str) -> None:
    """Long text: tabs and line breaks are text; other control characters are not."""
    if any(unicodedata.category(char) == "Cc" and char not in LINE_BREAKS for char in raw):
        raise ValidationError(
            "Remove the invisible control characters: Zoho refuses them in this field.",
            code="control_character",
        )


@dataclass(frozen=True)
class DataType:
    """Everything crmadmin knows about one Zoho ``data_type``."""

    name: str
    json_form: str  # its name in updater.payload.JSON_FORMS
    field: Factory  # metadata → form field (crmadmin.forms.records.types)
    operators: tuple[str, ...] = ()  # search operators; none: not offered as a condition
    listable: bool = True  # offered as a list column (Zoho leaves some out of lists, §3.1)
    read_only: bool = False  # shown, never edited: Zoho computes it or takes no edit
    rows: bool = False  # linked rows the form carries as a RowsField
    reread: bool = False  # Zoho decides the saved value (rows, appends); every save re-reads now
    users: bool = False  # its values are the org's users (picked with the users search)
    appendable: bool = False  # a save may add to the values instead of replacing them
    bulk: bool = False  # a bulk edit may set it: its value becomes Zoho JSON on its own (no rows)
    input_rule: Callable[[str], None] | None = None  # what Zoho refuses in the raw text

    def editable(self, meta: Field) -> bool:
        return meta.is_writable and not self.read_only


def _type(name: str, json_form: str, field: Factory, **flags: Any) -> DataType:
    return DataType(name=name, json_form=json_form, field=field, **flags)


_UNLISTED = {"listable": False}
_ROWS = {"rows": True, "reread": True, **_UNLISTED}
_SHOWN = {"read_only": True}
_HIDDEN = {"read_only": True, **_UNLISTED}
_NUMBER = {"input_rule": ascii_number}
_LINE = {"input_rule": single_line}
_LINES = {"input_rule": multi_line}

DATA_TYPES: dict[str, DataType] = {
    entry.name: entry
    for entry in (
        _type("text", "text", factories.text, operators=TEXT_OPERATORS, **_LINE, bulk=True),
        _type("mediumtext", "text", factories.textarea, **_LINES),
        _type(
            "textarea",
            "text",
            factories.textarea,
            operators=LONG_TEXT_OPERATORS,
            bulk=True,
            **_UNLISTED,
            **_LINES,
        ),
        _type("email", "text", factories.email, operators=TEXT_OPERATORS, **_LINE, bulk=True),
        _type("phone", "text", factories.phone, operators=TEXT_OPERATORS, **_LINE, bulk=True),
        _type("website", "text", factories.website, operators=TEXT_OPERATORS, **_LINE, bulk=True),
        _type(
            "integer", "integer", factories.integer, operators=RANGE_OPERATORS, **_NUMBER, bulk=True
        ),
        _type(
            "bigint", "bigint", factories.bigint, operators=RANGE_OPERATORS, **_NUMBER, bulk=True
        ),
        _type("long", "bigint", factories.bigint, **_NUMBER),
        _type(
            "double", "number", factories.double, operators=RANGE_OPERATORS, **_NUMBER, bulk=True
        ),
        _type(
            "decimal", "number", factories.double, operators=RANGE_OPERATORS, **_NUMBER, bulk=True
        ),
        _type(
            "currency",
            "number",
            factories.currency,
            operators=RANGE_OPERATORS,
            **_NUMBER,
            bulk=True,
        ),
        _type(
            "percent", "number", factories.percent, operators=RANGE_OPERATORS, **_NUMBER, bulk=True
        ),
        _type("boolean", "boolean", factories.boolean, operators=BOOLEAN_OPERATORS, bulk=True),
        _type("date", "date", factories.date, operators=RANGE_OPERATORS, bulk=True),
        _type("datetime", "datetime", factories.datetime_, operators=RANGE_OPERATORS, bulk=True),
        _type("picklist", "text", factories.picklist, operators=CHOICE_OPERATORS, bulk=True),
        _type(
            "multiselectpicklist",
            "multiselect",
            factories.multiselectpicklist,
            operators=MULTI_CHOICE_OPERATORS,
            reread=True,
            appendable=True,
            bulk=True,
        ),
        _type("lookup", "lookup", factories.lookup, bulk=True),
        _type(
            "ownerlookup",
            "lookup",
            factories.user,
            operators=CHOICE_OPERATORS,
            users=True,
            bulk=True,
        ),
        _type(
            "userlookup",
            "lookup",
            factories.user,
            operators=CHOICE_OPERATORS,
            users=True,
            bulk=True,
        ),
        _type("multiselectlookup", "link_rows", factories.multiselectlookup, **_ROWS),
        _type("multiuserlookup", "link_rows", factories.multiuserlookup, users=True, **_ROWS),
        _type("fileupload", "file_rows", factories.files, **_ROWS),
        _type("imageupload", "file_rows", factories.files, **_ROWS),
        _type("subform", "subform_rows", factories.subform, reread=True, **_UNLISTED),
        _type("autonumber", "computed", factories.read_only, operators=CHOICE_OPERATORS, **_SHOWN),
        _type("formula", "computed", factories.read_only, **_SHOWN),
        _type("rollup_summary", "computed", factories.read_only, **_SHOWN),
        _type("territories", "computed", factories.read_only, **_SHOWN),
        _type("profileimage", "text", factories.read_only, **_HIDDEN),
        _type("layout", "not_sent", factories.read_only, **_SHOWN),
        _type("jsonarray", "not_sent", factories.read_only, **_HIDDEN),
        _type("jsonobject", "not_sent", factories.read_only, **_HIDDEN),
        _type("event_reminder", "not_sent", factories.read_only, **_HIDDEN),
        _type("RRULE", "not_sent", factories.read_only, **_HIDDEN),
        _type("ALARM", "not_sent", factories.read_only, **_HIDDEN),
        _type("consent_lookup", "not_sent", factories.read_only, **_HIDDEN),
    )
}
# What a type missing from the registry gets: shown read-only, listable, never searched or sent.
UNKNOWN = DataType(name="", json_form="not_sent", field=factories.read_only, read_only=True)


def data_type_of(meta: Field | str) -> DataType:
    """The registry entry for a field (or a ``data_type``); ``UNKNOWN`` for unknown types."""
    name = meta if isinstance(meta, str) else meta.data_type
    return DATA_TYPES.get(name, UNKNOWN)


def editable(meta: Field) -> bool:
    """The user may change this field: its type takes edits and Zoho allows this one."""
    return data_type_of(meta).editable(meta)


def form_field_for(meta: Field, ctx: FormContext, *, required: bool) -> forms.Field:
    """The form field for one Zoho field; read-only for computed, locked and unknown types."""
    entry = data_type_of(meta)
    if entry is UNKNOWN:
        logger.warning(
            "Unknown Zoho data type %r on %s: shown read-only", meta.data_type, meta.api_name
        )
        return factories.read_only(meta, ctx, False)
    # "Tag" says text but holds [{name, id}] (zoho-api.md §5.9): show it, never edit it.
    if not meta.is_writable or (meta.json_type == "jsonarray" and entry.field is factories.text):
        if entry.field is factories.subform:
            return factories.subform(meta, ctx, False)
        return factories.read_only(meta, ctx, False)
    field = entry.field(meta, ctx, required)
    if entry.input_rule is not None and isinstance(field, InputRuleMixin):
        field.input_rule = entry.input_rule
    return field


def is_rich_text(meta: Field) -> bool:
    """A long text field Zoho edits as rich text: its value is HTML (``textarea.type``)."""
    return meta.data_type == "textarea" and (meta.raw.get("textarea") or {}).get("type") == (
        "rich_text"
    )


def display_html(value: Any) -> SafeString:
    """A rich text value as HTML to show, cleaned by nh3 (``html_clean``): whatever Zoho holds,
    only formatting, lists, links and headings reach the page, never script."""
    return mark_safe(html_clean(display_text(value)))  # noqa: S308 (cleaned by nh3 just now)


def listable_fields(fields: Sequence[Field]) -> list[Field]:
    return [item for item in fields if data_type_of(item).listable]


def operators_for(data_type: str) -> tuple[str, ...]:
    return data_type_of(data_type).operators


def display_text(value: Any, *, time_zone: ZoneInfo | None = None) -> str:
    """A person's reading of any Zoho JSON value ("" for no value). Date-times read
    "2024-01-15 15:26:49 +05:30", in ``time_zone`` when given; records and users by name, files
    by file name, linked rows by the record they link to; lists joined with commas."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if time_zone is not None and value.tzinfo is not None:
            # At the ends of the range (0001-01-01+14:00) there is no other reading: as written.
            with contextlib.suppress(OverflowError, ValueError):
                value = value.astimezone(time_zone)
        offset = value.strftime("%z")
        offset = f"{offset[:3]}:{offset[3:]}" if offset else ""
        # isoformat, not %Y: strftime writes the year 1 as "1", not "0001".
        return f"{value.replace(tzinfo=None).isoformat(' ', 'seconds')} {offset}".strip()
    if isinstance(value, Mapping):
        return _mapping_text(value, time_zone)
    if isinstance(value, list | tuple):
        texts = (display_text(item, time_zone=time_zone) for item in value)
        return ", ".join(filter(None, texts))
    return str(value)


def _mapping_text(value: Mapping[str, Any], time_zone: ZoneInfo | None) -> str:
    if "rows_shown" in value:  # a RowsField's value: (row id, text) pairs already read
        return ", ".join(text for _, text in value["rows_shown"])
    for key in ("name", "full_name", "File_Name__s"):
        if value.get(key):
            return str(value[key])
    # A linking-module row: {"id": <link id>, "<lookup>": {"id", "name"}} reads as the record.
    for key, inner in value.items():
        if key != "id" and isinstance(inner, Mapping) and inner.get("id"):
            return display_text(inner, time_zone=time_zone)
    return str(value.get("id") or "")


def search_value(meta: Field, raw: str, *, time_zone: ZoneInfo) -> str:
    """One value of a search condition, checked the way the field's type checks an edit, and
    written the way Zoho's criteria take it (zoho-api.md §3.3): dates "2024-01-15", date-times
    with the org's offset, numbers in plain digits, picklists by their actual value.

    Raises ValidationError with the words shown next to the condition's value: a value Zoho
    cannot match would only come back as an empty list."""
    entry = data_type_of(meta)
    if entry.input_rule is not None:
        entry.input_rule(raw)
    if entry.json_form in ("integer", "bigint", "number", "date", "datetime"):
        # The type's own field, also for fields nobody may edit (Created_Time is searched too).
        field = entry.field(meta, FormContext(connection_id=0, time_zone=time_zone), True)
        try:
            value = field.clean(raw)
        except ValidationError as error:
            if entry.json_form == "date" and getattr(error, "code", "") == "invalid":
                raise ValidationError(
                    "Enter a date as year-month-day, e.g. 2024-01-15.", code="invalid"
                ) from None
            raise
        if isinstance(value, datetime):
            return format_zoho_datetime(value)
        if isinstance(value, date):
            return value.isoformat()
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if entry.json_form == "boolean":
        answer = BOOLEAN_WORDS.get(raw.strip().lower())
        if answer is None:
            raise ValidationError("Enter true or false.", code="invalid")
        return answer
    if entry.name in ("picklist", "multiselectpicklist") and meta.pick_list_values:
        return _option_value(meta, raw)
    return raw


BOOLEAN_WORDS = {"true": "true", "yes": "true", "false": "false", "no": "false"}


def _option_value(meta: Field, raw: str) -> str:
    """A picklist option by its value or its label, in any case; Zoho matches the value."""
    wanted = raw.strip().casefold()
    for option in meta.pick_list_values:
        if wanted in (option.actual_value.casefold(), option.display_value.casefold()):
            return option.actual_value
    names = [option.display_value for option in meta.pick_list_values]
    listed = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    raise ValidationError(
        f"“{raw.strip()}” is not an option of {meta.field_label or meta.api_name}: {listed}.",
        code="invalid_choice",
    )
