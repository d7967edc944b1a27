"""The record edit form: open (one GET), save (one PUT), field checks as the user types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from crmadmin.models import Connection
from crmadmin.permissions import connection_for
from crmadmin.services import saving
from updater.errors import ZohoError


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, connection_id: int, module: str, record_id: str) -> HttpResponse:
    connection = connection_for(request, connection_id, module)
    where = {"connection": connection, "module": module, "record_id": record_id}
    if request.method == "GET":
        outcome = saving.record_open(**where)
    elif "add_row" in request.POST:  # the "Add a row" button: re-render, send nothing
        outcome = saving.record_add_row(**where, data=request.POST)
    elif "discard" in request.POST:  # "Discard and reload" without JavaScript: ask first
        outcome = discard_ask(**where, data=request.POST)
    else:
        outcome = saving.record_save(**where, user=request.user, data=request.POST)
    context = {
        "connection": connection,
        "module": module,
        "record_id": record_id,
        "nav": "records",
        "outcome": outcome,
        "form": outcome.form,
        "discard_asked": "discard" in request.POST,
        # Input the server sent back unsaved (refused, conflict, a row added, discard asked):
        # static/crmadmin/unsaved.js asks before the page drops it.
        "unsaved": request.method == "POST"
        and outcome.form is not None
        and outcome.form.is_bound
        and (outcome.status != 200 or "add_row" in request.POST or "discard" in request.POST),
        "check_url_base": reverse("records:edit", args=[connection.pk, module, record_id])
        + "field/",
    }
    partial = "#record-form" if request.htmx and request.method == "POST" else ""
    return render(request, f"crmadmin/record_edit.html{partial}", context, status=outcome.status)


def discard_ask(
    *, connection: Connection, module: str, record_id: str, data: Mapping[str, Any]
) -> saving.EditOutcome:
    """The posted form again, every typed value kept and nothing sent: the page asks whether to
    drop them (the template shows the question above the form)."""
    try:
        form = saving.bound_form(
            connection=connection, module=module, record_id=record_id, data=data
        )
    except ZohoError as error:
        return saving.EditOutcome(form=None, status=502, level="error", error=error)
    return saving.EditOutcome(form=form)


@login_required
@require_POST
def field_check(request, connection_id: int, module: str, record_id: str, api_name: str):
    """Validate one field as the user leaves it; answers with that field's row (htmx)."""
    connection = connection_for(request, connection_id, module)
    try:
        form = saving.bound_form(
            connection=connection, module=module, record_id=record_id, data=request.POST
        )
    except ZohoError:
        return HttpResponse(status=204)  # metadata unreachable: the save will say why
    if api_name not in form.metadata:
        raise Http404("No such field on this form.")
    form.is_valid()
    base = reverse("records:edit", args=[connection.pk, module, record_id]) + "field/"
    context = {"form": form, "name": api_name, "check_url_base": base}
    return render(request, "crmadmin/_field_check.html", context)
