"""Connection pages: list, add/edit, connect → callback, test, revoke, delete (Zoho mocked)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from responses import matchers

from crmadmin.models import Connection
from crmadmin.views import connections as connection_views

ACCOUNTS = "https://accounts.zoho.com"
API = "https://www.zohoapis.com"
SECRET = "client-secret-9f8e7d"
REFRESH = "1000.refresh-5a4b3c"
ACCESS = "1000.access-2d1e0f"
SECRETS = (SECRET, REFRESH, ACCESS, "grant-code-77")


@pytest.fixture
def new_connection(db):
    return Connection.objects.create(
        name="Acme",
        client_id="1000.ACME",
        client_secret=SECRET,
        scopes="ZohoCRM.modules.ALL,ZohoCRM.org.READ",
        accounts_server=ACCOUNTS,
        api_domain=API,
    )


@pytest.fixture
def connected(new_connection):
    new_connection.refresh_token = REFRESH
    new_connection.access_token = ACCESS
    new_connection.access_token_expires_at = timezone.now() + timedelta(hours=1)
    new_connection.status = Connection.Status.CONNECTED
    new_connection.save()
    return new_connection


def _connect(client, connection) -> str:
    response = client.post(reverse("connections:connect", args=[connection.pk]))
    assert response.status_code == 302
    return response["Location"]


def _state(location: str) -> str:
    return parse_qs(urlsplit(location).query)["state"][0]


def _profile_answers(api=API):
    responses.get(
        f"{api}/crm/v8/org",
        json={"org": [{"id": "42", "company_name": "Acme Ltd", "time_zone": "Europe/Berlin"}]},
    )
    responses.get(
        f"{api}/crm/v8/users",
        match=[matchers.query_param_matcher({"type": "CurrentUser"})],
        json={"users": [{"id": "7", "full_name": "Ada Admin", "email": "ada@acme.test"}]},
    )


def _token_exchange_answer(accounts=ACCOUNTS, **body):
    body = body or {
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "api_domain": API,
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    return responses.post(f"{accounts}/oauth/v2/token", json=body)


def test_connect_redirects_to_zoho_consent_with_session_bound_state(staff_client, new_connection):
    location = _connect(staff_client, new_connection)

    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{ACCOUNTS}/oauth/v2/auth?")
    assert query["client_id"] == ["1000.ACME"]
    assert query["access_type"] == ["offline"]
    assert query["prompt"] == ["consent"]
    assert query["scope"] == ["ZohoCRM.modules.ALL,ZohoCRM.org.READ"]
    assert query["redirect_uri"] == ["http://testserver/connections/callback/"]
    assert SECRET not in location
    stored = staff_client.session[connection_views.SESSION_KEY]
    assert [entry["state"] for entry in stored] == query["state"]


@responses.activate
def test_callback_exchanges_code_stores_tokens_and_reads_org(staff_client, new_connection):
    state = _state(_connect(staff_client, new_connection))
    exchange = _token_exchange_answer()
    _profile_answers()

    response = staff_client.get(
        reverse("connections:callback"),
        {"state": state, "code": "grant-code-77", "location": "us", "accounts-server": ACCOUNTS},
        follow=True,
    )

    sent = parse_qs(exchange.calls[0].request.body)
    assert sent["grant_type"] == ["authorization_code"]
    assert sent["code"] == ["grant-code-77"]
    assert sent["client_secret"] == [SECRET]
    assert sent["redirect_uri"] == ["http://testserver/connections/callback/"]
    new_connection.refresh_from_db()
    assert new_connection.status == Connection.Status.CONNECTED
    assert new_connection.refresh_token == REFRESH
    assert (new_connection.org_name, new_connection.time_zone) == ("Acme Ltd", "Europe/Berlin")
    assert new_connection.zoho_user_email == "ada@acme.test"
    page = response.content.decode()
    assert "Connected “Acme” to Zoho." in page
    assert "Acme Ltd" in page
    assert not any(secret in page for secret in SECRETS)


@responses.activate
def test_callback_follows_accounts_server_to_the_users_data_centre(staff_client, new_connection):
    state = _state(_connect(staff_client, new_connection))
    exchange = _token_exchange_answer(
        accounts="https://accounts.zoho.eu",
        access_token=ACCESS,
        refresh_token=REFRESH,
        api_domain="https://www.zohoapis.eu",
        expires_in=3600,
    )
    _profile_answers(api="https://www.zohoapis.eu")

    staff_client.get(
        reverse("connections:callback"),
        {
            "state": state,
            "code": "c",
            "location": "eu",
            "accounts-server": "https://accounts.zoho.eu",
        },
    )

    assert exchange.call_count == 1
    new_connection.refresh_from_db()
    assert new_connection.data_centre == "eu"
    assert new_connection.accounts_server == "https://accounts.zoho.eu"
    assert new_connection.api_domain == "https://www.zohoapis.eu"


@responses.activate
def test_callback_ignores_an_accounts_server_that_is_not_zoho(staff_client, new_connection):
    state = _state(_connect(staff_client, new_connection))
    exchange = _token_exchange_answer()
    _profile_answers()

    staff_client.get(
        reverse("connections:callback"),
        {"state": state, "code": "c", "accounts-server": "https://evil.example"},
    )

    assert exchange.call_count == 1  # the secret went to accounts.zoho.com, not evil.example
    new_connection.refresh_from_db()
    assert new_connection.accounts_server == ACCOUNTS


@pytest.mark.parametrize(
    "state_of",
    [
        pytest.param(lambda good: None, id="missing"),
        pytest.param(lambda good: "forged-" + good, id="foreign"),
    ],
)
def test_callback_rejects_missing_or_foreign_state(staff_client, new_connection, state_of):
    good = _state(_connect(staff_client, new_connection))
    params = {"code": "c"}
    if state_of(good):
        params["state"] = state_of(good)

    response = staff_client.get(reverse("connections:callback"), params)

    assert response.status_code == 400
    assert "This Zoho sign-in can't be used" in response.content.decode()
    new_connection.refresh_from_db()
    assert new_connection.status == Connection.Status.NEW


@responses.activate
def test_callback_rejects_a_reused_state(staff_client, new_connection):
    state = _state(_connect(staff_client, new_connection))
    _token_exchange_answer()
    _profile_answers()
    staff_client.get(reverse("connections:callback"), {"state": state, "code": "c"})

    again = staff_client.get(reverse("connections:callback"), {"state": state, "code": "c"})

    assert again.status_code == 400
    assert len(responses.calls) == 3  # one exchange and two profile reads, nothing for the replay


def test_callback_rejects_an_expired_state(staff_client, new_connection, monkeypatch):
    state = _state(_connect(staff_client, new_connection))
    later = time.time() + connection_views.STATE_TTL_SECONDS + 1
    monkeypatch.setattr(connection_views.time, "time", lambda: later)

    response = staff_client.get(reverse("connections:callback"), {"state": state, "code": "c"})

    assert response.status_code == 400
    assert "expired" in response.content.decode()


def test_callback_from_another_session_is_rejected(staff_client, staff_user, new_connection):
    state = _state(_connect(staff_client, new_connection))
    other = Client()
    other.force_login(staff_user)

    response = other.get(reverse("connections:callback"), {"state": state, "code": "c"})

    assert response.status_code == 400


def test_callback_with_access_denied_changes_nothing(staff_client, new_connection):
    state = _state(_connect(staff_client, new_connection))

    response = staff_client.get(
        reverse("connections:callback"), {"state": state, "error": "access_denied"}, follow=True
    )

    assert "Zoho sign-in was cancelled or refused" in response.content.decode()
    new_connection.refresh_from_db()
    assert new_connection.status == Connection.Status.NEW


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("invalid_client", "usually the wrong data centre was chosen"),
        ("invalid_client_secret", "Zoho refused the client secret"),
        ("invalid_code", "already used, expired or was revoked"),
    ],
)
@responses.activate
def test_callback_shows_zoho_token_errors_in_words(staff_client, new_connection, error, shown):
    state = _state(_connect(staff_client, new_connection))
    _token_exchange_answer(error=error)

    response = staff_client.get(
        reverse("connections:callback"), {"state": state, "code": "c"}, follow=True
    )

    page = response.content.decode()
    assert "Connecting failed." in page
    assert shown in page
    new_connection.refresh_from_db()
    assert new_connection.status == Connection.Status.NEW
    assert new_connection.refresh_token == ""


@responses.activate
def test_throttled_refresh_shows_on_the_list_with_what_to_do(staff_client, connected):
    connected.access_token_expires_at = timezone.now() - timedelta(minutes=1)
    connected.save()
    responses.post(
        f"{ACCOUNTS}/oauth/v2/token",
        json={"error": "Access Denied", "error_description": "too many", "status": "failure"},
    )

    staff_client.post(reverse("connections:test", args=[connected.pk]))
    page = staff_client.get(reverse("connections:list")).content.decode()

    assert 'data-status="throttled"' in page
    assert "Wait ten minutes, then click Test" in page
    assert "Too many Zoho sign-ins" in page


@responses.activate
def test_test_button_reports_the_org_that_answered(staff_client, connected):
    _profile_answers()

    response = staff_client.post(reverse("connections:test", args=[connected.pk]), follow=True)

    assert "Test passed: Zoho answered for Acme Ltd." in response.content.decode()
    connected.refresh_from_db()
    assert connected.last_success_at is not None


@responses.activate
def test_revoke_calls_zoho_and_wipes_tokens(staff_client, connected):
    revoke = responses.post(f"{ACCOUNTS}/oauth/v2/token/revoke", json={"status": "success"})

    response = staff_client.post(reverse("connections:revoke", args=[connected.pk]), follow=True)

    assert parse_qs(revoke.calls[0].request.body) == {"token": [REFRESH]}
    assert REFRESH not in revoke.calls[0].request.url
    connected.refresh_from_db()
    assert (connected.refresh_token, connected.access_token) == ("", "")
    assert connected.status == Connection.Status.REVOKED
    assert "wiped its tokens" in response.content.decode()


@responses.activate
def test_revoke_asks_first_on_a_page_of_its_own(staff_client, connected):
    revoke = responses.post(f"{ACCOUNTS}/oauth/v2/token/revoke", json={"status": "success"})
    detail = staff_client.get(reverse("connections:detail", args=[connected.pk])).content.decode()
    revoke_url = reverse("connections:revoke", args=[connected.pk])
    assert f'<a class="btn danger" href="{revoke_url}">Revoke…</a>' in detail

    confirm = staff_client.get(revoke_url)

    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Revoke “Acme”?" in page
    assert f'<form method="post" action="{revoke_url}" class="actions">' in page
    assert "Revoke tokens</button>" in page
    assert "<script" not in page.split("</head>")[1]
    assert revoke.call_count == 0
    connected.refresh_from_db()
    assert connected.refresh_token == REFRESH


@responses.activate
def test_revoke_clears_the_stale_health_of_the_old_tokens(staff_client, connected):
    responses.post(f"{ACCOUNTS}/oauth/v2/token/revoke", json={"status": "success"})
    Connection.objects.filter(pk=connected.pk).update(
        last_success_at=timezone.now(),
        last_refresh_at=timezone.now(),
        last_error="Zoho's servers had a problem",
        last_error_at=timezone.now() - timedelta(hours=1),
    )

    response = staff_client.post(reverse("connections:revoke", args=[connected.pk]), follow=True)

    connected.refresh_from_db()
    assert connected.last_success_at is None
    assert connected.last_refresh_at is None
    assert (connected.last_error, connected.last_error_at) == ("", None)
    page = response.content.decode()
    assert "just now" not in page
    assert "Last error" not in page
    assert "Zoho's servers had a problem" not in page


@responses.activate
def test_reconnect_forgets_the_old_tokens_last_error_and_success(staff_client, connected):
    Connection.objects.filter(pk=connected.pk).update(
        status=Connection.Status.NEEDS_RECONNECT,
        last_success_at=timezone.now() - timedelta(days=2),
        last_error="Zoho no longer accepts this connection's refresh token",
        last_error_at=timezone.now() - timedelta(days=1),
    )
    state = _state(_connect(staff_client, connected))
    _token_exchange_answer()
    responses.get(f"{API}/crm/v8/org", status=503, body="down")

    response = staff_client.get(
        reverse("connections:callback"), {"state": state, "code": "grant-code-77"}, follow=True
    )

    connected.refresh_from_db()
    assert connected.status == Connection.Status.CONNECTED
    assert connected.last_success_at is None
    page = response.content.decode()
    assert "2 days ago" not in page
    assert "no longer accepts this connection's refresh token" not in page


@responses.activate
def test_revoke_keeps_tokens_when_zoho_cannot_be_reached(staff_client, connected):
    response = staff_client.post(reverse("connections:revoke", args=[connected.pk]), follow=True)

    assert "Nothing was revoked. Could not reach Zoho" in response.content.decode()
    connected.refresh_from_db()
    assert connected.refresh_token == REFRESH


@responses.activate
def test_delete_asks_first_then_revokes_and_deletes(staff_client, connected):
    revoke = responses.post(f"{ACCOUNTS}/oauth/v2/token/revoke", json={"status": "success"})
    confirm = staff_client.get(reverse("connections:delete", args=[connected.pk]))
    assert "Delete “Acme”?" in confirm.content.decode()
    assert revoke.call_count == 0

    staff_client.post(reverse("connections:delete", args=[connected.pk]))

    assert revoke.call_count == 1
    assert not Connection.objects.exists()


def test_add_form_offers_default_scopes_and_stores_secret_encrypted(staff_client):
    form = staff_client.get(reverse("connections:add")).content.decode()
    assert "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.READ" in form

    response = staff_client.post(
        reverse("connections:add"),
        {
            "name": "Europe org",
            "data_centre": "eu",
            "environment": "sandbox",
            "client_id": "1000.EU",
            "client_secret": SECRET,
            "scopes": "ZohoCRM.modules.ALL, ZohoCRM.org.READ",
        },
    )

    connection = Connection.objects.get(name="Europe org")
    assert response["Location"] == reverse("connections:detail", args=[connection.pk])
    assert connection.accounts_server == "https://accounts.zoho.eu"
    assert connection.api_domain == "https://sandbox.zohoapis.eu"
    assert connection.scopes == "ZohoCRM.modules.ALL,ZohoCRM.org.READ"
    assert connection.client_secret == SECRET


def test_add_form_with_errors_keeps_values_but_never_echoes_the_secret(staff_client):
    response = staff_client.post(
        reverse("connections:add"),
        {
            "name": "Custom",
            "data_centre": "custom",
            "environment": "production",
            "client_id": "1000.C",
            "client_secret": SECRET,
            "scopes": "ZohoCRM.org.READ",
        },
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="field-accounts_server"' in page
    assert "A custom host needs this address." in page
    assert 'value="1000.C"' in page
    assert SECRET not in page
    assert not Connection.objects.exists()


def test_edit_with_empty_secret_keeps_the_stored_one(staff_client, connected):
    page = staff_client.get(reverse("connections:edit", args=[connected.pk])).content.decode()
    assert SECRET not in page
    assert "Leave empty to keep the stored secret" in page

    staff_client.post(
        reverse("connections:edit", args=[connected.pk]),
        {
            "name": "Acme renamed",
            "data_centre": "us",
            "environment": "production",
            "client_id": "1000.ACME",
            "client_secret": "",
            "scopes": connected.scopes,
            "accounts_server": ACCOUNTS,
            "api_domain": API,
        },
    )

    connected.refresh_from_db()
    assert connected.name == "Acme renamed"
    assert connected.client_secret == SECRET
    assert connected.refresh_token == REFRESH  # nothing that binds the tokens changed


def test_edit_that_changes_the_client_asks_for_reconnect(staff_client, connected):
    staff_client.post(
        reverse("connections:edit", args=[connected.pk]),
        {
            "name": "Acme",
            "data_centre": "us",
            "environment": "production",
            "client_id": "1000.OTHER",
            "client_secret": "",
            "scopes": connected.scopes,
            "accounts_server": ACCOUNTS,
            "api_domain": API,
        },
    )

    connected.refresh_from_db()
    assert connected.status == Connection.Status.NEEDS_RECONNECT
    assert connected.refresh_token == ""


def test_forms_refuse_posts_without_csrf_token(staff_user, connected):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)

    for name in ("connect", "test", "revoke", "delete", "edit"):
        assert client.post(reverse(f"connections:{name}", args=[connected.pk])).status_code == 403
    connected.refresh_from_db()
    assert connected.refresh_token == REFRESH


@responses.activate
def test_no_token_or_secret_in_pages_or_logs_across_the_flows(staff_client, new_connection, caplog):
    caplog.set_level(logging.DEBUG)
    state = _state(_connect(staff_client, new_connection))
    _token_exchange_answer()
    _profile_answers()
    pages = [
        staff_client.get(
            reverse("connections:callback"), {"state": state, "code": "grant-code-77"}, follow=True
        )
    ]
    new_connection.refresh_from_db()
    new_connection.access_token_expires_at = timezone.now() - timedelta(minutes=1)
    new_connection.save()
    responses.post(f"{ACCOUNTS}/oauth/v2/token", json={"error": "invalid_code"})
    pages.append(
        staff_client.post(reverse("connections:test", args=[new_connection.pk]), follow=True)
    )
    for name in ("list", "add"):
        pages.append(staff_client.get(reverse(f"connections:{name}")))
    for name in ("detail", "edit", "delete"):
        pages.append(staff_client.get(reverse(f"connections:{name}", args=[new_connection.pk])))

    text = "".join(page.content.decode() for page in pages) + caplog.text
    assert "Needs reconnect" in text
    for secret in SECRETS:
        assert secret not in text
