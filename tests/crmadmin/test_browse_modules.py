from __future__ import annotations

import pytest

from tests.crmadmin.test_browse_helpers import API, MODULES, connection_create, grant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


def test_module_list_shows_only_modules_the_api_can_edit(staff_client, mocked):
    connection = connection_create()
    mocked.get(f"{API}/settings/modules", json=MODULES)

    content = staff_client.get("/records/").content.decode()

    assert f'href="/records/{connection.pk}/Contacts/"' in content
    assert f'href="/records/{connection.pk}/Leads/"' in content
    for hidden in ("Visits", "Forecasts", "Quoted_Items"):
        assert f"/{hidden}/" not in content


def test_module_list_offers_an_editor_only_the_modules_their_group_was_granted(
    editor_client, editors_group, mocked
):
    connection = connection_create()
    grant(connection, editors_group, modules="Contacts")
    mocked.get(f"{API}/settings/modules", json=MODULES)

    content = editor_client.get("/records/").content.decode()

    assert f"/records/{connection.pk}/Contacts/" in content
    assert f"/records/{connection.pk}/Leads/" not in content


def test_module_list_hides_connections_an_editor_was_not_granted(
    editor_client, editors_group, mocked
):
    granted, other = connection_create("Granted org"), connection_create("Other org")
    grant(granted, editors_group)
    mocked.get(f"{API}/settings/modules", json=MODULES)

    content = editor_client.get("/records/").content.decode()

    assert "Granted org" in content
    assert "Other org" not in content
    assert f"/records/{other.pk}/" not in content


def test_module_list_groups_modules_per_connection_when_there_are_several(staff_client, mocked):
    first, second = connection_create("First org"), connection_create("Second org")
    mocked.get(f"{API}/settings/modules", json=MODULES)

    content = staff_client.get("/records/").content.decode()

    assert f'aria-labelledby="connection-{first.pk}"' in content
    assert f'aria-labelledby="connection-{second.pk}"' in content
    assert "First org" in content and "Second org" in content
    assert f"/records/{second.pk}/Contacts/" in content


def test_module_list_reads_the_modules_metadata_once_then_from_the_cache(staff_client, mocked):
    connection_create()
    mocked.get(f"{API}/settings/modules", json=MODULES)

    staff_client.get("/records/")
    staff_client.get("/records/")

    assert len(mocked.calls) == 1


def test_module_list_explains_a_zoho_failure_instead_of_failing(staff_client, mocked):
    connection_create()
    mocked.get(
        f"{API}/settings/modules",
        status=401,
        json={
            "code": "OAUTH_SCOPE_MISMATCH",
            "message": "invalid oauth scope",
            "status": "error",
            "details": {},
        },
    )

    response = staff_client.get("/records/")

    assert response.status_code == 200
    assert "This connection lacks a permission" in response.content.decode()


def test_module_list_tells_an_editor_without_connections_whom_to_ask(editor_client):
    content = editor_client.get("/records/").content.decode()

    assert "No connection to browse yet" in content
    assert "Ask a crmadmin administrator" in content
