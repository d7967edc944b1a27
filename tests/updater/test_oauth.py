from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from responses import matchers

from tests.updater.conftest import ACCESS, NOW, REFRESH, SECRET, TOKEN_URL
from updater.errors import (
    InvalidClientError,
    InvalidClientSecretError,
    InvalidCodeError,
    OAuthError,
    TokenThrottledError,
    UnsafeDomainError,
    ZohoConnectionError,
)
from updater.oauth import (
    DATA_CENTRES,
    OAuthClient,
    authorize_url,
    check_accounts_url,
    check_api_domain,
    data_centre_from_accounts_server,
    token_exchange_code,
    token_refresh,
    token_revoke,
)

CLIENT = OAuthClient(
    client_id="fake-client-id",
    client_secret=SECRET,
    redirect_uri="https://admin.example.com/oauth/callback",
)
ACCOUNTS = "https://accounts.zoho.com"


@pytest.mark.parametrize(
    ("code", "accounts_url", "api_domain"),
    [
        ("us", "https://accounts.zoho.com", "https://www.zohoapis.com"),
        ("eu", "https://accounts.zoho.eu", "https://www.zohoapis.eu"),
        ("in", "https://accounts.zoho.in", "https://www.zohoapis.in"),
        ("au", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au"),
        ("jp", "https://accounts.zoho.jp", "https://www.zohoapis.jp"),
        ("ca", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca"),
        ("cn", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
        ("sa", "https://accounts.zoho.sa", "https://www.zohoapis.sa"),
    ],
)
def test_each_data_centre_has_its_accounts_server_and_api_domain(
    code: str, accounts_url: str, api_domain: str
) -> None:
    centre = DATA_CENTRES[code]

    assert (centre.accounts_url, centre.api_domain) == (accounts_url, api_domain)
    assert data_centre_from_accounts_server(accounts_url + "/") == centre
    assert check_api_domain(api_domain=api_domain, allow_custom=False) == api_domain


def test_data_centres_are_exactly_the_eight_zoho_crm_ones() -> None:
    assert sorted(DATA_CENTRES) == ["au", "ca", "cn", "eu", "in", "jp", "sa", "us"]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("production", "https://www.zohoapis.eu"),
        ("sandbox", "https://sandbox.zohoapis.eu"),
        ("developer", "https://developer.zohoapis.eu"),
    ],
)
def test_api_domain_for_each_environment(environment: str, expected: str) -> None:
    assert DATA_CENTRES["eu"].api_domain_for(environment) == expected


def test_data_centre_from_an_unknown_accounts_server_is_none() -> None:
    assert data_centre_from_accounts_server("https://accounts.zoho.ca") is None


@pytest.mark.parametrize(
    "domain",
    [
        "https://www.zohoapis.com/",
        "https://sandbox.zohoapis.com.au",
        "https://developer.zohoapis.jp",
        "https://zohoapis.com",
    ],
)
def test_check_api_domain_accepts_zoho_api_hosts(domain: str) -> None:
    assert check_api_domain(api_domain=domain, allow_custom=False).startswith("https://")


@pytest.mark.parametrize(
    "domain",
    [
        "https://evil.example.com",
        "http://www.zohoapis.com",
        "https://www.zohoapis.com.evil.com",
        "https://evilzohoapis.com",
        "https://www.zohoapis.com@evil.com",
        "https://www.zohoapis.com:8443",
        "https://www.zohoapis.com/crm",
        "https://accounts.zoho.com",
        "https://upload.zohocloud.ca",
        "not a url",
    ],
)
def test_check_api_domain_refuses_anything_else(domain: str) -> None:
    with pytest.raises(UnsafeDomainError):
        check_api_domain(api_domain=domain, allow_custom=False)


def test_check_api_domain_accepts_a_custom_host_when_allowed() -> None:
    assert check_api_domain(api_domain="http://localhost:8001/", allow_custom=True) == (
        "http://localhost:8001"
    )


def test_authorize_url_asks_for_offline_access_with_consent() -> None:
    url = authorize_url(
        accounts_url=ACCOUNTS,
        client=CLIENT,
        scopes=["ZohoCRM.modules.ALL", "ZohoCRM.settings.ALL"],
        state="s1",
    )

    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ACCOUNTS}/oauth/v2/auth"
    assert parse_qs(parts.query) == {
        "scope": ["ZohoCRM.modules.ALL,ZohoCRM.settings.ALL"],
        "client_id": ["fake-client-id"],
        "response_type": ["code"],
        "access_type": ["offline"],
        "prompt": ["consent"],
        "redirect_uri": ["https://admin.example.com/oauth/callback"],
        "state": ["s1"],
    }


def test_token_exchange_code_posts_the_grant_and_reads_the_tokens(mocked) -> None:
    mocked.post(
        TOKEN_URL,
        json={
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "expires_in": 3600,
            "api_domain": "https://www.zohoapis.eu",
            "token_type": "Bearer",
        },
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "client_id": "fake-client-id",
                    "client_secret": SECRET,
                    "redirect_uri": "https://admin.example.com/oauth/callback",
                    "code": "fake-grant-code",
                }
            )
        ],
    )

    tokens = token_exchange_code(
        accounts_url=ACCOUNTS, client=CLIENT, code="fake-grant-code", now=NOW
    )

    assert (tokens.access_token, tokens.refresh_token) == (ACCESS, REFRESH)
    assert tokens.expires_at == NOW + timedelta(hours=1)
    assert tokens.api_domain == "https://www.zohoapis.eu"
    assert ACCESS not in repr(tokens) and REFRESH not in repr(tokens)
    assert SECRET not in repr(CLIENT)


