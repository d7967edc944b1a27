"""Metadata → a Django form class whose field names are Zoho api_names.

``record_form_class`` builds (and caches, per metadata version) the class; ``RecordForm``
carries the signed state, save options, subform formsets and conflict choices, and after
``is_valid()`` knows the ``changes`` to send.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import Any, ClassVar

from django import forms
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS

from crmadmin.datatypes import data_type_of, display_text, editable, form_field_for
from crmadmin.forms.records.fields import (
    FileRowsField,
    LookupField,
    RichTextField,
    RowsField,
    TypedName,
    size_text,
)
from crmadmin.forms.records.layout import Section, sections_for
from crmadmin.forms.records.state import FormState, state_dumps, state_loads
from crmadmin.forms.records.subforms import (
    DraftMixin,
    SubformRows,
    subform_formset,
    subform_with_row_added,
)
from crmadmin.forms.records.types import FormContext
from crmadmin.forms.records.widgets import FileRowsWidget
from crmadmin.problems import LOOKUP_TEXTS, Problem, hold_problem, lookup_text
from updater.files import Upload
from updater.metadata import Field, Layout
from updater.payload import update_payload_build
from updater.records import record_hold

TRIGGERS = (("workflow", "Workflows"), ("approval", "Approvals"), ("blueprint", "Blueprints"))
APPEND_CHOICES = (("replace", "Replace the values"), ("append", "Add to the existing values"))
CHOICE_LIST = {"class": "choice-list"}
RESOLVE_CHOICES = (("mine", "Keep mine"), ("theirs", "Use theirs"))
NEEDS_FIELD = "crm_needs"
NOT_EMPTIED = "{label} can't be left empty: type a name and pick a user from the list."
STATE_ERROR = (
    "This form's saved state is missing, expired or was changed outside crmadmin. "
    "Copy anything you typed, then reload the record."
)


class TypedLookupsMixin:
    """Lookups whose name was typed without the picker (no JavaScript): the view resolves them
    with ``services.lookup.names_resolve`` and hands the answers back. Shared by the record form
    and the bulk change form, so a typed name is never silently ignored on either."""

    def typed_lookups(self) -> dict[str, tuple[str, str, str]]:
        """Names typed in lookup boxes without picking a record (validates the form first):
        field → (module searched, text, id picked from an earlier list), the plain values
        ``services.lookup.names_resolve`` takes."""
        self.is_valid()  # cleans once; cleaned_data then holds every valid field
        wanted = {}
        for name, value in self.cleaned_data.items():
            typed = value.get("typed") if isinstance(value, dict) else value
            if isinstance(typed, TypedName):
                wanted[name] = (getattr(self.fields[name], "module", ""), typed.text, typed.pick)
        return wanted

    def lookups_apply(self, resolved: Mapping[str, Any]) -> None:
        """Take the records typed names came to (``services.lookup.Resolution`` per field); a
        name that found none, several (listed next to the field to choose from, the typed text
        kept) or may not be searched is an error on its field."""
        for name, found in resolved.items():
            value = self.cleaned_data.get(name)
            chosen = found.chosen
            if chosen is None:
                widget = self.fields[name].widget
                widget.choices = [dict(option) for option in found.options]
                widget.choose_text = LOOKUP_TEXTS["choose"].format(text=found.text)
                self.add_error(name, lookup_text(found))
            elif isinstance(value, dict) and "typed" in value:  # rows: one more record to add
                if chosen["id"] not in value["add"]:
                    value["add"].append(chosen["id"])
                    value["names"].append(chosen["name"])
                value["typed"] = None
            else:
                self.cleaned_data[name] = {"id": chosen["id"], "name": chosen["name"]}


class RecordForm(DraftMixin, TypedLookupsMixin, forms.Form):
    """One Zoho record's edit form. Build the class with ``record_form_class``."""

    metadata: ClassVar[dict[str, Field]] = {}
    # Set on the form after_conflict builds: what merged on its own, what the user must choose.
    merged: dict[str, list[str]] | None = None
    conflict_rows: list[dict[str, Any]] = []
    sections: ClassVar[tuple[Section, ...]] = ()
    context: ClassVar[FormContext]

    crm_state = forms.CharField(widget=forms.HiddenInput, required=False)
    crm_trigger = forms.MultipleChoiceField(
        choices=TRIGGERS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Run automation on save",
        help_text="Zoho runs the checked automations for this change.",
    )
    crm_skip_cadences = forms.BooleanField(required=False, label="Skip cadences for this change")

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        salt: str,
        record: Mapping[str, Any] | None = None,
        state: FormState | None = None,
        values: Mapping[str, Any] | None = None,
        module_fields: Callable[[], Sequence[Field]] | None = None,
    ) -> None:
        """Unbound: ``record`` (or ``state`` + ``values``, for the conflict screen). Bound: the
        POST, whose signed ``_state`` says what was loaded. ``module_fields`` reads the module's
        fields (``loading.module_fields_reader``), for a field the layout hides that Zoho needs
        (``needed_field_add``); without it the form shows only its layout's fields."""
        self.salt = salt
        self.module_fields = module_fields
        self.state_error = False
        if data is not None:
            state = self._posted_state(data)
        elif state is None:
            record = record or {}
            # Read-only values travel too, so a re-rendered form still shows them.
            original = {name: record.get(name) for name in self.metadata}
            state = FormState(
                modified_time=str(record.get("Modified_Time") or ""),
                original=original,
                record_name=record_name_of(record),
                layout_id=str((record.get("Layout") or {}).get("id") or ""),
                hold=record_hold(record),
            )
        self.form_state = state
        shown = dict(values if values is not None else (record or state.original))
        initial = {
            **shown,
            "crm_state": state_dumps(state, salt=salt),
            "crm_trigger": [value for value, _ in TRIGGERS],
        }
        super().__init__(data, files, initial=initial)
        self.uploaded: dict[str, list[str]] = {}  # field → file ids the Files API gave (on save)
        # Files uploaded for an earlier save that did not happen, posted back (signed) to be
        # attached on this one: field → [{"id", "name", "size"}] (``kept_read``).
        self.kept_files: dict[str, list[dict[str, str]]] = {}
        if data is not None:
            self.kept_read(data)
        self.needed_names: list[str] = []
        posted_needs = str(data.get(NEEDS_FIELD) or "") if data is not None else ""
        for name in filter(None, posted_needs.split(",")):
            self.needed_field_add(name)
        self.subforms: dict[str, SubformRows] = {
            name: subform_formset(
                self.metadata[name], self.context, data=data, rows=shown.get(name) or []
            )
            for name in self.subform_names
        }
        for name in state.conflicts:
            if name in self.fields:
                self.fields[f"{name}__resolve"] = forms.ChoiceField(
                    choices=RESOLVE_CHOICES,
                    widget=forms.RadioSelect(attrs=CHOICE_LIST),
                    label=f"Which {self.fields[name].label} to keep",
                    error_messages={"required": "Choose which value to keep."},
                )

    @classmethod
    def blank(
        cls, *, salt: str, layout_id: str, values: Mapping[str, Any] | None = None
    ) -> RecordForm:
        """The new-record form for ``layout_id``: empty, or showing ``values`` (a clone's,
        from ``clone_values``). Nothing was loaded, so every filled field is sent on save."""
        state = FormState(modified_time="", original={}, layout_id=layout_id)
        return cls(salt=salt, state=state, values=dict(values or {}))

    @classmethod
    def clone_values(cls, record: Mapping[str, Any]) -> dict[str, Any]:
        """What a clone of ``record`` starts with: the values of the fields a person may fill
        in, without ids (the record's, its subform rows'), system and computed fields (read-only
        in the metadata) and unique fields (Zoho would refuse them as DUPLICATE_DATA). The
        records a multi-select lookup links (records or users) come as records to add, as if
        picked: their linking rows' ids belong to the original record. Files are left out: Zoho
        keeps each file for its own record."""
        values: dict[str, Any] = {}
        for name, meta in cls.metadata.items():
            value = record.get(name)
            if not editable(meta) or meta.unique or value in (None, "", []):
                continue
            if meta.data_type == "subform":
                values[name] = [
                    {key: cell for key, cell in row.items() if key != "id" and key[:1] != "$"}
                    for row in value
                    if isinstance(row, Mapping)
                ]
            elif not data_type_of(meta).rows:
                values[name] = value
            elif linked := _linked_records(cls.base_fields.get(name), value):
                values[name] = {
                    "rows_shown": [],
                    "remove": [],
                    "add": [record_id for record_id, _ in linked],
                    "names": [linked_name for _, linked_name in linked],
                }
        return values

    @property
    def is_new(self) -> bool:
        """True for a new record's form (nothing was loaded: no Modified_Time)."""
        return not self.form_state.modified_time

    @cached_property
    def hidden_metadata(self) -> dict[str, Field]:
        """Editable fields the layout hides: Zoho may still require one (Deals' Pipeline), and
        then the form shows it in a "Zoho also needs" block (``needed_field_add``). The class is
        built from the layout alone, so these come from the module's fields answer, read the
        first time one is asked for (a POST: Zoho refused, or the form brings one back)."""
        if self.module_fields is None:
            return {}
        shown = type(self).metadata
        return {
            meta.api_name: meta
            for meta in self.module_fields()
            if meta.api_name
            and meta.api_name not in shown
            and editable(meta)
            and meta.data_type != "subform"
        }

    def needed_field_add(self, name: str) -> bool:
        """Show ``name``, a field the layout hides, because Zoho needs it to save: its input is
        built from its fields metadata through the same registry as every other field. False
        when ``name`` is no editable field of this module that the layout hides (or the form
        was given no ``module_fields``)."""
        meta = self.hidden_metadata.get(name)
        if meta is None:
            return False
        if name not in self.needed_names:
            self.fields[name] = form_field_for(meta, self.context, required=True)
            self.metadata = {**self.metadata, name: meta}
            self.__dict__.pop("editable_names", None)
            self.needed_names.append(name)
        return True

    @property
    def hold(self) -> Problem | None:
        """Why this record cannot be saved now (locked, awaiting approval, in a merge), read from
        its state when it was loaded; None when nothing stops a save."""
        return hold_problem(self.form_state.hold)

    @property
    def needed_value(self) -> str:
        """The hidden input that brings the "Zoho also needs" fields back on the next POST."""
        return ",".join(self.needed_names)

    def _posted_state(self, data: Any) -> FormState:
        try:
            return state_loads(data.get("crm_state") or "", salt=self.salt)
        except signing.BadSignature:
            self.state_error = True
            return FormState(modified_time="", original={})

    @cached_property
    def editable_names(self) -> list[str]:
        return [name for name, meta in self.metadata.items() if editable(meta)]

    @cached_property
    def subform_names(self) -> list[str]:
        return [n for n, m in self.metadata.items() if m.data_type == "subform" and editable(m)]

    def add_row(self, name: str) -> bool:
        """Turn this posted form into a draft with one more blank row in subform ``name``; the
        signed state is the posted one, untouched. False when ``name`` is no editable subform
        or it already has ``MAX_ROWS`` rows."""
        self.draft = True
        rows = self.subforms.get(name)
        added = rows is not None and rows.can_add
        if added:
            self.subforms[name] = subform_with_row_added(
                rows,
                self.context,
                data=self.data,
                initial_rows=self.form_state.original.get(name) or [],
            )
        for subform in self.subforms.values():
            for row in subform.formset.forms:
                row.draft = True
        return added

    def error_links(self) -> list[tuple[str, str, str]]:
        """The error summary: ``(api_name, label, first message)`` per field with errors, a
        subform's row errors under the subform, each to link to its ``#field-<api_name>`` row."""
        links = []
        for name, errors in self.errors.items():
            if name != NON_FIELD_ERRORS:
                base = name.removesuffix("__resolve").removesuffix("__append")
                links.append((base, self._field_label(base), str(errors[0])))
        for name, rows in self.subforms.items():
            if name not in self.errors and (message := _first_row_error(rows.formset)):
                links.append((name, self._field_label(name), message))
        return links

    def _field_label(self, name: str) -> str:
        return str(self.fields[name].label or name) if name in self.fields else name

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return all([valid, *(rows.formset.is_valid() for rows in self.subforms.values())])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.state_error:
            raise forms.ValidationError(STATE_ERROR, code="state")
        for name, field in self.fields.items():
            # A record's owner: an emptied box would send null, which Zoho refuses.
            if not isinstance(field, LookupField) or field.clearable or name not in cleaned:
                continue
            if cleaned[name] is None and self.form_state.original.get(name):
                self.add_error(name, NOT_EMPTIED.format(label=self.label_of(name)))
        return cleaned

    @cached_property
    def submitted(self) -> dict[str, Any]:
        """The user's values in the shape ``update_payload_build`` diffs (after is_valid)."""
        values: dict[str, Any] = {}
        original = self.form_state.original
        for name in self.editable_names:
            meta = self.metadata[name]
            if name in self.subforms:
                values[name] = self.subforms[name].rows()
            elif data_type_of(meta).rows:
                values[name] = _rows_submitted(
                    self.fields[name], original.get(name), self.cleaned_data.get(name) or {}
                )
                values[name] += [{"File_Id__s": i} for i in self.uploaded.get(name, [])]
            elif name in self.cleaned_data:
                values[name] = self.cleaned_data[name]
                field = self.fields[name]
                if isinstance(field, RichTextField) and field.untouched(
                    original.get(name), values[name]
                ):
                    values[name] = original.get(name)  # not sent only because nh3 cleans it
            if self.cleaned_data.get(f"{name}__resolve") == "theirs":
                values[name] = original.get(name)
        return values

    def uploads(self) -> dict[str, list[Upload]]:
        """The new files of each file or image field (after is_valid), as plain values."""
        found: dict[str, list[Upload]] = {}
        for name in self.editable_names:
            if not isinstance(self.fields[name], FileRowsField):
                continue
            files = (self.cleaned_data.get(name) or {}).get("uploads") or []
            if files:
                found[name] = [
                    Upload(
                        name=upload.name or "file",
                        content=upload.read(),
                        content_type=upload.content_type or "application/octet-stream",
                    )
                    for upload in files
                ]
        return found

    def uploads_apply(
        self, file_ids: Mapping[str, list[str]], uploads: Mapping[str, list[Upload]]
    ) -> None:
        """Zoho's ids for the files of ``uploads``: they go out as ``File_Id__s`` rows on save,
        and are kept (``kept_files``) if this save does not happen."""
        for name, ids in file_ids.items():
            files = uploads.get(name) or []
            self.kept_files.setdefault(name, []).extend(
                {"id": file_id, "name": upload.name, "size": str(len(upload.content))}
                for file_id, upload in zip(ids, files, strict=False)
            )
        self._kept_apply()

    def kept_read(self, data: Any) -> None:
        """The kept files a POST brings back, less those the user removed; a token this form
        did not sign (another record's, altered) is ignored."""
        getlist = getattr(data, "getlist", lambda key: [])
        for name, field in self.fields.items():
            if not isinstance(field, FileRowsField):
                continue
            removed = set(getlist(f"{name}__kept_remove"))
            for token in getlist(f"{name}__kept"):
                try:
                    kept = signing.loads(token, salt=f"{self.salt}:kept-file:{name}")
                except signing.BadSignature:
                    continue
                if isinstance(kept, dict) and kept.get("id") and kept["id"] not in removed:
                    self.kept_files.setdefault(name, []).append(kept)
        self._kept_apply()

    def kept_take(self, other: RecordForm) -> RecordForm:
        """This form (a merged or rebased one built from ``other``) with ``other``'s kept
        files: nothing uploaded is lost on the way."""
        self.kept_files = {name: list(files) for name, files in other.kept_files.items()}
        self._kept_apply()
        return self

    def _kept_apply(self) -> None:
        self.uploaded = {
            name: [kept["id"] for kept in files] for name, files in self.kept_files.items()
        }
        for name, files in self.kept_files.items():
            salt = f"{self.salt}:kept-file:{name}"
            self.fields[name].widget.kept = [
                {
                    "token": signing.dumps(kept, salt=salt),
                    "id": kept["id"],
                    "name": kept["name"],
                    "size": size_text(kept.get("size")),
                }
                for kept in files
            ]
        for key in ("submitted", "changes"):
            self.__dict__.pop(key, None)

    def file_links(self, url_base: str) -> None:
        """Where this page's image previews come from (``records:file`` for the record)."""
        for field in self.fields.values():
            if isinstance(field.widget, FileRowsWidget):
                field.widget.file_url = url_base

    @cached_property
    def append_values(self) -> dict[str, bool]:
        return {
            name: True
            for name in self.editable_names
            if self.cleaned_data.get(f"{name}__append") == "append"
        }

    @cached_property
    def changes(self) -> dict[str, Any]:
        """Only the changed fields, in Zoho's JSON form; ``{}`` when nothing changed."""
        return update_payload_build(
            fields=list(self.metadata.values()),
            original=self.form_state.original,
            submitted=self.submitted,
            append_values=self.append_values,
        )

    def changes_named(self) -> dict[str, Any]:
        """``changes`` as the audit keeps them for the history: a lookup with the name of the
        record picked, a linked record added with its name (Zoho takes ids only)."""
        named = dict(self.changes)
        for name, sent in named.items():
            value, field = self.submitted.get(name), self.fields.get(name)
            if isinstance(sent, Mapping) and isinstance(value, Mapping) and value.get("name"):
                if str(sent.get("id")) == str(value.get("id")):
                    named[name] = {**sent, "name": value["name"]}
            elif isinstance(sent, list) and isinstance(field, RowsField) and field.inner:
                cleaned = self.cleaned_data.get(name) or {}
                added, names = cleaned.get("add") or [], cleaned.get("names") or []
                names = dict(zip(added, names, strict=False))
                named[name] = [_row_named(row, field.inner, names) for row in sent]
        return named

    def changed_names(self) -> list[str]:
        return [name for name in self.changes if not name.startswith("$")]

    def label_of(self, name: str) -> str:
        meta = self.metadata.get(name)
        return (meta.field_label if meta else "") or name

    @property
    def trigger(self) -> list[str] | None:
        """The automations to run on save (after is_valid); None: all of them, Zoho's default."""
        chosen = self.cleaned_data.get("crm_trigger") or []
        return None if len(chosen) == len(TRIGGERS) else list(chosen)

    def after_save(self, *, modified_time: str, record: Mapping[str, Any] | None) -> RecordForm:
        """A fresh form after a save: from the record read again (what Zoho holds), else (that
        read failed) from what was sent, guarded by the save's Modified_Time. Rows are kept as
        they were typed, so rows Zoho added show without ids: unchanged, they are never sent
        again (a row without id is sent only when its inputs change)."""
        if record is not None:
            return type(self)(salt=self.salt, record=record)
        original = dict(self.form_state.original)
        for name in self.changed_names():
            value, sent = self.submitted.get(name), self.changes[name]
            if isinstance(sent, list):
                original[name] = rows_after_save(original.get(name), sent)
            else:
                original[name] = value if isinstance(value, dict) else sent
        state = replace(
            self.form_state, modified_time=modified_time, original=original, conflicts={}
        )
        return type(self)(salt=self.salt, state=state)

    def rebased(self, current: Mapping[str, Any]) -> RecordForm:
        """The form on ``current`` (the record as Zoho holds it now, guarded by its
        Modified_Time) with the user's values kept in the fields they changed: for a save whose
        fate is unknown, so the next save sends only what still differs, blaming no one."""
        values = dict(current)
        for name in self.changed_names():
            values[name] = self._mine_shown(self.metadata[name], current.get(name))
        state = replace(
            self.form_state,
            modified_time=str(current.get("Modified_Time") or ""),
            original={name: current.get(name) for name in self.metadata},
            conflicts={},
        )
        return type(self)(salt=self.salt, state=state, values=values)

    def theirs_taken(self, name: str) -> RecordForm:
        """The merge screen again with Zoho's value in ``name``'s input and no choice left for
        it; the user's values stay in every other field (the fields that pass validation)."""
        self.is_valid()  # for cleaned_data; errors show again when the user saves
        original = self.form_state.original
        values = dict(original)
        for other in self.editable_names:
            if other == name or (other not in self.cleaned_data and other not in self.subforms):
                continue
            if self.cleaned_data.get(f"{other}__resolve") == "theirs":
                continue
            values[other] = self._mine_shown(self.metadata[other], original.get(other))
        conflicts = {key: value for key, value in self.form_state.conflicts.items() if key != name}
        state = replace(self.form_state, conflicts=conflicts)
        form = type(self)(salt=self.salt, state=state, values=values)
        form.merged = {"mine": [], "theirs": [name]}
        form.conflict_rows = [
            {
                "name": key,
                "label": self.label_of(key),
                "loaded": conflict.get("loaded"),
                "theirs": conflict.get("theirs"),
                "mine": self.submitted.get(key),
            }
            for key, conflict in conflicts.items()
        ]
        return form

    def already_saved_in(self, current: Mapping[str, Any]) -> bool:
        """True when ``current`` already holds every value this form would send (an earlier
        save whose answer was lost had landed): a 412 then is no one else's doing."""
        names = self.changed_names()
        return bool(names) and all(
            same_value(self.metadata[name], current.get(name), self.submitted.get(name))
            for name in names
        )

    def after_conflict(self, current: Mapping[str, Any]) -> RecordForm:
        """The form again on ``current`` (the record as Zoho has it now), merged: fields only the
        user changed keep the user's value, fields only Zoho changed take Zoho's, and fields both
        changed differently are for the user to choose (``conflict_rows``). It carries the new
        Modified_Time; nothing typed is lost."""
        loaded = self.form_state.original
        mine = set(self.changed_names())
        values = dict(current)
        conflicts, merged = {}, {"mine": [], "theirs": []}
        for name in self.editable_names:
            meta = self.metadata[name]
            theirs_changed = not same_value(meta, loaded.get(name), current.get(name))
            if name not in mine:
                if theirs_changed:
                    merged["theirs"].append(name)
                continue
            values[name] = self._mine_shown(meta, current.get(name))
            if theirs_changed and not same_value(meta, current.get(name), self.submitted[name]):
                conflicts[name] = {"loaded": loaded.get(name), "theirs": current.get(name)}
            else:
                merged["mine"].append(name)
        state = replace(
            self.form_state,
            modified_time=str(current.get("Modified_Time") or ""),
            original={name: current.get(name) for name in self.metadata},
            conflicts=conflicts,
        )
        form = type(self)(salt=self.salt, state=state, values=values)
        form.merged = merged
        form.conflict_rows = [
            {
                "name": name,
                "label": self.label_of(name),
                "loaded": conflict["loaded"],
                "theirs": conflict["theirs"],
                "mine": self.submitted.get(name),
            }
            for name, conflict in conflicts.items()
        ]
        return form

    def _mine_shown(self, meta: Field, current: Any) -> Any:
        """The user's value, in the form the merged form shows it."""
        if not data_type_of(meta).rows:
            return self.submitted.get(meta.api_name, current)
        posted = self.cleaned_data.get(meta.api_name) or {}
        return {
            "rows_shown": self.fields[meta.api_name].rows_shown(current),
            "remove": posted.get("remove", []),
            "add": posted.get("add", []),
            "names": posted.get("names", []),
        }


