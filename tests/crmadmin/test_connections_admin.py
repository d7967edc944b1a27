"""The Django admin shows connections and their grants, never a token or a client secret."""

from __future__ import annotations

import pytest

from crmadmin.models import Connection

SECRETS = ("admin-secret-1", "1000.admin-refresh", "1000.admin-access")


@pytest.fixture
def admin_page(client, django_user_model, editors_group):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    connection = Connection.objects.create(
        name="Acme",
        client_id="1000.ACME",
        client_secret=SECRETS[0],
        refresh_token=SECRETS[1],
        access_token=SECRETS[2],
        status=Connection.Status.CONNECTED,
    )
    return client, connection


def test_admin_change_page_has_no_secret_fields_or_values(admin_page):
    client, connection = admin_page

    page = client.get(f"/admin/crmadmin/connection/{connection.pk}/change/").content.decode()

    assert "Connection grants" in page
    for name in ("client_secret", "refresh_token", "access_token"):
        assert f'name="{name}"' not in page
    assert not any(secret in page for secret in SECRETS)


def test_admin_list_and_search_show_no_secret(admin_page):
    client, _ = admin_page

    page = client.get("/admin/crmadmin/connection/", {"q": "Acme"}).content.decode()

    assert "Acme" in page
    assert not any(secret in page for secret in SECRETS)


def test_admin_cannot_add_a_connection_without_the_oauth_pages(admin_page):
    client, _ = admin_page

    assert client.get("/admin/crmadmin/connection/add/").status_code == 403
