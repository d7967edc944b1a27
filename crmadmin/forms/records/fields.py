"""Form fields for Zoho values whose shape Django's own fields do not know. Each accepts the
record's JSON as its initial value (``prepare_value``) and cleans to a value
``updater.payload.update_payload_build`` understands."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from crmadmin.forms.records.widgets import LookupWidget, ReadOnlyWidget

RECORD_ID = re.compile(r"^\d{1,19}$")
OUT_OF_RANGE = "Enter a date and time between the years 0001 and 9999, in the org's time zone."
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]


class InputRuleMixin:
    """Runs the data type's input rule (``DataType.input_rule`` in ``crmadmin.datatypes``) on
    the raw text, before parsing: ``int()`` and ``Decimal()`` read "٣٣" as 33, Zoho does not."""

    input_rule: Callable[[str], None] | None = None

    def to_python(self, value: Any) -> Any:
        if self.input_rule is not None and isinstance(value, str):
            self.input_rule(value)
        return super().to_python(value)  # type: ignore[misc]


class RuledCharField(InputRuleMixin, forms.CharField):
    pass


class RuledRegexField(InputRuleMixin, forms.RegexField):
    pass


class RuledEmailField(InputRuleMixin, forms.EmailField):
    pass


class RuledIntegerField(InputRuleMixin, forms.IntegerField):
    pass


class RuledDecimalField(InputRuleMixin, forms.DecimalField):
    pass


class ZohoDateTimeField(forms.DateTimeField):
    """A date and time typed in the org's time zone; cleans to an aware datetime carrying the
    org's offset, the way Zoho writes it ("2024-01-15T15:26:49+05:30")."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"})

    def __init__(self, *, time_zone: ZoneInfo, **kwargs: Any) -> None:
        self.time_zone = time_zone
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value:
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                # 0001-01-01T00:00+14:00 has no reading in UTC: shown as typed.
                with contextlib.suppress(OverflowError, ValueError):
                    value = value.astimezone(self.time_zone)
            return value.replace(tzinfo=None, microsecond=0).isoformat()  # "0001", not "1"
        return value

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=self.time_zone)
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                "Enter a date and time, e.g. 2024-01-15 15:26.", code="invalid"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.time_zone)
        try:
            # Zoho keeps the instant: it must exist in UTC and read in the org's zone.
            parsed.astimezone(UTC).astimezone(self.time_zone)
        except (OverflowError, ValueError):
            raise ValidationError(OUT_OF_RANGE, code="out_of_range") from None
        return parsed.replace(microsecond=0)


class LookupField(forms.MultiValueField):
    """A record of another module, chosen by search (htmx) or by its id. Cleans to
    ``{"id", "name"}`` or None."""

    def __init__(self, *, search_url: str, **kwargs: Any) -> None:
        fields = (
            forms.CharField(required=False),
            forms.RegexField(
                RECORD_ID, required=False, error_messages={"invalid": "Enter a record ID (digits)."}
            ),
        )
        kwargs.setdefault("widget", LookupWidget(search_url=search_url))
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dict[str, str] | None:
        if not data_list or not data_list[1]:
            if data_list and data_list[0]:
                raise ValidationError("Pick a record from the list, or enter its ID.")
            return None
        return {"id": data_list[1], "name": data_list[0] or ""}

    def clean(self, value: Any) -> dict[str, str] | None:
        cleaned = super().clean(value)
        if self.required and not cleaned:
            raise ValidationError(self.error_messages["required"], code="required")
        return cleaned


class UserField(forms.ChoiceField):
    """Owner and user lookups: one of the org's users. Cleans to ``{"id", "name"}``."""

    def prepare_value(self, value: Any) -> Any:
        return value.get("id") if isinstance(value, Mapping) else value

    def clean(self, value: Any) -> dict[str, str] | None:
        chosen = super().clean(self.prepare_value(value))
        if not chosen:
            return None
        return {"id": chosen, "name": dict(self.choices).get(chosen, "")}


class RowsField(forms.Field):
    """Linked rows: multi-select lookup, multi-user lookup, file and image uploads. The widget
    posts ``{"remove": [row ids], "add": [ids]}``; RecordForm.clean turns that and the loaded rows
    into the list ``update_payload_build`` diffs (removed rows become ``_delete``)."""

    def __init__(self, *, inner: str | None = None, **kwargs: Any) -> None:
        self.inner = inner  # the linking-module key that holds the linked record
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def rows_shown(self, rows: Any) -> list[tuple[str, str]]:
        # Imported here: the registry imports the field factories, which import this module.
        from crmadmin.datatypes import display_text

        shown = []
        for row in rows or []:
            if not isinstance(row, Mapping):
                shown.append((str(row), str(row)))
                continue
            target = row.get(self.inner) if self.inner else row
            shown.append((str(row.get("id") or ""), display_text(target) or str(row.get("id"))))
        return shown

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return value
        return {"rows_shown": self.rows_shown(value), "remove": [], "add": []}

    def bound_data(self, data: Any, initial: Any) -> Any:
        data = data or {}
        return {"rows_shown": self.rows_shown(initial), **data}

    def clean(self, value: Any) -> dict[str, list[str]]:
        value = value or {}
        added = [
            part.strip()
            for item in value.get("add") or []
            for part in str(item).split(",")
            if part.strip()
        ]
        bad = [item for item in added if not RECORD_ID.match(item)]
        if bad:
            message = "These are not record IDs: %(ids)s."
            raise ValidationError(message, params={"ids": ", ".join(bad)})
        return {"remove": list(value.get("remove") or []), "add": added}


class ReadOnlyField(forms.Field):
    """Shown, never edited, never sent."""

    widget = ReadOnlyWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(required=False, disabled=True)
        super().__init__(**kwargs)


class SubformField(ReadOnlyField):
    """Stands in the form for a subform; its rows live in ``RecordForm.subforms[api_name]``."""
