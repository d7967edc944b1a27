"""Subforms: one formset per subform field; its row form is built through the same type table.

Rows keep their Zoho ``id``; a ticked "Remove" drops the row (``update_payload_build`` then sends
``{"id", "_delete": null}``); an extra blank row adds one (zoho-api.md §3.6). "Add a row" posts the
form back and re-renders it with one more blank row (``subform_with_row_added``), no JavaScript
needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms.utils import ErrorDict

from crmadmin.datatypes import form_field_for
from crmadmin.forms.records.types import FormContext
from updater.metadata import Field

# Row fields Zoho fills itself: never shown as columns.
SYSTEM_ROW_FIELDS = frozenset(
    {"Parent_Id", "Created_Time", "Modified_Time", "Created_By", "Modified_By", "Layout", "id"}
)
MAX_ROWS = 100


class DraftMixin:
    """A draft shows what was typed and judges nothing: the form re-rendered mid-edit (after
    "Add a row") must not greet the user with errors for fields they have not finished."""

    draft = False

    def full_clean(self) -> None:
        if self.draft:
            self._errors, self.cleaned_data = ErrorDict(), {}
            return
        super().full_clean()


class SubformRowForm(DraftMixin, forms.Form):
    id = forms.CharField(widget=forms.HiddenInput, required=False)

    def has_changed(self) -> bool:
        # A blank extra row stays blank (not validated, not sent) until something is typed.
        return any(
            name != "id" and self[name].value() not in (None, "", [], False)
            for name in self.fields
            if name != "DELETE"
        )


@dataclass
class SubformRows:
    field: Field
    formset: forms.BaseFormSet
    columns: tuple[str, ...]

    @property
    def headers(self) -> list[str]:
        """The column headers: each column's label."""
        fields = self.formset.form.base_fields
        return [str(fields[name].label or name) for name in self.columns]

    @property
    def can_add(self) -> bool:
        return self.formset.total_form_count() < MAX_ROWS

    def rows(self) -> list[dict[str, Any]]:
        """Kept and new rows in form order, each ``{"id"?, column: value}``; the order is what a
        ``json_path`` index such as ``$.data[0].Items[2]`` refers to."""
        return [row for _, row in self.rows_with_index()]

    def rows_with_index(self) -> list[tuple[int, dict[str, Any]]]:
        rows = []
        for index, form in enumerate(self.formset.forms):
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or (not data.get("id") and not form.has_changed()):
                continue
            row = {name: data.get(name) for name in self.columns}
            if data.get("id"):
                row = {"id": data["id"], **row}
            rows.append((index, row))
        return rows


def subform_formset(
    meta: Field, ctx: FormContext, *, data: Any, rows: list[Mapping[str, Any]]
) -> SubformRows:
    columns = tuple(
        sub.api_name
        for sub in meta.subform_fields
        if sub.api_name not in SYSTEM_ROW_FIELDS and sub.is_writable
    )
    attrs = {
        sub.api_name: form_field_for(sub, ctx, required=False)
        for sub in meta.subform_fields
        if sub.api_name in columns
    }
    row_form = type("SubformRowForm", (SubformRowForm,), attrs)
    formset_class = forms.formset_factory(
        row_form, extra=1, can_delete=True, max_num=MAX_ROWS, validate_max=True
    )
    initial = [
        {"id": row.get("id"), **{name: row.get(name) for name in columns}}
        for row in rows
        if isinstance(row, Mapping)
    ]
    formset = formset_class(data=data, initial=initial, prefix=meta.api_name)
    return SubformRows(field=meta, formset=formset, columns=columns)


def subform_with_row_added(
    rows: SubformRows, ctx: FormContext, *, data: Any, initial_rows: list[Mapping[str, Any]]
) -> SubformRows:
    """``rows`` rebuilt from the same post with one more blank row (at most ``MAX_ROWS``); the
    new row's first cell takes focus (htmx focuses ``autofocus`` after a swap too)."""
    if not rows.can_add:
        return rows
    data = data.copy()
    data[f"{rows.formset.prefix}-TOTAL_FORMS"] = str(rows.formset.total_form_count() + 1)
    grown = subform_formset(rows.field, ctx, data=data, rows=initial_rows)
    if grown.columns and grown.formset.forms:
        grown.formset.forms[-1].fields[grown.columns[0]].widget.attrs["autofocus"] = True
    return grown
