"""Zoho data centres and the accounts server's token endpoint (zoho-api.md §1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from updater.errors import (
    InvalidClientError,
    InvalidClientSecretError,
    InvalidCodeError,
    OAuthError,
    TokenThrottledError,
    TransportError,
    UnsafeDomainError,
    ZohoConnectionError,
    ZohoTimeout,
    body_excerpt,
    body_parse,
)

ENVIRONMENTS = ("production", "sandbox", "developer")
ENVIRONMENT_HOST_PREFIX = {"production": "www", "sandbox": "sandbox", "developer": "developer"}


@dataclass(frozen=True)
class DataCentre:
    code: str
    label: str
    accounts_url: str
    api_domain: str

    def api_domain_for(self, environment: str) -> str:
        """The API host of this data centre for "production", "sandbox" or "developer"."""
        if environment not in ENVIRONMENT_HOST_PREFIX:
            raise ValueError(f"Unknown environment {environment!r}; expected one of {ENVIRONMENTS}")
        return self.api_domain.replace("://www.", f"://{ENVIRONMENT_HOST_PREFIX[environment]}.", 1)


DATA_CENTRES: dict[str, DataCentre] = {
    centre.code: centre
    for centre in (
        DataCentre(
            code="us",
            label="United States",
            accounts_url="https://accounts.zoho.com",
            api_domain="https://www.zohoapis.com",
        ),
        DataCentre(
            code="eu",
            label="Europe",
            accounts_url="https://accounts.zoho.eu",
            api_domain="https://www.zohoapis.eu",
        ),
        DataCentre(
            code="in",
            label="India",
            accounts_url="https://accounts.zoho.in",
            api_domain="https://www.zohoapis.in",
        ),
        DataCentre(
            code="au",
            label="Australia",
            accounts_url="https://accounts.zoho.com.au",
            api_domain="https://www.zohoapis.com.au",
        ),
        DataCentre(
            code="jp",
            label="Japan",
            accounts_url="https://accounts.zoho.jp",
            api_domain="https://www.zohoapis.jp",
        ),
        # Canada's accounts server is zohocloud.ca, not zoho.ca (zoho-api.md §1.1).
        DataCentre(
            code="ca",
            label="Canada",
            accounts_url="https://accounts.zohocloud.ca",
            api_domain="https://www.zohoapis.ca",
        ),
        DataCentre(
            code="cn",
            label="China",
            accounts_url="https://accounts.zoho.com.cn",
            api_domain="https://www.zohoapis.com.cn",
        ),
        DataCentre(
            code="sa",
            label="Saudi Arabia",
            accounts_url="https://accounts.zoho.sa",
            api_domain="https://www.zohoapis.sa",
        ),
    )
}

ZOHO_API_SUFFIXES = tuple(
    "." + urlsplit(centre.api_domain).hostname.removeprefix("www.")  # type: ignore[union-attr]
    for centre in DATA_CENTRES.values()
)


def data_centre_from_accounts_server(accounts_server: str) -> DataCentre | None:
    """The data centre for the ``accounts-server`` parameter of the authorization callback."""
    wanted = accounts_server.strip().rstrip("/").lower()
    for centre in DATA_CENTRES.values():
        if centre.accounts_url == wanted:
            return centre
    return None


def check_api_domain(*, api_domain: str, allow_custom: bool) -> str:
    """Return ``https://host`` for a Zoho API host; raise UnsafeDomainError for anything else.

    The access token travels to this host, so a tampered ``api_domain`` must not leak it.
    ``allow_custom`` admits any http(s) origin (the local sandbox CRM).
    """
    try:
        parts = urlsplit(api_domain.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeDomainError(domain=api_domain) from error
    host = (parts.hostname or "").lower()
    if allow_custom and parts.scheme in ("http", "https") and host:
        return api_domain.strip().rstrip("/")
    is_zoho = any(host.endswith(suffix) or host == suffix[1:] for suffix in ZOHO_API_SUFFIXES)
    is_plain = (
        parts.scheme == "https"
        and port is None
        and parts.username is None
        and parts.path in ("", "/")
        and not parts.query
        and not parts.fragment
    )
    if not (is_zoho and is_plain):
        raise UnsafeDomainError(domain=api_domain)
    return f"https://{host}"


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
    form = {
        "grant_type": "authorization_code",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "redirect_uri": client.redirect_uri,
        "code": code,
    }
    body = _token_post(
        url=f"{accounts_url.rstrip('/')}/oauth/v2/token",
        form=form,
        session=session,
        timeout=timeout,
    )
    return _token_response(body=body, now=now)


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
    form = {
        "grant_type": "refresh_token",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "refresh_token": refresh_token,
    }
    body = _token_post(
        url=f"{accounts_url.rstrip('/')}/oauth/v2/token",
        form=form,
        session=session,
        timeout=timeout,
    )
    return _token_response(body=body, now=now)


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
        url=f"{accounts_url.rstrip('/')}/oauth/v2/token/revoke",
        form={"token": token},
        session=session,
        timeout=timeout,
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
    "access denied": (
        TokenThrottledError,
        "Too many token requests; Zoho allows 10 per refresh token every 10 minutes",
    ),
    "access_denied": (
        TokenThrottledError,
        "Too many token requests; Zoho allows 10 per refresh token every 10 minutes",
    ),
}


def oauth_error_from(body: Mapping[str, Any]) -> OAuthError:
    error = str(body.get("error"))
    description = str(body.get("error_description") or "")
    error_class, message = OAUTH_ERRORS.get(
        error.lower(), (OAuthError, f"The token endpoint refused the request ({error})")
    )
    return error_class(error=error, message=message, description=description)


def _token_post(
    *, url: str, form: Mapping[str, str], session: requests.Session | None, timeout: float
) -> dict[str, Any]:
    http = session or requests.Session()
    try:
        response = http.post(url, data=form, timeout=timeout)
    except requests.Timeout as error:
        raise ZohoTimeout(message="Zoho accounts did not answer in time") from error
    except requests.ConnectionError as error:
        raise ZohoConnectionError(message="Could not connect to Zoho accounts") from error
    except requests.RequestException as error:
        raise TransportError(kind="invalid_response", message=type(error).__name__) from error
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
