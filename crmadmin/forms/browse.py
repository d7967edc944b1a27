"""The list page's controls: columns, sort, paging, search box and criteria rows (all GET).

Criteria rows are small forms prefixed `c0`, `c1`, … so a shared link reads
`?c0-field=Email&c0-operator=starts_with&c0-value=ann` and no management form is needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from crmadmin.datatypes import data_type_of, listable_fields, operators_for, search_value
from updater.metadata import Field
from updater.records import (
    MAX_CONDITIONS,
    MAX_FIELDS,
    MAX_IN_VALUES,
    MAX_PAGED_RECORDS,
    Condition,
)

MAX_COLUMNS = MAX_FIELDS  # Zoho returns at most 50 fields per record (zoho-api.md §3.1)
PER_PAGE_CHOICES = (10, 25, 50, 100, 200)
DEFAULT_PER_PAGE = 50
OPERATOR_LABELS = {
    "equals": "contains",  # Zoho's `equals` matches "ABC Inc" for "ABC" (§3.3, §5.8)
    "not_equal": "is not",
    "starts_with": "starts with",
    "in": "is one of",
    "greater_than": "after / more than",
    "greater_equal": "on or after / at least",
    "less_than": "before / less than",
    "less_equal": "on or before / at most",
    "between": "between",
}
MULTI_VALUE_OPERATORS = frozenset({"in", "between"})
# The browser rebuilds a row's operator list from these when its field changes (records.js).
OPERATOR_LABELS_JSON = json.dumps(OPERATOR_LABELS)
ADD_ROWS_CHOICES = (1, 2, 3, 5)
UTC = ZoneInfo("UTC")

SORT_CHOICES = [
    ("", "Default order"),
    ("Created_Time", "Created time"),
    ("Modified_Time", "Modified time"),
    ("id", "Record ID"),
]
MODE_CHOICES = [("word", "Word"), ("email", "Email"), ("phone", "Phone")]
# Zoho's word search refuses special characters (zoho-api.md §3.3).
WORD = re.compile(r"^[\w\s.@'+-]+$")


class RecordListForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    mode = forms.ChoiceField(choices=MODE_CHOICES, required=False, label="Search by")
    columns = forms.MultipleChoiceField(
        required=False,
        label="Columns",
        help_text=f"Choose up to {MAX_COLUMNS}. Your choice is remembered for this module.",
    )
    sort_by = forms.ChoiceField(
        choices=SORT_CHOICES,
        required=False,
        label="Sort by",
        help_text="Zoho sorts lists only by created time, modified time or record ID, and "
        "search results not at all.",
    )
    sort_order = forms.ChoiceField(
        choices=[("desc", "Descending"), ("asc", "Ascending")], required=False, label="Order"
    )
    per_page = forms.TypedChoiceField(
        choices=[(n, n) for n in PER_PAGE_CHOICES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PER_PAGE,
        label="Rows per page",
    )
    join = forms.ChoiceField(
        choices=[("and", "all conditions"), ("or", "any condition")],
        required=False,
        label="Match",
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    page_token = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    add_rows = forms.TypedChoiceField(
        choices=[(n, n) for n in ADD_ROWS_CHOICES],
        coerce=int,
        required=False,
        empty_value=1,
        label="Rows to add",
    )

    def __init__(
        self,
        data: Any,
        *,
        fields: Sequence[Field],
        saved_columns: Sequence[str],
        default_columns: Sequence[str] = (),
        time_zone: Callable[[], ZoneInfo] = lambda: UTC,
    ):
        super().__init__(data)
        self.fields["columns"].choices = [
            (item.api_name, item.field_label or item.api_name) for item in listable_fields(fields)
        ]
        known = [value for value, _ in self.fields["columns"].choices]
        # Saved columns may name fields deleted since; those are dropped quietly.
        self.saved_columns = tuple(name for name in saved_columns if name in known) or tuple(
            default_columns
        )
        # "Add" (a submit button, so it works without JavaScript) asks for blank rows.
        wanted = str((data or {}).get("add_rows", "1"))
        adding = bool((data or {}).get("add"))
        blank = int(wanted) if adding and wanted.isdigit() else 1
        self.conditions = condition_forms(
            data,
            fields=fields,
            blank=min(blank, max(ADD_ROWS_CHOICES)),
            focus_new=adding,
            time_zone=time_zone,
        )

    operator_labels = OPERATOR_LABELS_JSON

    @property
    def conditions_used(self) -> int:
        """Rows the query string holds (the blank rows offered to add more have no data)."""
        return sum(1 for row in self.conditions if row.data)

    @property
    def chosen_columns(self) -> tuple[str, ...]:
        """The columns ticked in the chooser: as sent, else the remembered ones."""
        sent = self.data.getlist("columns") if hasattr(self.data, "getlist") else []
        return tuple(sent) or self.saved_columns

    def clean_columns(self) -> tuple[str, ...]:
        columns = tuple(self.cleaned_data["columns"]) or self.saved_columns
        if len(columns) > MAX_COLUMNS:
            raise ValidationError(
                f"Zoho returns at most {MAX_COLUMNS} fields; you chose {len(columns)}."
            )
        return columns

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        q, mode = data.get("q", ""), data.get("mode") or "word"
        if q and mode == "word" and len(q) < 2:
            self.add_error("q", "Type at least 2 characters to search by word.")
        elif q and mode == "word" and not WORD.match(q):
            self.add_error(
                "q",
                "Word search takes letters and digits only; "
                "use a condition below for other characters.",
            )
        page, per_page = data.get("page") or 1, data.get("per_page") or DEFAULT_PER_PAGE
        if page * per_page > MAX_PAGED_RECORDS and not data.get("page_token"):
            self.add_error(
                None, "Zoho shows the first 2,000 records by page number; use Next to go further."
            )
        return data

    def is_valid(self) -> bool:
        rows_valid = all(row.is_valid() for row in self.conditions)
        return super().is_valid() and rows_valid

    def query_values(self) -> dict[str, Any]:
        """The cleaned state of the list, as the values of ``services.browse.ListQuery``."""
        data = self.cleaned_data
        return {
            "columns": data["columns"],
            "per_page": data["per_page"] or DEFAULT_PER_PAGE,
            "page": data.get("page") or 1,
            "page_token": data.get("page_token") or "",
            "sort_by": data.get("sort_by") or "",
            "sort_order": data.get("sort_order") or "",
            "mode": data.get("mode") or "word",
            "q": data.get("q") or "",
            "conditions": tuple(row.condition() for row in self.conditions if row.is_filled()),
            "join": data.get("join") or "and",
        }

    def all_errors(self) -> list[str]:
        """Every message, labelled, for the summary the htmx partial shows."""
        messages = [str(message) for message in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name != "__all__":
                messages += [f"{self.fields[name].label}: {message}" for message in errors]
        for number, row in enumerate(self.conditions, start=1):
            messages += [f"Condition {number}: {message}" for message in row.messages()]
        return messages


class ConditionForm(forms.Form):
    """One criteria row: field, operator (valid for that field's type), value."""

    field = forms.ChoiceField(required=False, label="Field")
    operator = forms.ChoiceField(
        required=False, label="Operator", widget=forms.Select(attrs={"data-criteria-operator": ""})
    )
    value = forms.CharField(
        required=False,
        max_length=500,
        label="Value",
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(
        self,
        data: Any,
        *,
        prefix: str,
        fields: Sequence[Field],
        time_zone: Callable[[], ZoneInfo] = lambda: UTC,
        autofocus: bool = False,
    ):
        super().__init__(data, prefix=prefix)
        self.metas = {item.api_name: item for item in fields if operators_for(item.data_type)}
        self.types = {name: meta.data_type for name, meta in self.metas.items()}
        self.time_zone = time_zone
        labels = {name: meta.field_label or name for name, meta in self.metas.items()}
        named = sorted(labels.items(), key=lambda choice: choice[1].lower())
        self.fields["field"].choices = [("", "Choose a field"), *named]
        self.fields["field"].widget = FieldSelect(
            operators={name: operators_for(kind) for name, kind in self.types.items()},
            attrs={"data-criteria-field": "", **({"autofocus": ""} if autofocus else {})},
            choices=self.fields["field"].choices,
        )
        # Any operator is a valid answer (a mismatch is refused with its reason in clean());
        # the select offers only those of the chosen field's type.
        self.fields["operator"].choices = list(OPERATOR_LABELS.items())
        chosen = self.types.get(str(self.data.get(f"{prefix}-field", "")))
        allowed = operators_for(chosen) if chosen else tuple(OPERATOR_LABELS)
        self.fields["operator"].widget.choices = [(op, OPERATOR_LABELS[op]) for op in allowed]

    def is_filled(self) -> bool:
        """A row counts once it has a field and a value; half-typed rows wait quietly."""
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("field") and data.get("value"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name, operator, value = data.get("field"), data.get("operator"), data.get("value")
        if not (name and value):
            return data
        allowed = operators_for(self.types[name])
        if operator not in allowed:
            meta = self.metas[name]
            offered = ", ".join(f"“{OPERATOR_LABELS[op]}”" for op in allowed)
            self.add_error(
                "operator",
                f"“{OPERATOR_LABELS.get(str(operator), operator)}” does not work for "
                f"{meta.field_label or name} ({data_type_of(meta).name or meta.data_type}). "
                f"Choose {offered}.",
            )
            return data
        parts = [value]
        if operator in MULTI_VALUE_OPERATORS:
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if operator == "between" and len(parts) != 2:
                self.add_error("value", "Give two values separated by a comma: from, to.")
            if operator == "in" and len(parts) > MAX_IN_VALUES:
                self.add_error("value", f"Give at most {MAX_IN_VALUES} values.")
        try:
            # The registry checks each value as the field's own input would.
            zone = self.time_zone() if self.types[name] == "datetime" else UTC
            data["values"] = [
                search_value(self.metas[name], part, time_zone=zone) for part in parts
            ]
        except ValidationError as error:
            self.add_error("value", error)
        return data

    def condition(self) -> Condition:
        data = self.cleaned_data
        values = data.get("values") or [data["value"]]
        value = values if data["operator"] in MULTI_VALUE_OPERATORS else values[0]
        return Condition(field=data["field"], operator=data["operator"], value=value)

    def messages(self) -> list[str]:
        return [str(message) for errors in self.errors.values() for message in errors]


def condition_forms(
    data: Mapping[str, Any] | None,
    *,
    fields: Sequence[Field],
    blank: int = 1,
    focus_new: bool = False,
    time_zone: Callable[[], ZoneInfo] = lambda: UTC,
) -> list[ConditionForm]:
    """The rows the query string holds, then `blank` empty rows to add more (10 in all at most).
    With `focus_new` (rows were just added) the first new row takes the focus."""
    data = data or {}
    used = [n for n in range(MAX_CONDITIONS) if data.get(f"c{n}-field") or data.get(f"c{n}-value")]
    # Renumbered densely, so a row left empty in the middle leaves no gap in later links.
    rows = [
        ConditionForm(
            _row_data(data, number, f"c{index}"),
            prefix=f"c{index}",
            fields=fields,
            time_zone=time_zone,
        )
        for index, number in enumerate(used)
    ]
    first_blank = len(rows)
    while len(rows) < MAX_CONDITIONS and len(rows) - first_blank < blank:
        focus = focus_new and len(rows) == first_blank
        rows.append(ConditionForm({}, prefix=f"c{len(rows)}", fields=fields, autofocus=focus))
    return rows


class FieldSelect(forms.Select):
    """The criteria row's field select: each option names its type's operators, so the
    browser can offer only those in the row's operator select (records.js)."""

    def __init__(self, *, operators: Mapping[str, Sequence[str]], **kwargs: Any):
        super().__init__(**kwargs)
        self.operators = operators

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.operators:
            option["attrs"]["data-operators"] = " ".join(self.operators[str(value)])
        return option


def _row_data(data: Mapping[str, Any], number: int, prefix: str) -> dict[str, str]:
    names = ("field", "operator", "value")
    return {f"{prefix}-{name}": data.get(f"c{number}-{name}", "") for name in names}


class LookupForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    field = forms.RegexField(regex=r"^[A-Za-z0-9_]*$", required=False, max_length=100)
