"""The record edit form: open (one GET), save (one PUT, then one GET: the page shows what Zoho
holds), field checks as the user types.

The view owns the request, as Django admin's change view does: it binds and validates the form,
calls ``services.saving`` with plain values, and chooses the page and its status (422 invalid,
409 conflict, 404 missing record or module, 502 unreachable or a save whose answer never came).
The outcome is shown at the top (the no-JavaScript form posts to ``#outcome``) and in the sticky
save bar, where ``static/crmadmin/records.js`` moves focus after an htmx save.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crmadmin.datatypes import is_rich_text
from crmadmin.forms.records.builder import RecordForm
from crmadmin.forms.records.fields import IMAGE_TYPES
from crmadmin.forms.records.loading import form_class_for, module_fields_reader
from crmadmin.forms.records.state import state_loads, state_salt
from crmadmin.forms.records.subforms import MAX_ROWS
from crmadmin.models import Connection
from crmadmin.permissions import connection_for
from crmadmin.problems import apply_zoho_error, problem_for, save_outcome_text, upload_text
from crmadmin.services.files import UploadRefused, file_of_record, files_upload
from crmadmin.services.saving import (
    Conflict,
    Failed,
    NotSaved,
    Saved,
    Unconfirmed,
    record_save,
)
from crmadmin.views.records import typed_names_resolve
from crmadmin.zoho import client_for, metadata_options
from updater.client import ZohoClient
from updater.errors import NotFoundError, ZohoError
from updater.metadata import Module, modules_cached
from updater.records import record_get

INVALID = "Some values need attention before saving."
UNCHANGED = "Nothing changed, so nothing was sent to Zoho."
MISSING = "This record does not exist in Zoho (any more)."
DELETED = "Someone deleted this record in Zoho after you opened it."
CONFLICT = "Someone else saved this record after you opened it. Nothing was saved yet."


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, connection_id: int, module: str, record_id: str) -> HttpResponse:
    connection = connection_for(request, connection_id, module)
    page = EditPage(request, connection, module, record_id)
    client = client_for(connection)
    try:
        if request.method == "GET":
            return _record_open(page, client)
        form = _bound_form(connection, client, module, record_id, request.POST, request.FILES)
    except NotFoundError as error:  # no such module in this org (INVALID_MODULE): a 404
        return page.render(None, status=404, level="error", error=error)
    except ZohoError as error:
        return page.render(None, status=502, level="error", error=error)
    if "add_row" in request.POST:  # the "Add a row" button: re-render, send nothing
        return _row_add(page, form, str(request.POST.get("add_row") or ""))
    if "discard" in request.POST:  # "Discard and reload" without JavaScript: ask first
        return page.render(form)
    if "use_theirs" in request.POST:  # the merge screen's "Use theirs": show it, send nothing
        return _theirs_use(page, form, str(request.POST.get("use_theirs") or ""))
    typed_names_resolve(request, connection, client, form)  # typed without the picker
    if not form.is_valid():
        # The files chosen beside a field that needs correcting are uploaded now and kept, so
        # they need not be chosen again (a browser cannot refill a file input).
        _uploads_keep(form, client)
        return page.render(form, status=422, level="error", message=INVALID)
    if refused := _uploads_keep(form, client):
        return page.render(form, status=422, level="error", error=refused.error)
    if not form.changes:
        return page.render(form, level="info", message=UNCHANGED)
    result = record_save(
        client=client,
        user=request.user,
        connection=connection,
        module=module,
        record_id=record_id,
        record_name=form.form_state.record_name,
        changes=form.changes,
        before=form.form_state.original,
        labels={name: form.label_of(name) for name in form.changed_names()},
        modified_time=form.form_state.modified_time,
        trigger=form.trigger,
        skip_cadences=bool(form.cleaned_data.get("crm_skip_cadences")),
        html_names=frozenset(
            name for name in form.changed_names() if is_rich_text(form.metadata[name])
        ),
        named=form.changes_named(),
    )
    return _outcome_page(page, form, result)


def _uploads_keep(form: RecordForm, client: ZohoClient) -> UploadRefused | None:
    """Send the new files of the form's valid file fields to Zoho's Files API; their ids go out
    as ``File_Id__s`` on save and are kept in the form if the save does not happen. A refusal
    is an error on its field (the files uploaded before it are kept)."""
    uploads = form.uploads()
    if not uploads:
        return None
    try:
        form.uploads_apply(files_upload(client=client, uploads=uploads), uploads)
    except UploadRefused as refused:
        form.uploads_apply(refused.file_ids, uploads)
        form.add_error(refused.field, upload_text(refused.error, file_name=refused.file_name))
        return refused
    return None


def _outcome_page(
    page: EditPage,
    form: RecordForm,
    result: Saved | Conflict | Failed | NotSaved | Unconfirmed,
) -> HttpResponse:
    """What the save came to, on the page: Zoho's record after a save; the input kept, with
    the truth about it, when the save was refused or its answer never came."""
    changed = "Changed: " + ", ".join(form.label_of(name) for name in form.changed_names()) + "."
    match result:
        case Saved(modified_time=modified_time, record=record, reread_error=None, answer_lost=lost):
            saved = form.after_save(modified_time=modified_time, record=record)
            note = save_outcome_text("landed") if lost else "Saved."
            return page.render(saved, message=f"{note} {changed}")
        case Saved(modified_time=modified_time):  # the PUT worked, reading it back did not
            saved = form.after_save(modified_time=modified_time, record=None)
            note = save_outcome_text("reread_failed")
            return page.render(saved, level="warning", message=f"{changed} {note}")
        case NotSaved():
            return page.render(
                form, status=502, level="error", message=save_outcome_text("not_landed")
            )
        case Unconfirmed(current=None):
            words = save_outcome_text("unconfirmed_unread")
            return page.render(form, status=502, level="warning", message=words)
        case Unconfirmed(current=current):
            words = save_outcome_text("unconfirmed_differs")
            rebased = form.rebased(current).kept_take(form)
            return page.render(rebased, status=502, level="warning", message=words)
        case Conflict(current=None):
            return page.render(form, status=422, level="error", message=DELETED)
        case Conflict(current=current) if form.already_saved_in(current):
            fresh = type(form)(salt=page.salt, record=current)
            return page.render(fresh, level="info", message=save_outcome_text("already_there"))
        case Conflict(current=current):
            merged = form.after_conflict(current).kept_take(form)
            return page.render(merged, status=409, level="warning", message=CONFLICT)
        case Failed(error=error):
            apply_zoho_error(form, error)
            return page.render(form, status=422, level="error", error=error)


def _record_open(page: EditPage, client: ZohoClient) -> HttpResponse:
    record = record_get(client=client, module=page.module, record_id=page.record_id)
    if record is None:
        return page.render(None, status=404, level="error", message=MISSING)
    layout_id = str((record.get("Layout") or {}).get("id") or "")
    form_class = form_class_for(
        connection=page.connection, client=client, module=page.module, layout_id=layout_id
    )
    return page.render(form_class(salt=page.salt, record=record))


def _row_add(page: EditPage, form: RecordForm, name: str) -> HttpResponse:
    """The posted form again with one more blank row in subform ``name``: every typed value
    kept, nothing validated, nothing sent to Zoho, the signed state untouched (so the later save
    diffs against the loaded record and sends its Modified_Time)."""
    if form.add_row(name):
        added = f"Added a row to {form.label_of(name)}. Nothing is sent to Zoho until you save."
        return page.render(form, level="info", message=added)
    if name in form.subforms:
        full = f"{form.label_of(name)} already has {MAX_ROWS} rows, the most this form takes."
        return page.render(form, level="warning", message=full)
    unknown = "No row was added: this form has no such table."
    return page.render(form, level="warning", message=unknown)


def _theirs_use(page: EditPage, form: RecordForm, name: str) -> HttpResponse:
    """The merge screen again with Zoho's value of ``name`` in its input (and its choice gone);
    every other typed value kept, nothing sent to Zoho."""
    if name not in form.form_state.conflicts:
        return page.render(
            form, level="warning", message="No field was changed: it has no conflict."
        )
    label = form.label_of(name)
    taken = f"{label} now shows Zoho's value. Nothing is sent to Zoho until you save."
    return page.render(form.theirs_taken(name), status=409, level="info", message=taken)


def _bound_form(
    connection: Connection,
    client: ZohoClient,
    module: str,
    record_id: str,
    data: Any,
    files: Any = None,
) -> RecordForm:
    """The posted form, built for the layout its signed state names (no API call when warm);
    the module's fields are read only for a field the layout hides that Zoho needs."""
    salt = state_salt(connection_id=connection.pk, module=module, record_id=record_id)
    try:
        layout_id = state_loads(data.get("crm_state") or "", salt=salt).layout_id
    except signing.BadSignature:
        layout_id = ""
    form_class = form_class_for(
        connection=connection, client=client, module=module, layout_id=layout_id
    )
    fields = module_fields_reader(connection=connection, client=client, module=module)
    return form_class(data, files, salt=salt, module_fields=fields)


