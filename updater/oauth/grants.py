"""The accounts server's token endpoint: consent URL, code exchange, refresh, revoke
(zoho-api.md §1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from updater.errors import (
    InvalidClientError,
    InvalidClientSecretError,
    InvalidCodeError,
    OAuthError,
    TokenThrottledError,
    body_excerpt,
    body_parse,
    transport_errors_raised,
)


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str = ""


@dataclass(frozen=True)
class TokenResponse:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    api_domain: str
    scope: str


def authorize_url(*, accounts_url: str, client: OAuthClient, scopes: list[str], state: str) -> str:
    """The consent page URL; ``offline`` + ``consent`` so Zoho issues a refresh token every time."""
    query = urlencode(
        {
            "scope": ",".join(scopes),
            "client_id": client.client_id,
            "response_type": "code",
            "access_type": "offline",
            "prompt": "consent",
            "redirect_uri": client.redirect_uri,
            "state": state,
        }
    )
    return f"{accounts_url.rstrip('/')}/oauth/v2/auth?{query}"


def token_exchange_code(
    *,
    accounts_url: str,
    client: OAuthClient,
    code: str,
    session: requests.Session | None = None,
    timeout: float = 20,
    now: datetime | None = None,
) -> TokenResponse:
    """Trade the single-use grant code for an access token and a refresh token."""
    return _token_grant(
        accounts_url=accounts_url,
        client=client,
        grant_type="authorization_code",
        grant={"redirect_uri": client.redirect_uri, "code": code},
        session=session,
        timeout=timeout,
        now=now,
    )


def token_refresh(
    *,
    accounts_url: str,
    client: OAuthClient,
    refresh_token: str,
    session: requests.Session | None = None,
    timeout: float = 20,
    now: datetime | None = None,
) -> TokenResponse:
    """A new access token. Zoho does not rotate refresh tokens, so none comes back."""
    return _token_grant(
        accounts_url=accounts_url,
        client=client,
        grant_type="refresh_token",
        grant={"refresh_token": refresh_token},
        session=session,
        timeout=timeout,
        now=now,
    )


def token_revoke(
    *,
    accounts_url: str,
    token: str,
    session: requests.Session | None = None,
    timeout: float = 20,
) -> None:
    """Revoke a refresh token (and its access tokens). The token goes in the form body, not the
    URL, so it never lands in a log line or an error message."""
    _token_post(
        url=_token_url(accounts_url, "/revoke"),
        form={"token": token},
        session=session,
        timeout=timeout,
    )


THROTTLED = (
    TokenThrottledError,
    "Too many token requests; Zoho allows 10 per refresh token every 10 minutes",
)
OAUTH_ERRORS: dict[str, tuple[type[OAuthError], str]] = {
    "invalid_code": (
        InvalidCodeError,
        "The authorization code or refresh token was already used, has expired or was revoked",
    ),
    "invalid_client": (
        InvalidClientError,
        "Zoho does not know this client id; this usually means the wrong data centre",
    ),
    "invalid_client_secret": (InvalidClientSecretError, "The client secret is wrong"),
    "access denied": THROTTLED,
    "access_denied": THROTTLED,
}


def oauth_error_from(body: Mapping[str, Any]) -> OAuthError:
    error = str(body.get("error"))
    description = str(body.get("error_description") or "")
    error_class, message = OAUTH_ERRORS.get(
        error.lower(), (OAuthError, f"The token endpoint refused the request ({error})")
    )
    return error_class(error=error, message=message, description=description)


def _token_url(accounts_url: str, suffix: str = "") -> str:
    return f"{accounts_url.rstrip('/')}/oauth/v2/token{suffix}"


def _token_grant(
    *,
    accounts_url: str,
    client: OAuthClient,
    grant_type: str,
    grant: Mapping[str, str],
    session: requests.Session | None,
    timeout: float,
    now: datetime | None,
) -> TokenResponse:
    """POST one grant (the client's credentials plus ``grant``) and read the token answer."""
    form = {
        "grant_type": grant_type,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        **grant,
    }
    body = _token_post(url=_token_url(accounts_url), form=form, session=session, timeout=timeout)
    return _token_response(body=body, now=now)


def _token_post(
    *, url: str, form: Mapping[str, str], session: requests.Session | None, timeout: float
) -> dict[str, Any]:
    http = session or requests.Session()
    with transport_errors_raised(service="Zoho accounts"):
        response = http.post(url, data=form, timeout=timeout)
    try:
        body = body_parse(response.content) or {}
    except ValueError as error:
        raise OAuthError(
            error="invalid_response",
            message=f"Zoho accounts answered HTTP {response.status_code} with a body that is "
            f"not JSON: {body_excerpt(response.content)!r}",
        ) from error
    if "error" in body:
        raise oauth_error_from(body)
    if response.status_code >= 400:
        raise OAuthError(
            error=f"http_{response.status_code}",
            message=f"Zoho accounts answered HTTP {response.status_code}",
        )
    return body


def _token_response(*, body: Mapping[str, Any], now: datetime | None) -> TokenResponse:
    if not body.get("access_token"):
        raise OAuthError(error="invalid_response", message="The token answer has no access token")
    # Legacy answers carry expires_in in milliseconds next to expires_in_sec (zoho-api.md §1.3).
    seconds = float(body.get("expires_in_sec") or body.get("expires_in") or 3600)
    return TokenResponse(
        access_token=str(body["access_token"]),
        refresh_token=body.get("refresh_token"),
        expires_at=(now or datetime.now(UTC)) + timedelta(seconds=seconds),
        api_domain=str(body.get("api_domain") or ""),
        scope=str(body.get("scope") or ""),
    )
