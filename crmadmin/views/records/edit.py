"""The record edit form: open (one GET), save (one PUT), field checks as the user types."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

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
    else:
        outcome = saving.record_save(**where, user=request.user, data=request.POST)
    context = {
        "connection": connection,
        "module": module,
        "record_id": record_id,
        "nav": "records",
        "outcome": outcome,
        "form": outcome.form,
        "check_url_base": reverse("records:edit", args=[connection.pk, module, record_id])
        + "field/",
    }
    partial = "#record-form" if request.htmx and request.method == "POST" else ""
    return render(request, f"crmadmin/record_edit.html{partial}", context, status=outcome.status)


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