def rows_after_save(before: Any, sent: list[Any]) -> list[dict[str, Any]]:
    """A row-based field's rows after a save whose result could not be read: kept rows with
    the changes sent, removed rows gone, new rows as sent (without the ids Zoho gave them)."""
    removed = {str(row.get("id")) for row in sent if isinstance(row, dict) and "_delete" in row}
    updates = {str(row["id"]): row for row in sent if isinstance(row, dict) and row.get("id")}
    rows = [
        {**row, **updates.get(str(row["id"]), {})}
        for row in before or []
        if isinstance(row, Mapping) and row.get("id") and str(row["id"]) not in removed
    ]
    return rows + [dict(row) for row in sent if isinstance(row, dict) and not row.get("id")]


def same_value(meta: Field, first: Any, second: Any) -> bool:
    """True when Zoho would see no change between two values of one field."""
    name = meta.api_name
    return not update_payload_build(fields=[meta], original={name: first}, submitted={name: second})


NAME_FIELDS = (
    "Full_Name",
    "Name",
    "Deal_Name",
    "Account_Name",
    "Subject",
    "Product_Name",
    "Event_Title",
    "Vendor_Name",
    "Campaign_Name",
    "Solution_Title",
    "Price_Book_Name",
    "Last_Name",
    "Email",
)


