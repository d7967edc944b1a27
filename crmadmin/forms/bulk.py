"""The bulk change form: for each field a bulk edit may change, what to do and the value.

Each field row pairs the edit form's own field for the value (named by its `api_name`, built by
`form_field_for`, so it parses and validates exactly as the edit form does) with a choice named
`<api_name>__action`: leave it, set it, clear it, and for multi-select picklists append or remove.

Or the records and their values come from a CSV (uploaded or pasted): `UploadForm` reads it,
`MappingForm` maps each column to a field (or to what identifies the record), and `table_rows`
cleans every cell with the same edit-form field, so a cell is refused exactly as the form would.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django import forms

from crmadmin.datatypes import form_field_for
from crmadmin.forms.records.builder import TRIGGERS, TypedLookupsMixin
from crmadmin.forms.records.types import FormContext
from crmadmin.jobs import Change, TableRow, jsonable
from updater.metadata import Field, User

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
    if meta.data_type in ("boolean", "ownerlookup"):
        # A checkbox is never empty in Zoho: set it on or off; every record has an owner.
        names.remove("clear")
    return [(name, ACTION_LABELS[name]) for name in names]


class BulkChangeForm(TypedLookupsMixin, forms.Form):
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


# --- Choosing records and values from a CSV -------------------------------------------------------

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Pasted text travels as a form field, which Django caps (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB);
# a file does not count against that cap, so larger tables come as files.
MAX_PASTED_CHARS = 2_000_000
MAX_ROWS = 50_000
MAX_MAPPED = 45  # Zoho reads at most 50 fields per request; the key and names need room too
MAX_LINE_PROBLEMS = 20  # shown next to the input; every line's problem is in the preview
RECORD_ID = "id"
IGNORE = ""
IDENTIFY = "key:"  # a column choice "key:<field>" identifies the record by that field
TRUE_WORDS = frozenset({"yes", "true", "1", "on", "y", "x"})
FALSE_WORDS = frozenset({"no", "false", "0", "off", "n", ""})


def text_decode(raw: bytes) -> tuple[str, str]:
    """The file's text and its encoding's name: UTF-8 (a BOM is dropped), else Latin-1, which
    reads any byte, so a spreadsheet's "CSV" export from Windows arrives intact."""
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1"


def table_read(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each non-blank line (with its line number) of CSV, semicolon- or
    tab-separated text, as a spreadsheet writes it."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    lines: list[tuple[int, list[str]]] = []
    for cells in reader:
        cells = [cell.strip() for cell in cells]
        if not header:
            header = cells
            continue
        if any(cells):
            lines.append((reader.line_num, cells))
    return header, lines


class UploadForm(forms.Form):
    upload = forms.FileField(
        label="CSV file",
        required=False,
        help_text="UTF-8 (with or without BOM) or Latin-1; commas, semicolons or tabs; "
        "a header row first; at most 50,000 rows and 20 MB.",
    )
    pasted = forms.CharField(
        label="Or paste the rows",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "spellcheck": "false", "maxlength": MAX_PASTED_CHARS}
        ),
        help_text="Copied from a spreadsheet, header row first; up to 2 MB (upload larger "
        "tables as a file).",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            if upload.size > MAX_UPLOAD_BYTES:
                size = upload.size / 1024 / 1024
                self.add_error(
                    "upload", f"The file is {size:.1f} MB; at most 20 MB: split it in parts."
                )
                return data
            data["text"], data["encoding"] = text_decode(upload.read())
            data["file_name"] = upload.name[:255]
            field = "upload"
        elif data.get("pasted", "").strip():
            data["text"], data["encoding"], data["file_name"] = data["pasted"], "UTF-8", ""
            if len(data["text"]) > MAX_PASTED_CHARS:
                self.add_error(
                    "pasted",
                    "Pasted rows are limited to 2 MB: upload the table as a CSV file "
                    "(up to 20 MB).",
                )
                return data
            field = "pasted"
        else:
            raise forms.ValidationError("Upload a CSV file or paste the rows.")
        header, lines = table_read(data["text"])
        if len([name for name in header if name]) < 2 or not lines:
            self.add_error(
                field,
                "Give a header row and at least one row: a column naming the record, "
                "and one or more columns of values.",
            )
        elif len(lines) > MAX_ROWS:
            self.add_error(
                field, f"{len(lines):,} rows; at most {MAX_ROWS:,} per job: split the file."
            )
        return data