class EditPage:
    """The record page for one request: the full page, or the ``#record-form`` partial when
    htmx posts."""

    def __init__(self, request: HttpRequest, connection: Connection, module: str, record_id: str):
        self.request = request
        self.connection = connection
        self.module = module
        self.record_id = record_id
        self.salt = state_salt(connection_id=connection.pk, module=module, record_id=record_id)

    def render(
        self,
        form: RecordForm | None,
        *,
        status: int = 200,
        level: str = "success",
        message: str = "",
        error: ZohoError | None = None,
    ) -> HttpResponse:
        request = self.request
        posted = request.method == "POST"
        if form is not None:
            form.file_links(_record_url(self.connection, self.module, self.record_id) + "file/")
        context = {
            "connection": self.connection,
            "module": self.module,
            "record_id": self.record_id,
            "nav": "records",
            "form": form,
            "notice": {"message": message, "level": level, "error": error},
            # Clone and Delete only where Zoho allows them, when the modules answer is cached
            # (no API call on open; not cached: shown, and their pages check).
            "known_module": _module_known(self.connection, self.module),
            "check_url_base": _check_url_base(self.connection, self.module, self.record_id),
            "discard_asked": posted and "discard" in request.POST,
            # Input the server sent back unsaved (refused, conflict, a row added, discard asked):
            # static/crmadmin/unsaved.js asks before the page drops it.
            "unsaved": posted
            and form is not None
            and form.is_bound
            and (status != 200 or "add_row" in request.POST or "discard" in request.POST),
        }
        partial = "#record-form" if request.htmx and request.method == "POST" else ""
        return render(request, f"crmadmin/record_edit.html{partial}", context, status=status)


