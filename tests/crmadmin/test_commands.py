"""Management commands: connect_selfclient, rotate_token_keys, demo_setup."""

from __future__ import annotations

from io import StringIO
from urllib.parse import parse_qs

import pytest
import responses
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection as db

from crmadmin.fields import _fernet_for
from crmadmin.models import Connection

SECRET = "selfclient-secret-123"


def _raw_secrets() -> tuple[str, str, str]:
    with db.cursor() as cursor:
        cursor.execute("SELECT client_secret, refresh_token, access_token FROM crmadmin_connection")
        return cursor.fetchone()


@responses.activate
def test_connect_selfclient_reads_the_secret_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("ACME_SECRET", SECRET)
    exchange = responses.post(
        "https://accounts.zoho.eu/oauth/v2/token",
        json={
            "access_token": "1000.a",
            "refresh_token": "1000.r",
            "api_domain": "https://www.zohoapis.eu",
            "expires_in": 3600,
        },
    )
    responses.get(
        "https://www.zohoapis.eu/crm/v8/org",
        json={"org": [{"id": "1", "company_name": "Acme EU", "time_zone": "Europe/Paris"}]},
    )
    responses.get(
        "https://www.zohoapis.eu/crm/v8/users",
        json={"users": [{"id": "2", "full_name": "Eve", "email": "eve@acme.test"}]},
    )
    out = StringIO()

    call_command(
        "connect_selfclient",
        "--name",
        "Acme EU",
        "--data-centre",
        "eu",
        "--client-id",
        "1000.SELF",
        "--client-secret-env",
        "ACME_SECRET",
        "--code",
        "1000.grant",
        stdout=out,
    )

    sent = parse_qs(exchange.calls[0].request.body)
    assert sent["code"] == ["1000.grant"]
    assert sent["client_secret"] == [SECRET]
    connection = Connection.objects.get(name="Acme EU")
    assert connection.status == Connection.Status.CONNECTED
    assert connection.refresh_token == "1000.r"
    assert connection.time_zone == "Europe/Paris"
    assert "Connected “Acme EU”" in out.getvalue()
    assert SECRET not in out.getvalue()


@responses.activate
def test_connect_selfclient_explains_a_used_grant_code(db, monkeypatch):
    monkeypatch.setenv("ZOHO_CLIENT_SECRET", SECRET)
    responses.post("https://accounts.zoho.com/oauth/v2/token", json={"error": "invalid_code"})

    with pytest.raises(CommandError, match="already used, expired or was revoked"):
        call_command("connect_selfclient", "--name", "US", "--client-id", "1000.X", "--code", "old")

    assert Connection.objects.get(name="US").status == Connection.Status.NEW


def test_rotate_token_keys_reencrypts_every_secret_with_the_newest_key(db, settings):
    old_key, new_key = settings.TOKEN_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    Connection.objects.create(
        name="Old", client_id="1000.X", client_secret="s3", refresh_token="r3", access_token="a3"
    )
    before = _raw_secrets()

    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_token_keys", stdout=StringIO())

    after = _raw_secrets()
    only_new = _fernet_for((new_key,))
    assert [only_new.decrypt(value.encode()).decode() for value in after] == ["s3", "r3", "a3"]
    assert all(a != b for a, b in zip(after, before, strict=True))
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    assert Connection.objects.get(name="Old").refresh_token == "r3"


def test_demo_setup_connects_the_sandbox_through_a_minted_grant(db, sandbox, tmp_path):
    password_file = tmp_path / "demo-password"
    out = StringIO()
    options = [
        "--sandbox-url",
        sandbox.url,
        "--sandbox-db",
        sandbox.app.store.db_path,
        "--password-file",
        str(password_file),
        "--redirect-uri",
        "http://127.0.0.1:8000/connections/callback/",
    ]

    call_command("demo_setup", *options, stdout=out)
    call_command("demo_setup", *options, stdout=StringIO())  # idempotent: healthy, kept

    password = password_file.read_text().strip()
    assert f"Open http://127.0.0.1:8000/   user: demo   password: {password}" in out.getvalue()
    connection = Connection.objects.get(name="Sandbox CRM")
    assert connection.status == Connection.Status.CONNECTED
    assert connection.org_name == "Zylker Sandbox Ltd"
    assert sandbox.token_requests["authorization_code"] == 1
    assert connection.grants.get().group.name == "Editors"
    demo = get_user_model().objects.get(username="demo")
    assert demo.is_staff
    assert demo.check_password(password)
