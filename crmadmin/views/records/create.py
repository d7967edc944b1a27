"""New records (empty, or a clone of one) and deletions.

"New" on a module's list opens the empty form of the module's layout (a list of layouts first
when there are several); "Clone" on a record opens the same form prefilled. Both are saved with
Zoho's Insert Records API (``services.saving.record_create``) and refused the way edits are:
inline, with the typed values kept (422). "Delete" asks on its own page, naming the record, and
sends the record to Zoho's recycle bin (``services.saving.record_remove``). Each needs the module
to allow it in Zoho's metadata (``creatable`` / ``deletable``) and the user's grant.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from crmadmin.datatypes import is_rich_text
from crmadmin.forms.records.builder import RecordForm, record_name_of
from crmadmin.forms.records.loading import form_class_for, module_fields_reader
from crmadmin.forms.records.state import state_loads, state_salt
from crmadmin.models import Connection
from crmadmin.permissions import connection_for
from crmadmin.problems import apply_zoho_error, problem_for
from crmadmin.services import browse
from crmadmin.services.saving import (
    Created,
    Deleted,
    answer_lost,
    record_create,
    record_remove,
)
from crmadmin.views.records import typed_names_resolve
from crmadmin.zoho import client_for, metadata_options
from updater.client import ZohoClient
from updater.errors import ZohoError
from updater.records import record_get

NEW = "new"  # the record id in a new record's signed state and field-check URLs
INVALID = "Some values need attention before creating the record."
NOT_CREATED = "Zoho did not create the record."
MAYBE_CREATED = (
    "Zoho's answer never came, so the record may have been created. Look for it in the list "
    "before creating it again."
)
MISSING = "This record does not exist in Zoho (any more)."
REFUSED = {
    "create": "Zoho does not allow new {label} records through its API.",
    "delete": "Zoho does not allow {label} records to be deleted through its API.",
}


@login_required
@require_http_methods(["GET", "POST"])
def record_new(
    request: HttpRequest, connection_id: int, module: str, record_id: str | None = None
) -> HttpResponse:
    """The new-record form (``record_id``: the record to clone), and its save."""
    connection = connection_for(request, connection_id, module)
    client = client_for(connection)
    page = NewPage(request, connection, module, record_id)
    try:
        meta = _module_allowing(client, connection, module, "create")
        page.singular = meta.module.singular_label if meta.module else ""
        if request.method == "GET":
            return _form_open(page, client, meta, record_id)
        form = _bound_form(connection, client, module, request.POST)
    except ZohoError as error:
        return page.render(None, status=502, error=error)
    if "add_row" in request.POST:  # "Add a row": re-render with one more row, send nothing
        form.add_row(str(request.POST.get("add_row") or ""))
        return page.render(form)
    typed_names_resolve(request, connection, client, form)  # typed without the picker
    if not form.is_valid():
        return page.render(form, status=422, message=INVALID)
    result = record_create(
        client=client,
        user=request.user,
        connection=connection,
        module=module,
        record_name=record_name_of(form.submitted),
        values=form.changes,
        labels={name: form.label_of(name) for name in form.changed_names()},
        layout_id=form.form_state.layout_id,
        trigger=form.trigger,
        html_names=frozenset(
            name for name in form.changed_names() if is_rich_text(form.metadata[name])
        ),
        named=form.changes_named(),
    )
    if isinstance(result, Created):
        name = record_name_of(form.submitted)
        messages.success(request, f"Created {page.singular or 'the record'} “{name}” in Zoho.")
        url = reverse("records:edit", args=[connection.pk, module, result.record_id])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if answer_lost(result.error):  # it may have landed: say so, never "not created"
        return page.render(form, status=502, message=MAYBE_CREATED, error=result.error)
    apply_zoho_error(form, result.error)
    return page.render(form, status=422, message=NOT_CREATED, error=result.error)


def _form_open(
    page: NewPage, client: ZohoClient, meta: browse.ModuleMeta, record_id: str | None
) -> HttpResponse:
    """GET: the clone's form, the chosen layout's empty form, or the list of layouts."""
    record: dict[str, Any] = {}
    if record_id is not None:
        record = record_get(client=client, module=page.module, record_id=record_id) or {}
        if not record:
            return page.render(None, status=404, message=MISSING)
        layout_id = str((record.get("Layout") or {}).get("id") or "")
    else:
        layout_id = str(page.request.GET.get("layout") or "")
        if len(meta.layouts) == 1:
            layout_id = meta.layouts[0].id
        if layout_id not in {layout.id for layout in meta.layouts}:  # choose one first
            return page.render(None, layouts=meta.layouts)
    form_class = form_class_for(
        connection=page.connection, client=client, module=page.module, layout_id=layout_id
    )
    values = form_class.clone_values(record) if record else None
    form = form_class.blank(salt=page.salt, layout_id=layout_id, values=values)
    page.source_name = record_name_of(record) if record else ""
    return page.render(form)


def _bound_form(connection: Connection, client: ZohoClient, module: str, data: Any) -> RecordForm:
    """The posted new-record form, built for the layout its signed state names."""
    salt = state_salt(connection_id=connection.pk, module=module, record_id=NEW)
    try:
        layout_id = state_loads(data.get("crm_state") or "", salt=salt).layout_id
    except signing.BadSignature:
        layout_id = ""  # the form says the state is broken; no layout is guessed
    form_class = form_class_for(
        connection=connection, client=client, module=module, layout_id=layout_id
    )
    fields = module_fields_reader(connection=connection, client=client, module=module)
    return form_class(data, salt=salt, module_fields=fields)


def _module_allowing(
    client: ZohoClient, connection: Connection, module: str, act: str
) -> browse.ModuleMeta:
    """The module's metadata, if Zoho lets records of it be created / deleted (``act``). A new
    record's form comes from the layouts answer, so only a deletion (its audit labels every
    field) reads the fields answer."""
    meta = browse.module_meta(
        client=client,
        options=metadata_options(connection),
        module=module,
        with_fields=act == "delete",
    )
    if meta.module is None:
        raise Http404(f"“{module}” is not a module crmadmin can edit through this connection.")
    allowed = meta.module.creatable if act == "create" else meta.module.deletable
    if not allowed:
        raise PermissionDenied(REFUSED[act].format(label=meta.label or module))
    return meta


class NewPage:
    """The new-record page for one request: the full page, or the ``#record-form`` partial when
    htmx posts. With no form it shows the layouts to choose from, or an error."""

    def __init__(
        self, request: HttpRequest, connection: Connection, module: str, source_id: str | None
    ):
        self.request = request
        self.connection = connection
        self.module = module
        self.source_id = source_id
        self.source_name = ""
        self.singular = ""  # the module's singular label, once its metadata is read
        self.salt = state_salt(connection_id=connection.pk, module=module, record_id=NEW)

    def render(
        self,
        form: RecordForm | None,
        *,
        status: int = 200,
        message: str = "",
        error: ZohoError | None = None,
        layouts: Any = (),
    ) -> HttpResponse:
        request = self.request
        level = "error" if status >= 400 else "info"
        context = {
            "connection": self.connection,
            "module": self.module,
            "nav": "records",
            "form": form,
            "creating": True,
            "singular": self.singular or self.module,
            "layouts": layouts,
            "source_id": self.source_id,
            "source_name": self.source_name,
            "notice": {"message": message, "level": level if message else "", "error": error},
            "check_url_base": reverse("records:new", args=[self.connection.pk, self.module])
            + "field/",
            "unsaved": request.method == "POST" and form is not None and status != 200,
        }
        if request.htmx and request.method == "POST":
            template = "crmadmin/record_edit.html#record-form"
        else:
            template = "crmadmin/record_new.html"
        return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def record_delete_confirm(
    request: HttpRequest, connection_id: int, module: str, record_id: str
) -> HttpResponse:
    """GET: a page naming the record and asking; POST: delete it, then back to the list."""
    connection = connection_for(request, connection_id, module)
    client = client_for(connection)
    context: dict[str, Any] = {
        "connection": connection,
        "module": module,
        "record_id": record_id,
        "nav": "records",
    }
    try:
        meta = _module_allowing(client, connection, module, "delete")
        # Read now, also on POST: the audit keeps what Zoho held when it was deleted.
        record = record_get(client=client, module=module, record_id=record_id)
    except ZohoError as error:
        context["problem"] = problem_for(error)
        return render(request, "crmadmin/record_confirm_delete.html", context, status=502)
    if record is None:
        context["missing"] = MISSING
        return render(request, "crmadmin/record_confirm_delete.html", context, status=404)
    name = record_name_of(record)
    labels = {item.api_name: item.field_label for item in meta.fields}
    context.update(record_name=name, label=meta.label or module)
    if request.method == "GET":
        return render(request, "crmadmin/record_confirm_delete.html", context)
    result = record_remove(
        client=client,
        user=request.user,
        connection=connection,
        module=module,
        record=record,
        record_name=name,
        labels=labels,
        html_names=frozenset(item.api_name for item in meta.fields if is_rich_text(item)),
    )
    if isinstance(result, Deleted):
        words = (
            f"Deleted “{name}”. Zoho keeps it in its recycle bin, where an admin can restore it."
        )
        messages.success(request, words)
        return redirect("records:list", connection.pk, module)
    context["problem"] = problem_for(result.error, record=True)
    return render(request, "crmadmin/record_confirm_delete.html", context, status=422)
