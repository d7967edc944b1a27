from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db
from django.test import override_settings

from crmadmin.models import Connection

pytestmark = pytest.mark.django_db


def test_home_redirects_anonymous_visitors_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_login_page_renders_a_labelled_form(client):
    response = client.get("/login/")
    content = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username">' in content
    assert 'name="csrfmiddlewaretoken"' in content


def test_home_greets_the_logged_in_user(staff_client):
    response = staff_client.get("/")
    assert "Welcome, staff" in response.content.decode()


def test_encrypted_fields_hold_no_plain_text_in_the_database():
    conn = Connection.objects.create(
        name="Org",
        client_id="cid",
        client_secret="s3cret-value",
        scopes="ZohoCRM.modules.ALL",
        refresh_token="refresh-plain-value",
    )
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret, refresh_token FROM crmadmin_connection WHERE id = %s", [conn.pk]
        )
        secret, refresh = cursor.fetchone()
    assert "s3cret-value" not in secret
    assert "refresh-plain-value" not in refresh
    assert Connection.objects.get(pk=conn.pk).refresh_token == "refresh-plain-value"


def test_an_old_key_still_decrypts_after_a_new_key_is_put_in_front(settings):
    conn = Connection.objects.create(
        name="Org", client_id="cid", client_secret="old-key-secret", scopes="x"
    )
    new_key = Fernet.generate_key().decode()
    with override_settings(TOKEN_ENCRYPTION_KEYS=[new_key, *settings.TOKEN_ENCRYPTION_KEYS]):
        assert Connection.objects.get(pk=conn.pk).client_secret == "old-key-secret"


def test_base_template_leaks_no_template_syntax_into_the_page(client):
    content = client.get("/login/").content.decode()
    assert "{#" not in content
    assert "{%" not in content
    assert 'name="htmx-config"' in content
