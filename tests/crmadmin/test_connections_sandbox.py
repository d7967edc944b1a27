"""The whole connect → callback → tokens stored → refresh → revoke flow against the sandbox CRM
over real HTTP (the consent page is approved with a plain form post, as a browser would)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.db import connection as db
from django.urls import reverse

from crmadmin.models import Connection
from crmadmin.zoho import DEFAULT_SCOPES, client_for
from updater.errors import InvalidCodeError


@pytest.fixture
def sandbox_row(db, sandbox):
    return Connection.objects.create(
        name="Sandbox CRM",
        data_centre=Connection.DataCentre.CUSTOM,
        environment=Connection.Environment.SANDBOX,
        accounts_server=sandbox.url,
        api_domain=sandbox.url,
        client_id=sandbox.client_id,
        client_secret=sandbox.client_secret,
        scopes=",".join(DEFAULT_SCOPES),
    )


def _approve(consent_url: str) -> str:
    """Open the sandbox's consent page, press Accept, return where it sends the browser."""
    page = requests.get(consent_url, timeout=10)
    assert page.status_code == 200
    assert "Accept" in page.text
    form = dict(parse_qsl(urlsplit(consent_url).query)) | {"decision": "approve"}
    answer = requests.post(consent_url.split("?")[0], data=form, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303)
    return answer.headers["Location"]


def _connect(staff_client, connection) -> None:
    consent = staff_client.post(reverse("connections:connect", args=[connection.pk]))["Location"]
    callback = urlsplit(_approve(consent))
    assert callback.path == reverse("connections:callback")
    staff_client.get(callback.path, dict(parse_qsl(callback.query)))


def test_connect_refresh_and_revoke_against_the_sandbox(staff_client, sandbox, sandbox_row):
    _connect(staff_client, sandbox_row)

    sandbox_row.refresh_from_db()
    assert sandbox_row.status == Connection.Status.CONNECTED
    assert sandbox_row.org_name == "Zylker Sandbox Ltd"
    assert sandbox_row.time_zone
    assert sandbox_row.zoho_user_email
    assert sandbox.token_requests["authorization_code"] == 1

    sandbox.expire_access_tokens()
    first_token = sandbox_row.access_token
    client_for(sandbox_row).request("GET", "org")  # 401 INVALID_TOKEN → one refresh → replay

    sandbox_row.refresh_from_db()
    assert sandbox.token_requests["refresh_token"] == 1
    assert sandbox_row.access_token != first_token
    assert sandbox_row.last_refresh_at is not None

    page = staff_client.post(reverse("connections:revoke", args=[sandbox_row.pk]), follow=True)

    assert "wiped its tokens" in page.content.decode()
    sandbox_row.refresh_from_db()
    assert sandbox_row.status == Connection.Status.REVOKED
    assert (sandbox_row.refresh_token, sandbox_row.access_token) == ("", "")
    denied = requests.get(
        f"{sandbox.url}/crm/v8/org",
        headers={"Authorization": f"Zoho-oauthtoken {first_token}"},
        timeout=10,
    )
    assert denied.status_code == 401


def test_a_refresh_token_revoked_at_zoho_asks_for_reconnect(staff_client, sandbox, sandbox_row):
    _connect(staff_client, sandbox_row)
    sandbox.revoke_all_tokens()

    with pytest.raises(InvalidCodeError):
        client_for(sandbox_row).request("GET", "org")

    page = staff_client.get(reverse("connections:list")).content.decode()
    assert 'data-status="needs_reconnect"' in page
    assert "Click Reconnect and sign in to Zoho again." in page

    _connect(staff_client, sandbox_row)

    sandbox_row.refresh_from_db()
    assert sandbox_row.status == Connection.Status.CONNECTED


def test_tokens_from_the_sandbox_are_not_in_the_raw_row(staff_client, sandbox, sandbox_row):
    _connect(staff_client, sandbox_row)
    sandbox_row.refresh_from_db()

    with db.cursor() as cursor:
        cursor.execute("SELECT client_secret, refresh_token, access_token FROM crmadmin_connection")
        raw = " ".join(cursor.fetchone())
    for secret in (sandbox.client_secret, sandbox_row.refresh_token, sandbox_row.access_token):
        assert secret
        assert secret not in raw