class MappingForm(forms.Form):
    """One choice per CSV column: ignore it, let it identify the record (by record ID or a
    unique / external-ID field), or write it to a field the bulk edit may change."""

    crm_trigger = BulkChangeForm.base_fields["crm_trigger"]

    def __init__(
        self,
        *args: Any,
        header: list[str],
        fields: list[Field],
        key_fields: list[Field],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {"crm_trigger": [value for value, _ in TRIGGERS]})
        super().__init__(*args, **kwargs)
        self.header = header
        self.metas = {meta.api_name: meta for meta in fields}
        self.key_labels = {RECORD_ID: "Record ID"} | {
            meta.api_name: meta.field_label for meta in key_fields
        }
        identify = [
            (f"{IDENTIFY}{name}", f"Identifies the record: {label}")
            for name, label in self.key_labels.items()
        ]
        values = [(meta.api_name, f"{meta.field_label} ({meta.api_name})") for meta in fields]
        choices = [(IGNORE, "Ignore this column"), ("Identify", identify), ("Write to", values)]
        for index, name in enumerate(header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=name or f"Column {index + 1}",
                initial=self._guess(name, index),
            )

    def _guess(self, name: str, index: int) -> str:
        wanted = name.strip().casefold().replace(" ", "_")
        if wanted in ("id", "record_id", "record_id_(id)"):
            return f"{IDENTIFY}{RECORD_ID}"
        for meta in self.metas.values():
            if wanted in (meta.api_name.casefold(), meta.field_label.casefold().replace(" ", "_")):
                return meta.api_name
        return IGNORE if index else f"{IDENTIFY}{RECORD_ID}"

    def columns(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(len(self.header))]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        keys, mapped, seen = [], {}, {}
        for index in range(len(self.header)):
            name = f"column_{index}"
            chosen = data.get(name) or IGNORE
            if chosen.startswith(IDENTIFY):
                keys.append((index, chosen.removeprefix(IDENTIFY)))
            elif chosen:
                if chosen in seen:
                    self.add_error(name, f"Column {seen[chosen] + 1} already writes this field.")
                seen[chosen] = index
                mapped[index] = chosen
        if len(keys) != 1:
            raise forms.ValidationError(
                "Choose exactly one column that identifies the record (its record ID, or a "
                "unique or external-ID field)."
            )
        if not mapped:
            raise forms.ValidationError("Choose at least one column to write to a field.")
        if len(mapped) > MAX_MAPPED:
            raise forms.ValidationError(f"At most {MAX_MAPPED} columns of values per job.")
        data["key_column"], data["key_field"] = keys[0]
        data["mapped"] = mapped
        return data

    @property
    def key_label(self) -> str:
        return self.key_labels[self.cleaned_data["key_field"]]

    def changes(self) -> list[Change]:
        """The job's change: each mapped field, its value on each record's own line."""
        names = self.cleaned_data["mapped"].values()
        return [Change(name, self.metas[name].field_label, "csv") for name in names]

    def trigger(self) -> list[str] | None:
        chosen = list(self.cleaned_data.get("crm_trigger") or [])
        return None if len(chosen) == len(TRIGGERS) else chosen


def table_rows(
    lines: list[tuple[int, list[str]]],
    *,
    key_column: int,
    mapped: dict[int, str],
    fields: list[Field],
    context: FormContext,
    users: Sequence[User] = (),
) -> list[TableRow]:
    """Each line's key and values, every cell cleaned by its field's edit-form field. An empty
    cell leaves the field as it is; a cell the field refuses makes the line not sent. A cell
    of an owner or user field names one of ``users`` (the org's active users) by ID, email or
    name."""
    metas = {meta.api_name: meta for meta in fields}
    form_fields = {
        name: form_field_for(metas[name], context, required=False) for name in mapped.values()
    }
    by_text = {
        text.casefold(): user
        for user in users
        for text in (user.id, user.email, user.full_name)
        if text
    }
    rows = []
    for line, cells in lines:
        key = cells[key_column] if key_column < len(cells) else ""
        values: dict[str, Any] = {}
        problems = [] if key else ["No value in the column that identifies the record."]
        for index, name in mapped.items():
            text = cells[index] if index < len(cells) else ""
            if not text:
                continue
            meta = metas[name]
            try:
                cell = _cell_input(meta, text, by_text)
                values[name] = jsonable(form_fields[name].clean(cell))
            except forms.ValidationError as error:
                problems.append(f"{meta.field_label}: {' '.join(error.messages)}")
        if key and not values and not problems:
            problems.append("Every value is empty: nothing to change.")
        rows.append(TableRow(line=line, key=key, values=values, problem=" ".join(problems)))
    return rows


def _cell_input(meta: Field, text: str, users: dict[str, User]) -> Any:
    """A cell as the edit form's widget would post it."""
    kind = meta.data_type
    if kind == "multiselectpicklist":
        return [part.strip() for part in text.split(";") if part.strip()]
    if kind == "boolean":
        word = text.casefold()
        if word not in TRUE_WORDS | FALSE_WORDS:
            raise forms.ValidationError("Enter yes or no (true/false, 1/0).")
        return word in TRUE_WORDS
    if kind == "lookup":
        # The lookup widget's inputs (box, id, the name that id has, pick): a cell gives the
        # record id, so the box says the id and the field cleans to that record.
        return [text, text, text, ""]
    if kind in ("ownerlookup", "userlookup"):
        # The picker's inputs for the user the cell names (by ID, email or name).
        user = users.get(text.casefold())
        if user is None:
            raise forms.ValidationError(
                f"“{text}” is no active user's ID, email or name in this org."
            )
        name = user.full_name or user.email
        return [name, user.id, name, ""]
    if kind == "datetime" and len(text) > 10 and text[10] == " ":
        return f"{text[:10]}T{text[11:]}"
    return text
