"""Shared fixtures: a client on a fake connection whose token is fresh, with no real sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import responses

from updater.client import ZohoClient
from updater.oauth import OAuthClient
from updater.tokens import InMemoryTokenStore, Tokens

NOW = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
API = "https://www.zohoapis.com/crm/v8"
ACCOUNTS = "https://accounts.zoho.com"
TOKEN_URL = f"{ACCOUNTS}/oauth/v2/token"
ACCESS = "fake-access-token-for-tests"
NEW_ACCESS = "fake-access-token-after-refresh"
REFRESH = "fake-refresh-token-for-tests"
SECRET = "fake-client-secret"


def tokens_make(
    *,
    access: str = ACCESS,
    expires_in: timedelta = timedelta(hours=1),
    api_domain: str = "https://www.zohoapis.com",
) -> Tokens:
    return Tokens(
        access_token=access,
        expires_at=NOW + expires_in,
        refresh_token=REFRESH,
        api_domain=api_domain,
    )


def client_make(store: InMemoryTokenStore, **overrides: object) -> ZohoClient:
    options: dict[str, object] = {
        "store": store,
        "oauth_client": OAuthClient(client_id="fake-client-id", client_secret=SECRET),
        "accounts_url": ACCOUNTS,
        "retry_backoff": 0,
        "clock": lambda: NOW,
        "sleep": lambda seconds: None,
    }
    options.update(overrides)
    return ZohoClient(**options)  # type: ignore[arg-type]


def refresh_answer(*, access: str = NEW_ACCESS) -> dict[str, object]:
    return {
        "access_token": access,
        "api_domain": "https://www.zohoapis.com",
        "token_type": "Bearer",
        "expires_in": 3600,
    }


@pytest.fixture
def store() -> InMemoryTokenStore:
    return InMemoryTokenStore(tokens=tokens_make())


@pytest.fixture
def client(store: InMemoryTokenStore) -> ZohoClient:
    return client_make(store)


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps
