"""OAuth with Zoho: ``centres`` (data centres, the API hosts a token may go to) and ``grants``
(the accounts server's token endpoint). Import from ``updater.oauth``."""

from __future__ import annotations

from updater.oauth.centres import (
    DATA_CENTRES,
    ENVIRONMENT_HOST_PREFIX,
    ENVIRONMENTS,
    ZOHO_API_SUFFIXES,
    DataCentre,
    check_accounts_url,
    check_api_domain,
    data_centre_from_accounts_server,
    upload_host_for,
)
from updater.oauth.grants import (
    OAUTH_ERRORS,
    OAuthClient,
    TokenResponse,
    authorize_url,
    oauth_error_from,
    token_exchange_code,
    token_refresh,
    token_revoke,
)

__all__ = [
    "DATA_CENTRES",
    "ENVIRONMENTS",
    "ENVIRONMENT_HOST_PREFIX",
    "OAUTH_ERRORS",
    "ZOHO_API_SUFFIXES",
    "DataCentre",
    "OAuthClient",
    "TokenResponse",
    "authorize_url",
    "check_accounts_url",
    "check_api_domain",
    "data_centre_from_accounts_server",
    "oauth_error_from",
    "token_exchange_code",
    "token_refresh",
    "token_revoke",
    "upload_host_for",
]
