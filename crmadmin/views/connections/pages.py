"""Staff pages for connections: the health list, add, edit, detail and delete."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from crmadmin.forms.connections import ConnectionForm
from crmadmin.models import ApiCallLog, Connection
from crmadmin.permissions import staff_required
from crmadmin.security import form_action_allow
from crmadmin.services.connections import (
    STATUS_HELP,
    error_text,
    missing_scopes,
    scope_covers,
    token_revoke_and_wipe,
)
from updater.errors import ZohoError


def _with_calls_today(connections):
    today = ApiCallLog.objects.filter(connection=OuterRef("pk"), day=timezone.localdate())
    return connections.annotate(calls_today=Subquery(today.values("calls")[:1]))


@staff_required
def connection_list(request: HttpRequest) -> HttpResponse:
    connections = _with_calls_today(Connection.objects.all())
    for connection in connections:
        connection.help = STATUS_HELP.get(connection.status, "")
        connection.missing = missing_scopes(connection)
    context = {"connections": connections, "nav": "connections"}
    return render(request, "crmadmin/connection_list.html", context)


@staff_required
def connection_detail(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = get_object_or_404(_with_calls_today(Connection.objects.all()), pk=connection_id)
    granted = connection.granted_scope_list
    scopes = [
        (scope, not granted or scope_covers(granted, scope)) for scope in connection.scope_list
    ]
    context = {
        "connection": connection,
        "help": STATUS_HELP.get(connection.status, ""),
        "scopes": scopes,
        "granted_reported": bool(granted),
        "now": timezone.now(),
        "nav": "connections",
    }
    response = render(request, "crmadmin/connection_detail.html", context)
    if settings.ZOHO_ALLOW_CUSTOM_DOMAINS:
        form_action_allow(response, connection.accounts_server)
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def connection_add(request: HttpRequest) -> HttpResponse:
    return _connection_form(request, Connection())


@staff_required
@require_http_methods(["GET", "POST"])
def connection_edit(request: HttpRequest, connection_id: int) -> HttpResponse:
    return _connection_form(request, get_object_or_404(Connection, pk=connection_id))


def _connection_form(request: HttpRequest, connection: Connection) -> HttpResponse:
    form = ConnectionForm(request.POST or None, instance=connection)
    if request.method == "POST" and form.is_valid():
        connection = form.save()
        messages.success(request, f"Saved “{connection.name}”.")
        return redirect("connections:detail", connection_id=connection.pk)
    context = {"form": form, "connection": connection, "nav": "connections"}
    status = 422 if form.is_bound else 200
    return render(request, "crmadmin/connection_form.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def connection_delete(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=connection_id)
    if request.method == "POST":
        try:
            token_revoke_and_wipe(connection)
        except ZohoError as error:
            messages.warning(
                request,
                f"Zoho could not be told to revoke the tokens ({error_text(error)}) Remove "
                "crmadmin under Connected Apps in your Zoho account settings.",
            )
        connection.delete()
        messages.success(request, f"Deleted “{connection.name}”.")
        return redirect("connections:list")
    context = {"connection": connection, "nav": "connections"}
    return render(request, "crmadmin/connection_confirm_delete.html", context)
