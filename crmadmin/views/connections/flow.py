"""The OAuth authorization-code flow for a connection, kept out of the views.

`state` is bound to the session, single use, and expires after ten minutes. The callback's
`accounts-server` is trusted only when it is a known Zoho data centre (or the connection's own
custom host): the client secret is posted there, so it must never go to a host an attacker chose.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone

from crmadmin.models import Connection
from crmadmin.zoho import accounts_url_for, connection_profile_fill, oauth_client_for
from updater.errors import OAuthError, ZohoError
from updater.messages import user_message
from updater.oauth import (
    authorize_url,
    check_api_domain,
    data_centre_from_accounts_server,
    token_exchange_code,
)

SESSION_KEY = "crmadmin_oauth_states"
STATE_TTL_SECONDS = 600


class StateError(Exception):
    """The callback's state is missing, unknown, already used, expired or from another session."""


@dataclass(frozen=True)
class PendingFlow:
    connection_id: int
    redirect_uri: str


def error_text(error: ZohoError) -> str:
    """The one way a Zoho error becomes a sentence on a connection page."""
    message = user_message(error)
    return f"{message.title}. {message.detail} {message.next_step}"


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


def accounts_server_detect(connection: Connection, query: QueryDict) -> None:
    """Follow Zoho's `accounts-server`/`location` to the data centre the user really lives in."""
    given = query.get("accounts-server", "")
    centre = data_centre_from_accounts_server(given) if given else None
    if centre is not None and connection.data_centre != Connection.DataCentre.CUSTOM:
        connection.data_centre = centre.code
        connection.accounts_server = centre.accounts_url
        connection.api_domain = centre.api_domain_for(connection.environment)


def tokens_exchange(connection: Connection, *, code: str, redirect_uri: str) -> None:
    """Trade the grant code for tokens and store them on the connection (connected)."""
    answer = token_exchange_code(
        accounts_url=accounts_url_for(connection),
        client=oauth_client_for(connection, redirect_uri=redirect_uri),
        code=code,
        timeout=settings.ZOHO_TIMEOUT_SECONDS,
    )
    if not answer.refresh_token:
        raise OAuthError(
            error="no_refresh_token",
            message="Zoho granted access without a refresh token; connect again",
        )
    connection.api_domain = check_api_domain(
        api_domain=answer.api_domain or connection.api_domain,
        allow_custom=settings.ZOHO_ALLOW_CUSTOM_DOMAINS,
    )
    connection.refresh_token = answer.refresh_token
    connection.access_token = answer.access_token
    connection.access_token_expires_at = answer.expires_at
    connection.granted_scopes = answer.scope
    connection.status = Connection.Status.CONNECTED
    connection.last_error = ""
    connection.last_refresh_at = timezone.now()
    connection.last_error_at = None
    connection.save()


def profile_fill_or_note(connection: Connection) -> str:
    """Fill org and user details; return a warning sentence if Zoho would not tell."""
    try:
        connection_profile_fill(connection)
    except ZohoError as error:
        return f"Connected, but the org details could not be read: {error_text(error)}"
    return ""