def _row_named(row: Any, inner: str, names: Mapping[str, str]) -> Any:
    """A linking row as sent, its linked record with the name the picker gave it."""
    target = row.get(inner) if isinstance(row, Mapping) else None
    if isinstance(target, Mapping) and str(target.get("id")) in names:
        return {**row, inner: {**target, "name": names[str(target.get("id"))]}}
    return row


def _linked_records(field: forms.Field | None, rows: Any) -> list[tuple[str, str]]:
    """(id, name) of the records a multi-select lookup's rows link, the field's ``inner`` key
    of each linking row; none for files (no ``inner``) or rows without a linked id."""
    inner = getattr(field, "inner", None)
    if not inner or isinstance(field, FileRowsField) or not isinstance(rows, list):
        return []
    linked = []
    for row in rows:
        target = row.get(inner) if isinstance(row, Mapping) else None
        if isinstance(target, Mapping) and target.get("id"):
            record_id = str(target["id"])
            linked.append((record_id, display_text(target) or record_id))
    return linked


def record_name_of(record: Mapping[str, Any]) -> str:
    """The words a person knows the record by: the module's usual name field. A person's record
    not in Zoho yet has no Full_Name (Zoho composes it): first and last name then. A lookup (a
    contact's or a deal's Account_Name) names another record, never this one."""
    for name in NAME_FIELDS:
        value = record.get(name)
        if name == "Full_Name" and not value:
            parts = (str(record.get(part) or "").strip() for part in ("First_Name", "Last_Name"))
            value = " ".join(part for part in parts if part)
        if value and not isinstance(value, Mapping | list):
            return str(value)[:255]
    return str(record.get("id") or "")


