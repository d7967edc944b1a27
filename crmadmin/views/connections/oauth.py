"""Connect (Zoho's consent page), the OAuth callback, Test and Revoke."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from crmadmin.models import Connection
from crmadmin.permissions import staff_required
from crmadmin.services.connections import (
    accounts_server_detect,
    connection_test,
    error_text,
    profile_fill_or_note,
    token_revoke_and_wipe,
    tokens_exchange,
)
from crmadmin.views.connections import flow
from updater.errors import ZohoError
from updater.metadata import Org

logger = logging.getLogger(__name__)


@staff_required
@require_POST
def connection_connect(request: HttpRequest, connection_id: int) -> HttpResponse:
    connection = get_object_or_404(Connection, pk=connection_id)
    return redirect(flow.flow_start(request, connection))


@staff_required
@require_GET
def oauth_callback(request: HttpRequest) -> HttpResponse:
    try:
        pending = flow.flow_claim(request, request.GET.get("state", ""))
    except flow.StateError as error:
        logger.warning("OAuth callback refused: state %s", error)
        context = {"reason": str(error), "nav": "connections"}
        return render(request, "crmadmin/connection_callback_error.html", context, status=400)
    connection = get_object_or_404(Connection, pk=pending.connection_id)
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(request, "Zoho sign-in was cancelled or refused, so nothing changed.")
        return redirect("connections:detail", connection_id=connection.pk)
    accounts_server_detect(connection, request.GET)
    try:
        tokens_exchange(connection, code=request.GET["code"], redirect_uri=pending.redirect_uri)
    except ZohoError as error:
        messages.error(request, f"Connecting failed. {error_text(error)}")
        return redirect("connections:detail", connection_id=connection.pk)
    if note := profile_fill_or_note(connection):
        messages.warning(request, note)
    messages.success(request, f"Connected “{connection.name}” to Zoho.")
    return redirect("connections:detail", connection_id=connection.pk)


@staff_required
@require_POST
def connection_test_view(request: HttpRequest, connection_id: int) -> HttpResponse:
    def passed(_: Connection, org: Org | None) -> str:
        return f"Test passed: Zoho answered for {org.company_name if org else 'the org'}."

    return _zoho_action(request, connection_id, connection_test, "Test failed.", passed)


@staff_required
@require_POST
def connection_revoke(request: HttpRequest, connection_id: int) -> HttpResponse:
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
