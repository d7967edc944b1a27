"""Zoho data centres and the API hosts an access token may travel to (zoho-api.md §1)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from updater.errors import UnsafeDomainError

ENVIRONMENTS = ("production", "sandbox", "developer")
ENVIRONMENT_HOST_PREFIX = {"production": "www", "sandbox": "sandbox", "developer": "developer"}


@dataclass(frozen=True)
class DataCentre:
    code: str
    label: str
    accounts_url: str
    api_domain: str
    # Files API uploads go to this host, not the API domain (zoho-api.md §1.1, SDK8 dc/*.py).
    upload_host: str

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
            upload_host="https://content.zohoapis.com",
        ),
        DataCentre(
            code="eu",
            label="Europe",
            accounts_url="https://accounts.zoho.eu",
            api_domain="https://www.zohoapis.eu",
            upload_host="https://content.zohoapis.eu",
        ),
        DataCentre(
            code="in",
            label="India",
            accounts_url="https://accounts.zoho.in",
            api_domain="https://www.zohoapis.in",
            upload_host="https://content.zohoapis.in",
        ),
        DataCentre(
            code="au",
            label="Australia",
            accounts_url="https://accounts.zoho.com.au",
            api_domain="https://www.zohoapis.com.au",
            upload_host="https://content.zohoapis.com.au",
        ),
        DataCentre(
            code="jp",
            label="Japan",
            accounts_url="https://accounts.zoho.jp",
            api_domain="https://www.zohoapis.jp",
            upload_host="https://content.zohoapis.jp",
        ),
        # Canada's accounts server is zohocloud.ca, not zoho.ca (zoho-api.md §1.1).
        DataCentre(
            code="ca",
            label="Canada",
            accounts_url="https://accounts.zohocloud.ca",
            api_domain="https://www.zohoapis.ca",
            upload_host="https://upload.zohocloud.ca",
        ),
        DataCentre(
            code="cn",
            label="China",
            accounts_url="https://accounts.zoho.com.cn",
            api_domain="https://www.zohoapis.com.cn",
            upload_host="https://content.zohoapis.com.cn",
        ),
        DataCentre(
            code="sa",
            label="Saudi Arabia",
            accounts_url="https://accounts.zoho.sa",
            api_domain="https://www.zohoapis.sa",
            upload_host="https://files.zoho.sa",
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


def upload_host_for(*, api_domain: str, allow_custom: bool) -> str:
    """The Files API host for the data centre of ``api_domain`` (production, sandbox or
    developer: all upload to the centre's one host); a custom host (the local sandbox CRM,
    when allowed) takes uploads itself. Raises UnsafeDomainError for anything else."""
    checked = check_api_domain(api_domain=api_domain, allow_custom=allow_custom)
    host = urlsplit(checked).hostname or ""
    for centre in DATA_CENTRES.values():
        suffix = urlsplit(centre.api_domain).hostname.removeprefix("www.")  # type: ignore[union-attr]
        if host == suffix or host.endswith("." + suffix):
            return centre.upload_host
    if allow_custom:
        return checked
    raise UnsafeDomainError(domain=api_domain)


def check_accounts_url(*, accounts_url: str, allow_custom: bool) -> str:
    """Return a Zoho accounts server URL; raise UnsafeDomainError for anything else.

    The client secret, refresh tokens and grant codes are posted here, so this is checked before
    every token request, not only when a connection is saved: a connection made while custom
    domains were allowed must stop sending its secrets to its custom host once they are not.
    """
    given = accounts_url.strip().rstrip("/")
    try:
        parts = urlsplit(given)
    except ValueError as error:
        raise UnsafeDomainError(domain=accounts_url) from error
    if allow_custom and parts.scheme in ("http", "https") and parts.hostname:
        return given
    if data_centre_from_accounts_server(given) is None:
        raise UnsafeDomainError(domain=accounts_url)
    return given.lower()