def _first_row_error(formset: forms.BaseFormSet) -> str:
    for index, errors in enumerate(formset.errors):
        for messages in errors.values():
            return f"Row {index + 1}: {messages[0]}"
    return next((str(error) for error in formset.non_form_errors()), "")


def _rows_submitted(field: forms.Field, loaded: Any, posted: Mapping[str, list[str]]) -> list:
    removed = set(posted.get("remove") or [])
    kept = [row for row in loaded or [] if str(row.get("id")) not in removed]
    if isinstance(field, RowsField) and field.inner:
        return [*kept, *posted.get("add", [])]
    return kept


def record_form_class(
    *, fields: Sequence[Field], layout: Layout | None, context: FormContext
) -> type[RecordForm]:
    """The form class for a module's metadata and layout; built once per metadata version (the
    metadata, layout and context are frozen dataclasses, so equal metadata finds the class)."""
    return _form_class(tuple(fields), layout, context)


@lru_cache(maxsize=256)
def _form_class(
    fields: tuple[Field, ...], layout: Layout | None, context: FormContext
) -> type[RecordForm]:
    by_name = {meta.api_name: meta for meta in fields if meta.api_name}
    sections, required = sections_for(layout, by_name)
    shown = [name for section in sections for name in section.names]
    attrs: dict[str, Any] = {
        "metadata": {name: by_name[name] for name in shown},
        "sections": sections,
        "context": context,
    }
    for name in shown:
        meta = by_name[name]
        attrs[name] = form_field_for(meta, context, required=name in required)
        if data_type_of(meta).appendable and meta.is_writable:
            attrs[f"{name}__append"] = forms.ChoiceField(
                choices=APPEND_CHOICES,
                initial="replace",
                required=False,
                widget=forms.RadioSelect(attrs=CHOICE_LIST),
                label="When saving",
            )
    form_class = type("RecordForm", (RecordForm,), attrs)
    form_class.base_fields = SharedFields(form_class.base_fields)
    return form_class


class SharedFields(dict):
    """A record form class's fields, which each form copies as Django does, but shallowly: every
    field and widget (a lookup's inner ones too) is new, with their own attrs, error messages
    and validators; their choices are shared (issue #16: Django's deep copy of fifty fields and
    all their choices cost about 1 ms per open). A form changes its fields only by assigning
    (``widget.choices = ...``, ``self.fields[name] = ...``), never a shared list in place."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        return {name: _field_copy(field) for name, field in self.items()}


def _field_copy(field: forms.Field) -> forms.Field:
    new = copy.copy(field)
    new.widget = _widget_copy(field.widget)
    new.error_messages = dict(field.error_messages)
    new.validators = list(field.validators)
    if isinstance(field, forms.MultiValueField):
        new.fields = tuple(_field_copy(inner) for inner in field.fields)
    return new


def _widget_copy(widget: forms.Widget) -> forms.Widget:
    new = copy.copy(widget)
    new.attrs = dict(widget.attrs)
    if isinstance(widget, forms.MultiWidget):
        new.widgets = [_widget_copy(inner) for inner in widget.widgets]
    return new
