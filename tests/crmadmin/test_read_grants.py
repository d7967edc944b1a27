"""Least privilege on reads (issue #11.3): the lookup search and the related panels go through the
same grant check as the list and the form. A user granted only Contacts reads no Deals or Leads:
Zoho is not even asked, and the page says why in place of the data. Against the sandbox CRM."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from tests.fixtures.connections import connection_to, grant_to_editors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

REFUSED = "You can't see {module} through “Contacts only”."


@pytest.fixture
def contacts_only(shared_sandbox, editors_group):
    """A connection the "Editors" group may use for Contacts, and nothing else."""
    connection = connection_to(shared_sandbox, name="Contacts only")
    grant_to_editors(connection, editors_group, modules="Contacts")
    return connection


def served(sandbox, pattern: str) -> int:
    """Requests the sandbox served whose "METHOD /path" matches `pattern`."""
    counts = sandbox.app.requests_served
    return sum(n for key, n in counts.items() if re.search(pattern, key))


def first_contact_id(client, connection) -> str:
    html = client.get(f"/records/{connection.pk}/Contacts/", {"per_page": "10"}).content.decode()
    return re.findall(r'href="/records/\d+/Contacts/(\d+)/" class="record-link"', html)[0]


@pytest.mark.parametrize("module", ["Deals", "Leads"])
def test_lookup_of_an_ungranted_module_is_refused_without_asking_zoho(
    editor_client, contacts_only, shared_sandbox, module
):
    before = served(shared_sandbox, rf"^GET /crm/v\d+/{module}")
    url = f"/records/{contacts_only.pk}/{module}/lookup/"

    plain = editor_client.get(url, {"q": "a", "field": "Deal_Name"})
    htmx = editor_client.get(url, {"q": "a", "field": "Deal_Name"}, headers={"HX-Request": "true"})

    assert plain.status_code == 403
    assert htmx.status_code == 200  # htmx swaps 2xx only: the note reaches the lookup box
    for response in (plain, htmx):
        html = html_lib.unescape(response.content.decode())
        assert REFUSED.format(module=module) in html
        assert 'role="option"' not in html and "@" not in html
    assert served(shared_sandbox, rf"^GET /crm/v\d+/{module}") == before


def test_lookup_of_the_granted_module_still_lists_records(
    editor_client, contacts_only, shared_sandbox
):
    html = editor_client.get(
        f"/records/{contacts_only.pk}/Contacts/lookup/", {"q": "a", "field": "Contact_Name"}
    ).content.decode()

    assert "You can&#x27;t see" not in html
    assert 'role="option"' in html


def test_lookup_of_users_stays_open_to_a_contacts_only_user(editor_client, contacts_only):
    response = editor_client.get(f"/records/{contacts_only.pk}/users/lookup/", {"q": "a"})

    assert response.status_code == 200
    assert "You can&#x27;t see" not in response.content.decode()


def test_contact_panel_says_deals_are_not_granted_and_shows_none(
    editor_client, contacts_only, shared_sandbox
):
    contact_id = first_contact_id(editor_client, contacts_only)
    before = served(shared_sandbox, r"/Deals|/Contact_Roles")
    url = f"/links/{contacts_only.pk}/Contacts/{contact_id}/"

    plain = editor_client.get(url)
    htmx = editor_client.get(url, headers={"HX-Request": "true"})

    assert plain.status_code == 403
    assert htmx.status_code == 200
    for response in (plain, htmx):
        html = html_lib.unescape(response.content.decode())
        panel = html[html.index('id="related-panel"') :]
        assert REFUSED.format(module="Deals") in panel
        assert "<table" not in panel and "Unlink" not in panel and "Link deals" not in panel
    assert served(shared_sandbox, r"/Deals|/Contact_Roles") == before


def test_deal_panel_needs_deals_granted(editor_client, contacts_only):
    response = editor_client.get(f"/links/{contacts_only.pk}/Deals/1234/")

    assert response.status_code == 403
    assert "You can't edit Deals through “Contacts only”." in html_lib.unescape(
        response.content.decode()
    )


def test_contact_panel_with_both_modules_granted_lists_the_deals(
    editor_client, shared_sandbox, editors_group
):
    connection = connection_to(shared_sandbox, name="Both")
    grant_to_editors(connection, editors_group, modules="Contacts,Deals")
    contact_id = first_contact_id(editor_client, connection)

    response = editor_client.get(f"/links/{connection.pk}/Contacts/{contact_id}/")

    assert response.status_code == 200
    assert "You can&#x27;t see" not in response.content.decode()
