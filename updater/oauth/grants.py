"""The accounts server's token endpoint: consent URL, code exchange, refresh, revoke
(zoho-api.md §1)."""

from __future__ import annotations

import math
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
from updater.oauth.centres import check_accounts_url
from updater.tokens import Redacted

# The longest lifetime a token answer may claim (Zoho's is one hour); anything else is unreadable.
MAX_EXPIRES_SECONDS = 366 * 24 * 3600


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
    allow_custom_domains: bool = False,
) -> TokenResponse:
    """Trade the single-use grant code for an access token and a refresh token."""
    return _token_grant(
        accounts_url=accounts_url,
        client=client,
        grant_type="authorization_code",
        grant=Redacted(redirect_uri=client.redirect_uri, code=code),
        session=session,
        timeout=timeout,
        now=now,
        allow_custom_domains=allow_custom_domains,
    )


def token_refresh(
    *,
    accounts_url: str,
    client: OAuthClient,
    refresh_token: str,
    session: requests.Session | None = None,
    timeout: float = 20,
    now: datetime | None = None,
    allow_custom_domains: bool = False,
) -> TokenResponse:
    """A new access token. Zoho does not rotate refresh tokens, so none comes back."""
    return _token_grant(
        accounts_url=accounts_url,
        client=client,
        grant_type="refresh_token",
        grant=Redacted(refresh_token=refresh_token),
        session=session,
        timeout=timeout,
        now=now,
        allow_custom_domains=allow_custom_domains,
    )


def token_revoke(
    *,
    accounts_url: str,
    token: str,
    session: requests.Session | None = None,
    timeout: float = 20,
    allow_custom_domains: bool = False,
) -> None:
    """Revoke a refresh token (and its access tokens). The token goes in the form body, not the
    URL, so it never lands in a log line or an error message."""
    _token_post(
        accounts_url=accounts_url,
        suffix="/revoke",
        form=Redacted(token=token),
        session=session,
        timeout=timeout,
        allow_custom_domains=allow_custom_domains,
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


def _token_grant(
    *,
    accounts_url: str,
    client: OAuthClient,
    grant_type: str,
    grant: Mapping[str, str],
    session: requests.Session | None,
    timeout: float,
    now: datetime | None,
    allow_custom_domains: bool,
) -> TokenResponse:
    """POST one grant (the client's credentials plus ``grant``) and read the token answer."""
    form = Redacted(
        grant_type=grant_type,
        client_id=client.client_id,
        client_secret=client.client_secret,
        **grant,
    )
    body = _token_post(
        accounts_url=accounts_url,
        form=form,
        session=session,
        timeout=timeout,
        allow_custom_domains=allow_custom_domains,
    )
    return _token_response(body=body, now=now)


def _token_post(
    *,
    accounts_url: str,
    suffix: str = "",
    form: Redacted,
    session: requests.Session | None,
    timeout: float,
    allow_custom_domains: bool,
) -> Redacted:
    """POST ``form`` to the token endpoint, once the accounts server is known to be Zoho's."""
    accounts = check_accounts_url(accounts_url=accounts_url, allow_custom=allow_custom_domains)
    http = session or requests.Session()
    with transport_errors_raised(service="Zoho accounts"):
        response = http.post(f"{accounts}/oauth/v2/token{suffix}", data=form, timeout=timeout)
    try:
        body = Redacted(body_parse(response.content) or {})
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
    seconds = _expires_seconds(body)
    return TokenResponse(
        access_token=str(body["access_token"]),
        refresh_token=body.get("refresh_token"),
        expires_at=(now or datetime.now(UTC)) + timedelta(seconds=seconds),
        api_domain=str(body.get("api_domain") or ""),
        scope=str(body.get("scope") or ""),
    )


def _expires_seconds(body: Mapping[str, Any]) -> float:
    """The token's lifetime; an answer whose lifetime is not a sensible number is unreadable."""
    # Legacy answers carry expires_in in milliseconds next to expires_in_sec (zoho-api.md §1.3).
    given = body.get("expires_in_sec") or body.get("expires_in") or 3600
    try:
        seconds = float(given)
    except (TypeError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_EXPIRES_SECONDS):
        raise OAuthError(
            error="invalid_response",
            message="The token answer gives no usable lifetime for the access token",
        )
    return seconds
