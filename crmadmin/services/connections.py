"""Connecting, testing and revoking a Connection, for the staff views and the management commands
alike: trade a grant code for tokens, fill in the org and user, test, revoke and wipe, and say
what went wrong in a person's words.

The callback's `accounts-server` is trusted only when it is a known Zoho data centre (or the
connection's own custom host): the client secret is posted there, so it must never go to a host an
attacker chose. The OAuth flow's session part (state, redirect) stays in
``crmadmin.views.connections``.
"""

from __future__ import annotations

from contextlib import suppress

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from crmadmin.models import Connection, ConnectionGrant
from crmadmin.problems import problem_for
from crmadmin.zoho import (
    accounts_url_for,
    client_for,
    metadata_options,
    oauth_client_for,
    success_forget,
)
from updater.errors import OAuthError, ZohoError
from updater.metadata import Org, org_get, users_list
from updater.oauth import (
    check_api_domain,
    data_centre_from_accounts_server,
    token_exchange_code,
    token_revoke,
)

# What a staff member should do about each state a failed refresh leaves behind.
STATUS_HELP = {
    Connection.Status.NEW: "Click Connect to sign in to Zoho and grant access.",
    Connection.Status.NEEDS_RECONNECT: (
        "Zoho no longer accepts this connection's refresh token (it was revoked, deleted, or "
        "replaced as the user's 21st token). Click Reconnect and sign in to Zoho again."
    ),
    Connection.Status.THROTTLED: (
        "Zoho refused new access tokens for a while: it allows 10 per refresh token every "
        "10 minutes. Wait ten minutes, then click Test; editing resumes by itself."
    ),
    Connection.Status.REVOKED: "The tokens were revoked and wiped. Reconnect to use it again.",
    Connection.Status.CONNECTED: "",
}


def error_text(error: ZohoError) -> str:
    """The one way a Zoho error becomes a sentence on a connection page."""
    return problem_for(error).sentence


def scope_covers(granted: list[str], needed: str) -> bool:
    """True if `needed` is granted, directly or through a broader `.ALL` scope."""
    wanted = needed.lower()
    for scope in (g.lower() for g in granted):
        if scope == wanted:
            return True
        prefix = scope.removesuffix(".all")
        if scope.endswith(".all") and wanted.startswith(prefix + "."):
            return True
    return False


def missing_scopes(connection: Connection) -> list[str]:
    """Needed scopes the tokens were not granted ([] when Zoho did not report what it granted)."""
    granted = connection.granted_scope_list
    if not granted:
        return []
    return [scope for scope in connection.scope_list if not scope_covers(granted, scope)]


def accounts_server_detect(connection: Connection, *, accounts_server: str) -> None:
    """Follow the callback's `accounts-server` to the data centre the user really lives in."""
    centre = data_centre_from_accounts_server(accounts_server) if accounts_server else None
    if centre is not None and connection.data_centre != Connection.DataCentre.CUSTOM:
        connection.data_centre = centre.code
        connection.accounts_server = centre.accounts_url
        connection.api_domain = centre.api_domain_for(connection.environment)


@sensitive_variables()
def tokens_exchange(connection: Connection, *, code: str, redirect_uri: str) -> None:
    """Trade the grant code for tokens and store them on the connection (connected)."""
    answer = token_exchange_code(
        accounts_url=accounts_url_for(connection),
        client=oauth_client_for(connection, redirect_uri=redirect_uri),
        code=code,
        timeout=settings.ZOHO_TIMEOUT_SECONDS,
        allow_custom_domains=settings.ZOHO_ALLOW_CUSTOM_DOMAINS,
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
    connection.last_refresh_at = timezone.now()
    # New tokens start a new health record: what the old ones did (success or error) is gone.
    health_forget(connection)
    connection.save()


def profile_fill_or_note(connection: Connection) -> str:
    """Fill org and user details; return a warning sentence if Zoho would not tell."""
    try:
        connection_profile_fill(connection)
    except ZohoError as error:
        return f"Connected, but the org details could not be read: {error_text(error)}"
    return ""


def connection_test(connection: Connection) -> Org | None:
    """One cheap call (the org). Success clears a throttle or stale error from the row."""
    org = org_get(client=client_for(connection))
    Connection.objects.filter(pk=connection.pk).exclude(
        status__in=[Connection.Status.NEW, Connection.Status.REVOKED]
    ).update(status=Connection.Status.CONNECTED, last_error="")
    return org


def connection_profile_fill(connection: Connection) -> Connection:
    """Ask Zoho which org and user the tokens act as, and store it (two cheap GETs).

    The org's time zone matters: edit forms show date-times in it.
    """
    client = client_for(connection)
    org = org_get(client=client)
    users = users_list(
        client=client, refresh=True, user_type="CurrentUser", **metadata_options(connection)
    )
    if org is not None:
        connection.org_id, connection.org_name = org.id, org.company_name
        connection.time_zone = org.time_zone
    if users:
        connection.zoho_user_name, connection.zoho_user_email = users[0].full_name, users[0].email
    connection.save(
        update_fields=["org_id", "org_name", "time_zone", "zoho_user_name", "zoho_user_email"]
    )
    return connection


@sensitive_variables()
def token_revoke_and_wipe(connection: Connection) -> None:
    """Revoke the refresh token at Zoho (its access tokens go with it), then wipe both here.

    If Zoho answers with an error the token was already unusable, so it is wiped all the same;
    if Zoho cannot be reached the TransportError propagates and the tokens stay.
    """
    token = connection.refresh_token or connection.access_token
    if token:
        with suppress(OAuthError):
            token_revoke(
                accounts_url=accounts_url_for(connection),
                token=token,
                timeout=settings.ZOHO_TIMEOUT_SECONDS,
                allow_custom_domains=settings.ZOHO_ALLOW_CUSTOM_DOMAINS,
            )
    connection.refresh_token = connection.access_token = ""
    connection.access_token_expires_at = None
    connection.status = Connection.Status.REVOKED
    connection.last_refresh_at = None
    health_forget(connection)
    connection.save()


def health_forget(connection: Connection) -> None:
    """Clear the last success and last error (not saved): after a revoke or a reconnect they
    describe tokens that no longer exist, and "Last successful call: just now" would mislead."""
    connection.last_success_at = None
    success_forget(connection.pk)
    connection.last_error = ""
    connection.last_error_at = None


def grant_set(*, connection: Connection, group: Group, modules: list[str]) -> ConnectionGrant:
    """Let `group` edit `modules` (all when empty) through `connection`, replacing its earlier
    grant. A grant only works for holders of `use_connection`, so the group gets it too."""
    grant, _ = ConnectionGrant.objects.update_or_create(
        connection=connection, group=group, defaults={"modules": ",".join(modules)}
    )
    group.permissions.add(
        Permission.objects.get(content_type__app_label="crmadmin", codename="use_connection")
    )
    return grant
