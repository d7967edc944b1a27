"""Pages for managing connections: the health list, add, edit, detail and delete; Connect (Zoho's
consent page), the OAuth callback, Test and Revoke. Each view checks the one Django permission
its act needs (``crmadmin.permissions.connection_permission_required``); Revoke and Delete show
a confirm page first.

The authorization-code flow's `state` is bound to the session, single use, and expires after ten
minutes. What the callback then does with the code (``accounts_server_detect``,
``tokens_exchange``) lives in ``crmadmin.services.connections``, shared with the management
commands.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crmadmin.budget import budget_of
from crmadmin.forms.connections import ConnectionForm, ConnectionGrantForm
from crmadmin.models import ApiCallLog, Connection, ConnectionGrant
from crmadmin.permissions import USABLE_STATUSES, connection_permission_required
from crmadmin.security import form_action_allow
from crmadmin.services import browse
from crmadmin.services.connections import (
    STATUS_HELP,
    accounts_server_detect,
    connection_test,
    error_text,
    grant_set,
    missing_scopes,
    profile_fill_or_note,
    scope_covers,
    token_revoke_and_wipe,
    tokens_exchange,
)
from crmadmin.zoho import (
    accounts_url_for,
    calls_shown,
    client_for,
    metadata_options,
    oauth_client_for,
)
from updater.errors import ZohoError
from updater.metadata import Org, modules_list
from updater.oauth import authorize_url

logger = logging.getLogger(__name__)

SESSION_KEY = "crmadmin_oauth_states"
STATE_TTL_SECONDS = 600


def _with_calls_today(connections):
    today = ApiCallLog.objects.filter(connection=OuterRef("pk"), day=timezone.localdate())
    return connections.annotate(calls_today=Subquery(today.values("calls")[:1]))


@connection_permission_required("view")
def connection_list(request: HttpRequest) -> HttpResponse:
    connections = [calls_shown(c) for c in _with_calls_today(Connection.objects.all())]
    for connection in connections:
        connection.help = STATUS_HELP.get(connection.status, "")
        connection.missing = missing_scopes(connection)
    context = {"connections": connections, "nav": "connections"}
    return render(request, "crmadmin/connection_list.html", context)


@connection_permission_required("view")
def connection_detail(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = get_object_or_404(_with_calls_today(Connection.objects.all()), pk=connection_id)
    calls_shown(connection)
    return _detail_page(request, connection)


def _detail_page(
    request: HttpRequest,
    connection: Connection,
    grant_form: ConnectionGrantForm | None = None,
    status: int = 200,
) -> HttpResponse:
    granted = connection.granted_scope_list
    scopes = [
        (scope, not granted or scope_covers(granted, scope)) for scope in connection.scope_list
    ]
    if grant_form is None and request.user.has_perm("crmadmin.change_connection"):
        grant_form = ConnectionGrantForm(modules=_module_choices(connection))
    context = {
        "connection": connection,
        "help": STATUS_HELP.get(connection.status, ""),
        "scopes": scopes,
        "granted_reported": bool(granted),
        "now": timezone.now(),
        "budget": budget_of(connection),
        "nav": "connections",
        "grants": connection.grants.select_related("group").order_by("group__name"),
        "grant_form": grant_form,
    }
    response = render(request, "crmadmin/connection_detail.html", context, status=status)
    if settings.ZOHO_ALLOW_CUSTOM_DOMAINS:
        form_action_allow(response, connection.accounts_server)
    return response


# -- access: which groups may edit records through a connection, and which modules ----------


def _module_choices(connection: Connection) -> list[tuple[str, str]] | None:
    """The connection's editable modules as (api_name, label), from the cached metadata; None when
    Zoho cannot be asked now (the form then takes typed API names)."""
    if connection.status not in USABLE_STATUSES:
        return None
    try:
        modules = modules_list(client=client_for(connection), **metadata_options(connection))
    except ZohoError:
        return None
    usable = browse.editable_modules(modules, None)
    choices = [(module.api_name, module.plural_label or module.api_name) for module in usable]
    known = {name for name, _ in choices}
    for grant in connection.grants.all():
        choices += [(name, name) for name in grant.module_list if name not in known]
    return choices


@connection_permission_required("change")
@require_POST
def connection_access(request: HttpRequest, connection_id: int) -> HttpResponse:
    """Grant a group the use of this connection (or change the modules of its grant)."""
    connection = get_object_or_404(_with_calls_today(Connection.objects.all()), pk=connection_id)
    calls_shown(connection)
    form = ConnectionGrantForm(request.POST, modules=_module_choices(connection))
    if not form.is_valid():
        return _detail_page(request, connection, grant_form=form, status=422)
    group, modules = form.cleaned_data["group"], form.cleaned_data["modules"]
    grant_set(connection=connection, group=group, modules=modules)
    where = ", ".join(modules) if modules else "every module"
    messages.success(request, f"{group.name} may edit {where} through “{connection.name}”.")
    return redirect(reverse("connections:detail", args=[connection.pk]) + "#access")


@connection_permission_required("change")
@require_POST
def connection_access_remove(
    request: HttpRequest, connection_id: int, grant_id: int
) -> HttpResponse:
    grant = get_object_or_404(ConnectionGrant, pk=grant_id, connection_id=connection_id)
    grant.delete()
    messages.success(
        request, f"{grant.group.name} may no longer edit records through “{grant.connection.name}”."
    )
    return redirect(reverse("connections:detail", args=[connection_id]) + "#access")


@connection_permission_required("add")
@require_http_methods(["GET", "POST"])
def connection_add(request: HttpRequest) -> HttpResponse:
    return _connection_form(request, Connection())


@connection_permission_required("change")
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


@connection_permission_required("delete")
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


# -- the OAuth authorization-code flow -----------------------------------------------------


class StateError(Exception):
    """The callback's state is missing, unknown, already used, expired or from another session."""


