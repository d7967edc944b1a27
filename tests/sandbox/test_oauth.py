"""The accounts server behaves like Zoho's (zoho-api.md §1)."""

from __future__ import annotations

import urllib.parse

import pytest

from sandbox.testing import running_sandbox
from sandbox.tokens import THROTTLED
from tests.sandbox.conftest import http


def token(sb, **data):
    data.setdefault("client_id", sb.client_id)
    data.setdefault("client_secret", sb.client_secret)
    return http.post(f"{sb.url}/oauth/v2/token", data=data)


def test_code_exchange_returns_zoho_token_shape(sb):
    response = token(sb, grant_type="authorization_code", code=sb.mint_grant())
    body = response.json()
    assert response.status_code == 200
    assert list(body) == [
        "access_token",
        "refresh_token",
        "scope",
        "api_domain",
        "token_type",
        "expires_in",
    ]
    assert body["api_domain"] == sb.url and body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600 and body["access_token"].startswith("1000.")


def test_grant_code_is_single_use(sb):
    code = sb.mint_grant()
    assert "access_token" in token(sb, grant_type="authorization_code", code=code).json()
    again = token(sb, grant_type="authorization_code", code=code)
    assert (again.status_code, again.json()) == (200, {"error": "invalid_code"})


def test_expired_grant_code_is_invalid_code(tmp_path):
    with running_sandbox(db_path=tmp_path / "c.db", records=20, grant_code_ttl_seconds=0) as sb:
        body = token(sb, grant_type="authorization_code", code=sb.mint_grant()).json()
    assert body == {"error": "invalid_code"}


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"client_id": "1000.NOPE"}, "invalid_client"),
        ({"client_secret": "wrong"}, "invalid_client_secret"),
    ],
)
def test_client_errors_come_back_as_http_200(sb, override, error):
    response = token(sb, grant_type="authorization_code", code=sb.mint_grant(), **override)
    assert (response.status_code, response.json()) == (200, {"error": error})


def test_consent_page_approves_with_state_location_and_accounts_server(sb):
    params = {
        "client_id": sb.client_id,
        "response_type": "code",
        "access_type": "offline",
        "redirect_uri": "http://app.test/cb",
        "scope": "ZohoCRM.modules.ALL",
        "state": "xyz",
    }
    page = http.get(f"{sb.url}/oauth/v2/auth", params=params)
    assert page.status_code == 200 and "Accept" in page.text and "Riley Reader" in page.text
    approved = http.post(
        f"{sb.url}/oauth/v2/auth", allow_redirects=False, data={**params, "decision": "approve"}
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(approved.headers["Location"]).query)
    assert query["state"] == ["xyz"] and query["location"] == ["us"]
    assert query["accounts-server"] == [sb.url]
    wrong = token(
        sb,
        grant_type="authorization_code",
        code=query["code"][0],
        redirect_uri="http://evil.test/cb",
    )
    assert wrong.json() == {"error": "invalid_redirect_uri"}
    good = token(
        sb,
        grant_type="authorization_code",
        code=query["code"][0],
        redirect_uri="http://app.test/cb",
    )
    assert "refresh_token" in good.json()


def test_consent_page_deny_redirects_with_access_denied(sb):
    denied = http.post(
        f"{sb.url}/oauth/v2/auth",
        allow_redirects=False,
        data={
            "client_id": sb.client_id,
            "redirect_uri": "http://app.test/cb",
            "state": "s1",
            "decision": "deny",
        },
    )
    assert denied.headers["Location"] == "http://app.test/cb?state=s1&error=access_denied"


def test_refresh_does_not_rotate_and_is_counted(sb):
    refresh = sb.issue_tokens()["refresh_token"]
    before = sb.token_requests["refresh_token"]
    body = token(sb, grant_type="refresh_token", refresh_token=refresh).json()
    assert "refresh_token" not in body and body["access_token"].startswith("1000.")
    assert sb.token_requests["refresh_token"] == before + 1


def test_eleventh_refresh_in_ten_minutes_is_throttled(sb):
    refresh = sb.issue_tokens()["refresh_token"]
    for _ in range(10):
        assert "access_token" in token(sb, grant_type="refresh_token", refresh_token=refresh).json()
    throttled = token(sb, grant_type="refresh_token", refresh_token=refresh)
    assert (throttled.status_code, throttled.json()) == (200, THROTTLED)
    assert throttled.json()["error"] == "Access Denied"


def test_sixteenth_access_token_silently_invalidates_the_oldest(tmp_path):
    with running_sandbox(db_path=tmp_path / "c.db", records=20, refresh_limit_per_window=100) as sb:
        first = sb.issue_tokens()
        issued = [
            token(sb, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()[
                "access_token"
            ]
            for _ in range(15)
        ]

        def status(access):
            return http.get(
                f"{sb.url}/crm/v8/org", headers={"Authorization": f"Zoho-oauthtoken {access}"}
            ).status_code

        assert status(first["access_token"]) == 401
        assert status(issued[0]) == 200 and status(issued[-1]) == 200


def test_revoking_a_refresh_token_kills_its_access_tokens(sb):
    tokens = sb.issue_tokens()
    revoked = http.post(
        f"{sb.url}/oauth/v2/token/revoke", params={"token": tokens["refresh_token"]}
    )
    assert revoked.json() == {"status": "success"}
    assert token(sb, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json() == {
        "error": "invalid_code"
    }
    api = http.get(
        f"{sb.url}/crm/v8/org",
        headers={"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"},
    )
    assert api.status_code == 401 and api.json()["code"] == "INVALID_TOKEN"
    bad = http.post(f"{sb.url}/oauth/v2/token/revoke", params={"token": "nope"})
    assert bad.status_code == 400


def test_expired_access_token_is_invalid_token_and_missing_header_is_auth_failure(tmp_path):
    with running_sandbox(db_path=tmp_path / "c.db", records=20) as sb:
        access = sb.issue_tokens()["access_token"]
        sb.expire_access_tokens()
        expired = http.get(
            f"{sb.url}/crm/v8/org", headers={"Authorization": f"Zoho-oauthtoken {access}"}
        )
        missing = http.get(f"{sb.url}/crm/v8/org")
    assert expired.status_code == 401
    assert expired.json() == {
        "code": "INVALID_TOKEN",
        "details": {},
        "message": "invalid oauth token",
        "status": "error",
    }
    assert missing.status_code == 401
    assert missing.json()["code"] == "AUTHENTICATION_FAILURE"
