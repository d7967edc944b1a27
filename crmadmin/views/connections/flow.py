"""The OAuth authorization-code flow for a connection, kept out of the views.

`state` is bound to the session, single use, and expires after ten minutes. What the callback
then does with the code (``accounts_server_detect``, ``tokens_exchange``) lives in
``crmadmin.services.connections``, shared with the management commands.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from crmadmin.models import Connection
from crmadmin.zoho import accounts_url_for, oauth_client_for
from updater.oauth import authorize_url

SESSION_KEY = "crmadmin_oauth_states"
STATE_TTL_SECONDS = 600


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
