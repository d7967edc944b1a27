"""Open a record for editing, save it, record the audit, and turn a 412 into a merge.

Opening costs one API call (GET the record) and saving one (PUT only the changes, guarded by
If-Unmodified-Since with the Modified_Time the form was loaded with), with warm metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core import signing

from crmadmin.forms.records import FormState, RecordForm, state_salt
from crmadmin.forms.records.state import state_loads
from crmadmin.forms.records.subforms import MAX_ROWS
from crmadmin.forms.records.types import ROW_TYPES
from crmadmin.models import AuditEntry, Connection
from crmadmin.problems import apply_zoho_error
from crmadmin.services.record_forms import form_class_for
from crmadmin.zoho import client_for
from updater.errors import ConflictError, ZohoError
from updater.metadata import Field
from updater.records import record_get, record_update, update_payload_build

# Fields whose value after a save is not the payload (rows, appended values): re-read them.
REREAD_TYPES = ROW_TYPES | {"subform", "multiselectpicklist"}


@dataclass
class EditOutcome:
    """What the view renders: the form (None when the record could not be opened), the HTTP
    status, a message for the top of the page, and the conflict, if one happened."""

    form: RecordForm | None
    status: int = 200
    message: str = ""
    level: str = "success"
    conflict: list[dict[str, Any]] = field(default_factory=list)
    merged: dict[str, list[str]] = field(default_factory=dict)
    error: ZohoError | None = None


def record_open(*, connection: Connection, module: str, record_id: str) -> EditOutcome:
    client = client_for(connection)
    try:
        record = record_get(client=client, module=module, record_id=record_id)
        if record is None:
            missing = "This record does not exist in Zoho (any more)."
            return EditOutcome(form=None, status=404, level="error", message=missing)
        layout_id = str((record.get("Layout") or {}).get("id") or "")
        form_class = form_class_for(
            connection=connection, client=client, module=module, layout_id=layout_id
        )
    except ZohoError as error:
        return EditOutcome(form=None, status=502, level="error", error=error)
    salt = state_salt(connection_id=connection.pk, module=module, record_id=record_id)
    return EditOutcome(form=form_class(salt=salt, record=record))


def bound_form(
    *, connection: Connection, module: str, record_id: str, data: Mapping[str, Any]
) -> RecordForm:
    """The posted form, built for the layout its signed state names (no API call when warm)."""
    salt = state_salt(connection_id=connection.pk, module=module, record_id=record_id)
    try:
        layout_id = state_loads(data.get("crm_state") or "", salt=salt).layout_id
    except signing.BadSignature:
        layout_id = ""
    client = client_for(connection)
    form_class = form_class_for(
        connection=connection, client=client, module=module, layout_id=layout_id
    )
    return form_class(data, salt=salt)


def record_add_row(
    *, connection: Connection, module: str, record_id: str, data: Mapping[str, Any]
) -> EditOutcome:
    """The posted form again with one more blank row in the subform named by ``add_row``: every
    typed value kept, nothing validated, nothing sent to Zoho, the signed state untouched (so
    the later save diffs against the loaded record and sends its Modified_Time)."""
    try:
        form = bound_form(connection=connection, module=module, record_id=record_id, data=data)
    except ZohoError as error:
        return EditOutcome(form=None, status=502, level="error", error=error)
    name = str(data.get("add_row") or "")
    if form.add_row(name):
        added = f"Added a row to {form.label_of(name)}. Nothing is sent to Zoho until you save."
        return EditOutcome(form=form, message=added, level="info")
    full = f"{form.label_of(name)} already has {MAX_ROWS} rows, the most this form takes."
    unknown = "No row was added: this form has no such table."
    return EditOutcome(
        form=form, message=full if name in form.subforms else unknown, level="warning"
    )


def record_save(
    *, user: Any, connection: Connection, module: str, record_id: str, data: Mapping[str, Any]
) -> EditOutcome:
    try:
        form = bound_form(connection=connection, module=module, record_id=record_id, data=data)
    except ZohoError as error:
        return EditOutcome(form=None, status=502, level="error", error=error)
    if not form.is_valid():
        return EditOutcome(
            form=form,
            status=422,
            level="error",
            message="Some values need attention before saving.",
        )
    changes = form.changes
    if not changes:
        return EditOutcome(
            form=form, message="Nothing changed, so nothing was sent to Zoho.", level="info"
        )
    client = client_for(connection)
    state = form.form_state
    options = form.cleaned_data
    triggers = options.get("crm_trigger") or []
    try:
        result = record_update(
            client=client,
            module=module,
            record_id=record_id,
            changes=changes,
            modified_time=state.modified_time,
            trigger=None if len(triggers) == len(form.fields["crm_trigger"].choices) else triggers,
            skip_cadences=bool(options.get("crm_skip_cadences")),
        )
    except ConflictError as error:
        audit_write(
            user=user,
            connection=connection,
            module=module,
            record_id=record_id,
            form=form,
            code=error.code,
            succeeded=False,
        )
        return conflict_outcome(client=client, form=form, module=module, record_id=record_id)
    except ZohoError as error:
        audit_write(
            user=user,
            connection=connection,
            module=module,
            record_id=record_id,
            form=form,
            code=getattr(error, "code", type(error).__name__),
            succeeded=False,
        )
        apply_zoho_error(form, error)
        return EditOutcome(form=form, status=422, level="error", error=error)
    audit_write(
        user=user,
        connection=connection,
        module=module,
        record_id=record_id,
        form=form,
        code=result.code,
        succeeded=True,
    )
    saved = saved_form(
        client=client,
        form=form,
        module=module,
        record_id=record_id,
        modified_time=str(result.details.get("Modified_Time") or ""),
    )
    labels = ", ".join(form.label_of(name) for name in form.changed_names())
    return EditOutcome(form=saved, message=f"Saved. Changed: {labels}.")


def saved_form(
    *, client: Any, form: RecordForm, module: str, record_id: str, modified_time: str
) -> RecordForm:
    """A fresh form after a save. Plain values are known from what was sent, so no GET is
    needed; rows and appended values are re-read, because Zoho decides their result."""
    names = form.changed_names()
    if not modified_time or any(form.metadata[n].data_type in REREAD_TYPES for n in names):
        record = record_get(client=client, module=module, record_id=record_id) or {}
        return type(form)(salt=form.salt, record=record)
    original = dict(form.form_state.original)
    for name in names:
        value = form.submitted.get(name)
        original[name] = value if isinstance(value, dict) else form.changes[name]
    state = FormState(
        modified_time=modified_time,
        original=original,
        record_name=form.form_state.record_name,
        layout_id=form.form_state.layout_id,
    )
    return type(form)(salt=form.salt, state=state)


def same_value(meta: Field, first: Any, second: Any) -> bool:
    """True when Zoho would see no change between two values of one field."""
    name = meta.api_name
    return not update_payload_build(fields=[meta], original={name: first}, submitted={name: second})


def conflict_outcome(*, client: Any, form: RecordForm, module: str, record_id: str) -> EditOutcome:
    """Re-read the record and merge: fields only the user changed keep the user's value, fields
    only Zoho changed take Zoho's, and fields both changed differently are for the user to
    choose. The new form carries the new Modified_Time; nothing typed is lost."""
    try:
        current = record_get(client=client, module=module, record_id=record_id)
    except ZohoError as error:
        apply_zoho_error(form, error)
        return EditOutcome(form=form, status=422, level="error", error=error)
    if current is None:
        deleted = "Someone deleted this record in Zoho after you opened it."
        return EditOutcome(form=form, status=422, level="error", message=deleted)
    loaded = form.form_state.original
    mine = set(form.changed_names())
    values = dict(current)
    conflicts, merged = {}, {"mine": [], "theirs": []}
    for name in form.editable_names:
        meta = form.metadata[name]
        theirs_changed = not same_value(meta, loaded.get(name), current.get(name))
        if name not in mine:
            if theirs_changed:
                merged["theirs"].append(name)
            continue
        values[name] = _mine_shown(form, meta, current.get(name))
        if theirs_changed and not same_value(meta, current.get(name), form.submitted[name]):
            conflicts[name] = {"loaded": loaded.get(name), "theirs": current.get(name)}
        else:
            merged["mine"].append(name)
    state = FormState(
        modified_time=str(current.get("Modified_Time") or ""),
        original={name: current.get(name) for name in form.metadata},
        conflicts=conflicts,
        record_name=form.form_state.record_name,
        layout_id=form.form_state.layout_id,
    )
    new_form = type(form)(salt=form.salt, state=state, values=values)
    rows = [
        {
            "name": n,
            "label": form.label_of(n),
            "loaded": c["loaded"],
            "theirs": c["theirs"],
            "mine": form.submitted.get(n),
        }
        for n, c in conflicts.items()
    ]
    return EditOutcome(
        form=new_form,
        status=409,
        level="warning",
        conflict=rows,
        merged=merged,
        message="Someone else saved this record after you opened it. Nothing was saved yet.",
    )


def _mine_shown(form: RecordForm, meta: Field, current: Any) -> Any:
    """The user's value, in the form the new form shows it."""
    if meta.data_type not in ROW_TYPES:
        return form.submitted[meta.api_name]
    posted = form.cleaned_data.get(meta.api_name) or {}
    return {
        "rows_shown": form.fields[meta.api_name].rows_shown(current),
        "remove": posted.get("remove", []),
        "add": posted.get("add", []),
    }


def audit_write(
    *,
    user: Any,
    connection: Connection,
    module: str,
    record_id: str,
    form: RecordForm,
    code: str,
    succeeded: bool,
) -> AuditEntry:
    original = form.form_state.original
    changes = [
        {
            "api_name": name,
            "label": form.label_of(name),
            "before": original.get(name),
            "after": form.changes[name],
        }
        for name in form.changed_names()
    ]
    return AuditEntry.objects.create(
        user=user,
        connection=connection,
        module=module,
        record_id=record_id,
        record_name=form.form_state.record_name,
        changes=changes,
        response_code=code,
        succeeded=succeeded,
    )
