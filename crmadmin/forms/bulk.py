"""The bulk change form: for each field a bulk edit may change, what to do and the value.

Each field row pairs the edit form's own field for the value (named by its `api_name`, built by
`form_field_for`, so it parses and validates exactly as the edit form does) with a choice named
`<api_name>__action`: leave it, set it, clear it, and for multi-select picklists append or remove.
"""

from __future__ import annotations

from typing import Any

from django import forms

from crmadmin.datatypes import form_field_for
from crmadmin.forms.records.builder import TRIGGERS
from crmadmin.forms.records.types import FormContext
from crmadmin.jobs import Change, jsonable
from updater.metadata import Field

LEAVE = ""
ACTION_LABELS = {
    LEAVE: "Leave as it is",
    "set": "Set to",
    "clear": "Clear",
    "append": "Add these values",
    "remove": "Remove these values",
}


def actions_for(meta: Field) -> list[tuple[str, str]]:
    names = [LEAVE, "set", "clear"]
    if meta.data_type == "multiselectpicklist":
        names += ["append", "remove"]
    if meta.data_type == "boolean":
        names.remove("clear")  # a checkbox is never empty in Zoho: set it on or off
    return [(name, ACTION_LABELS[name]) for name in names]


class BulkChangeForm(forms.Form):
    crm_trigger = forms.MultipleChoiceField(
        choices=TRIGGERS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Run Zoho automation for these changes",
        help_text="Unticked automation is skipped for every record of this job.",
    )

    def __init__(self, *args: Any, fields: list[Field], context: FormContext, **kwargs: Any):
        kwargs.setdefault("initial", {"crm_trigger": [value for value, _ in TRIGGERS]})
        super().__init__(*args, **kwargs)
        self.metas = {meta.api_name: meta for meta in fields}
        for meta in fields:
            self.fields[f"{meta.api_name}__action"] = forms.ChoiceField(
                choices=actions_for(meta), required=False, label=f"{meta.field_label}: change"
            )
            self.fields[meta.api_name] = form_field_for(meta, context, required=False)

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """(action, value) bound fields, one pair per field, in metadata order."""
        return [(self[f"{name}__action"], self[name]) for name in self.metas]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = 0
        for name in self.metas:
            action = data.get(f"{name}__action") or LEAVE
            if action == LEAVE:
                continue
            chosen += 1
            value = data.get(name)
            if action in ("set", "append", "remove") and _empty(value, self.metas[name]):
                self.add_error(name, "Give the value to use, or choose “Leave as it is”.")
        if not chosen and not self.errors:
            raise forms.ValidationError("Choose at least one field to change.")
        return data

    def changes(self) -> list[Change]:
        """The change as plain data for `jobs.plan_build`."""
        chosen = []
        for name, meta in self.metas.items():
            action = self.cleaned_data.get(f"{name}__action") or LEAVE
            if action == LEAVE:
                continue
            value = None if action == "clear" else self.cleaned_data.get(name)
            chosen.append(Change(name, meta.field_label, action, jsonable(value)))
        return chosen

    def trigger(self) -> list[str] | None:
        """Zoho's `trigger` list; None (Zoho's default: everything runs) when all are ticked."""
        chosen = list(self.cleaned_data.get("crm_trigger") or [])
        return None if len(chosen) == len(TRIGGERS) else chosen


def _empty(value: Any, meta: Field) -> bool:
    if meta.data_type == "boolean":
        return value is None
    return value in (None, "", [], ())