def _record_url(connection: Connection, module: str, record_id: str) -> str:
    return reverse("records:edit", args=[connection.pk, module, record_id])


def _module_known(connection: Connection, module: str) -> Module | None:
    """The module as the cached modules answer has it (no API call); None when not cached."""
    modules = modules_cached(**metadata_options(connection)) or []
    return next((item for item in modules if item.api_name == module), None)


def _check_url_base(connection: Connection, module: str, record_id: str) -> str:
    return _record_url(connection, module, record_id) + "field/"


@login_required
@require_GET
def record_file(
    request, connection_id: int, module: str, record_id: str, file_id: str
) -> HttpResponse:
    """A file of the record's file or image fields, read from Zoho for the user whose grant
    opens this module (the file must be the record's). Images show inline (previews); any other
    file is a download, never rendered by the browser (an HTML file cannot run in crmadmin)."""
    connection = connection_for(request, connection_id, module)
    client = client_for(connection)
    try:
        record = record_get(client=client, module=module, record_id=record_id)
        found = file_of_record(client=client, record=record or {}, file_id=file_id)
    except NotFoundError:
        raise Http404("No such file in this Zoho org.") from None
    except ZohoError as error:
        return HttpResponse(problem_for(error).summary, status=502, content_type="text/plain")
    if found is None:
        raise Http404("This record has no such file.")
    guessed = mimetypes.guess_type(found.name)[0] or ""
    image = guessed in IMAGE_TYPES
    response = HttpResponse(
        found.content, content_type=guessed if image else "application/octet-stream"
    )
    response["Content-Disposition"] = content_disposition_header(not image, found.name)
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def field_check(request, connection_id: int, module: str, record_id: str, api_name: str):
    """Validate one field as the user leaves it; answers with that field's row (htmx)."""
    connection = connection_for(request, connection_id, module)
    try:
        form = _bound_form(connection, client_for(connection), module, record_id, request.POST)
    except NotFoundError:
        raise Http404("No such module in this Zoho org.") from None
    except ZohoError:
        return HttpResponse(status=204)  # metadata unreachable: the save will say why
    if api_name not in form.metadata:
        raise Http404("No such field on this form.")
    form.is_valid()
    context = {
        "form": form,
        "name": api_name,
        "check_url_base": _check_url_base(connection, module, record_id),
    }
    return render(request, "crmadmin/_field_check.html", context)