def test_token_refresh_reads_legacy_expiry_in_seconds(mocked) -> None:
    mocked.post(
        TOKEN_URL,
        json={
            "access_token": ACCESS,
            "expires_in": 3600000,
            "expires_in_sec": 3600,
            "api_domain": "https://www.zohoapis.com",
        },
    )

    tokens = token_refresh(accounts_url=ACCOUNTS, client=CLIENT, refresh_token=REFRESH, now=NOW)

    assert tokens.expires_at == NOW + timedelta(hours=1)
    assert tokens.refresh_token is None


@pytest.mark.parametrize(
    ("body", "error_class", "words"),
    [
        ({"error": "invalid_code"}, InvalidCodeError, "already used"),
        ({"error": "invalid_client"}, InvalidClientError, "wrong data centre"),
        ({"error": "invalid_client_secret"}, InvalidClientSecretError, "secret"),
        (
            {
                "error_description": "You have made too many requests continuously. "
                "Please try again after some time.",
                "error": "Access Denied",
                "status": "failure",
            },
            TokenThrottledError,
            "Too many token requests",
        ),
        ({"error": "invalid_redirect_uri"}, OAuthError, "invalid_redirect_uri"),
    ],
)
def test_token_endpoint_errors_in_a_200_answer_raise_typed_errors(
    mocked, body: dict, error_class: type[OAuthError], words: str
) -> None:
    mocked.post(TOKEN_URL, status=200, json=body)

    with pytest.raises(error_class) as raised:
        token_refresh(accounts_url=ACCOUNTS, client=CLIENT, refresh_token=REFRESH)

    assert type(raised.value) is error_class
    assert words in str(raised.value)
    assert REFRESH not in str(raised.value) and SECRET not in repr(raised.value)


def test_token_endpoint_throttle_with_status_400_is_still_typed(mocked) -> None:
    mocked.post(TOKEN_URL, status=400, json={"error": "Access Denied", "status": "failure"})

    with pytest.raises(TokenThrottledError):
        token_refresh(accounts_url=ACCOUNTS, client=CLIENT, refresh_token=REFRESH)


def test_token_endpoint_html_answer_raises_an_oauth_error(mocked) -> None:
    mocked.post(TOKEN_URL, status=502, body="<html>bad gateway</html>")

    with pytest.raises(OAuthError, match="not JSON"):
        token_refresh(accounts_url=ACCOUNTS, client=CLIENT, refresh_token=REFRESH)


def test_token_endpoint_connection_error_is_typed(mocked) -> None:
    mocked.post(TOKEN_URL, body=requests.ConnectionError("down"))

    with pytest.raises(ZohoConnectionError):
        token_refresh(accounts_url=ACCOUNTS, client=CLIENT, refresh_token=REFRESH)


def test_token_revoke_sends_the_token_in_the_body_not_the_url(mocked) -> None:
    mocked.post(
        f"{TOKEN_URL}/revoke",
        json={"status": "success"},
        match=[matchers.urlencoded_params_matcher({"token": REFRESH})],
    )

    token_revoke(accounts_url=ACCOUNTS, token=REFRESH)

    assert REFRESH not in mocked.calls[0].request.url


@pytest.mark.parametrize("expires", ["soon", "NaN", "inf", "-5", "0", "1e400", [3600], 1e12])
def test_a_token_answer_without_a_usable_lifetime_raises_an_oauth_error(mocked, expires) -> None:
    mocked.post(TOKEN_URL, json={"access_token": ACCESS, "expires_in_sec": expires})

    with pytest.raises(OAuthError) as raised:
        token_refresh(accounts_url=ACCOUNTS, client=CLIENT, refresh_token=REFRESH, now=NOW)

    assert raised.value.error == "invalid_response"
    assert ACCESS not in str(raised.value) and REFRESH not in str(raised.value)


@pytest.mark.parametrize(
    "accounts_url",
    [
        "http://accounts.zoho.com",
        "https://accounts.example.test",
        "https://accounts.zoho.com.evil.test",
        "http://127.0.0.1:8001",
        "not a url",
    ],
)
def test_no_token_request_goes_to_an_accounts_server_that_is_not_zoho(
    mocked, accounts_url: str
) -> None:
    with pytest.raises(UnsafeDomainError):
        token_refresh(accounts_url=accounts_url, client=CLIENT, refresh_token=REFRESH)
    with pytest.raises(UnsafeDomainError):
        token_exchange_code(accounts_url=accounts_url, client=CLIENT, code="1000.grant")
    with pytest.raises(UnsafeDomainError):
        token_revoke(accounts_url=accounts_url, token=REFRESH)

    assert len(mocked.calls) == 0


def test_a_custom_accounts_server_is_used_only_when_custom_domains_are_allowed(mocked) -> None:
    mocked.post("http://127.0.0.1:8001/oauth/v2/token/revoke", json={"status": "success"})

    token_revoke(accounts_url="http://127.0.0.1:8001/", token=REFRESH, allow_custom_domains=True)

    assert check_accounts_url(accounts_url="https://ACCOUNTS.zoho.eu/", allow_custom=False) == (
        "https://accounts.zoho.eu"
    )
    assert len(mocked.calls) == 1