@dataclass(frozen=True)
class PendingFlow:
    connection_id: int
    redirect_uri: str


def redirect_uri_for(request: HttpRequest) -> str:
    return settings.ZOHO_REDIRECT_URI or request.build_absolute_uri(reverse("connections:callback"))


def flow_start(request: HttpRequest, connection: Connection) -> str:
    """Remember a fresh state in the session; return Zoho's consent URL."""
    state = secrets.token_urlsafe(32)
    redirect_uri = redirect_uri_for(request)
    now = time.time()
    pending = [p for p in request.session.get(SESSION_KEY, []) if p["expires_at"] > now]
    pending.append(
        {
            "state": state,
            "connection_id": connection.pk,
            "redirect_uri": redirect_uri,
            "expires_at": now + STATE_TTL_SECONDS,
        }
    )
    request.session[SESSION_KEY] = pending[-5:]
    return authorize_url(
        accounts_url=accounts_url_for(connection),
        client=oauth_client_for(connection, redirect_uri=redirect_uri),
        scopes=connection.scope_list,
        state=state,
    )


def flow_claim(request: HttpRequest, state: str) -> PendingFlow:
    """Consume the session's entry for `state` (single use); raise StateError if there is none."""
    pending = request.session.get(SESSION_KEY, [])
    match = next((p for p in pending if state and secrets.compare_digest(p["state"], state)), None)
    if match is None:
        raise StateError("missing or unknown")
    request.session[SESSION_KEY] = [p for p in pending if p is not match]
    if match["expires_at"] <= time.time():
        raise StateError("expired")
    return PendingFlow(connection_id=match["connection_id"], redirect_uri=match["redirect_uri"])


@connection_permission_required("change")
@require_POST
def connection_connect(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=connection_id)
    return redirect(flow_start(request, connection))


@connection_permission_required("change")
@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    try:
        pending = flow_claim(request, request.GET.get("state", ""))
    except StateError as error:
        logger.warning("OAuth callback refused: state %s", error)
        context = {"reason": str(error), "nav": "connections"}
        return render(request, "crmadmin/connection_callback_error.html", context, status=400)
    connection = get_object_or_404(Connection, pk=pending.connection_id)
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(request, "Zoho sign-in was cancelled or refused, so nothing changed.")
        return redirect("connections:detail", connection_id=connection.pk)
    accounts_server_detect(connection, accounts_server=request.GET.get("accounts-server", ""))
    try:
        tokens_exchange(connection, code=request.GET["code"], redirect_uri=pending.redirect_uri)
    except ZohoError as error:
        messages.error(request, f"Connecting failed. {error_text(error)}")
        return redirect("connections:detail", connection_id=connection.pk)
    if note := profile_fill_or_note(connection):
        messages.warning(request, note)
    messages.success(request, f"Connected “{connection.name}” to Zoho.")
    return redirect("connections:detail", connection_id=connection.pk)


@connection_permission_required("change")
@require_POST
def connection_test_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    def passed(_: Connection, org: Org | None) -> str:
        return f"Test passed: Zoho answered for {org.company_name if org else 'the org'}."

    return _zoho_action(request, connection_id, connection_test, "Test failed.", passed)


@connection_permission_required("revoke")
@require_http_methods(["GET", "POST"])
def connection_revoke(request: HttpRequest, connection_id: int) -> HttpResponse:
    """GET asks first (a page of its own, so it holds without JavaScript); POST revokes."""
    if request.method == "GET":
        connection = get_object_or_404(Connection, pk=connection_id)
        context = {"connection": connection, "nav": "connections"}
        return render(request, "crmadmin/connection_confirm_revoke.html", context)

    def passed(connection: Connection, _: None) -> str:
        return f"Revoked “{connection.name}” at Zoho and wiped its tokens."

    return _zoho_action(
        request, connection_id, token_revoke_and_wipe, "Nothing was revoked.", passed
    )


def _zoho_action(
    request: HttpRequest,
    connection_id: int,
    action: Callable[[Connection], Any],
    failed: str,
    passed: Callable[[Connection, Any], str],
) -> HttpResponse:
    """Run one Zoho action on a connection and say how it went on its detail page."""
    connection = get_object_or_404(Connection, pk=connection_id)
    try:
        result = action(connection)
    except ZohoError as error:
        messages.error(request, f"{failed} {error_text(error)}")
    else:
        messages.success(request, passed(connection, result))
    return redirect("connections:detail", connection_id=connection.pk)
