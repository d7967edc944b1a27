from __future__ import annotations

import pytest
from responses import matchers

from tests.crmadmin.test_browse_helpers import (
    ACCOUNT_FIELDS,
    API,
    CONTACT_FIELDS,
    connection_create,
    page_json,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture
def connection():
    return connection_create()


def fields_mock(mocked, module: str, body: dict) -> None:
    mocked.get(
        f"{API}/settings/fields",
        json=body,
        match=[matchers.query_param_matcher({"module": module})],
    )


def test_lookup_lists_records_whose_name_starts_with_the_text(staff_client, mocked, connection):
    fields_mock(mocked, "Accounts", ACCOUNT_FIELDS)
    mocked.get(
        f"{API}/Accounts/search",
        json=page_json(
            [
                {"id": "11", "Account_Name": "Acme (EU), Ltd"},
                {"id": "12", "Account_Name": "Acme Inc"},
            ]
        ),
        match=[
            matchers.query_param_matcher(
                {
                    "criteria": r"(Account_Name:starts_with:Acme \(E)",
                    "fields": "Account_Name",
                    "page": "1",
                    "per_page": "10",
                }
            )
        ],
    )

    response = staff_client.get(
        f"/records/{connection.pk}/Accounts/lookup/", {"q": "Acme (E", "field": "Account_Name"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert 'role="option" id="lookup-Account_Name-11"' in content
    assert 'data-id="11" data-name="Acme (EU), Ltd"' in content
    assert content.count('role="option"') == 2


def test_lookup_on_contacts_matches_first_or_last_name(staff_client, mocked, connection):
    fields_mock(mocked, "Contacts", CONTACT_FIELDS)
    mocked.get(
        f"{API}/Contacts/search",
        json=page_json(
            [
                {"id": "21", "First_Name": "Ann", "Last_Name": "Lee", "Email": "ann@example.com"},
            ]
        ),
        match=[
            matchers.query_param_matcher(
                {
                    "criteria": "((Last_Name:starts_with:an)or(First_Name:starts_with:an))",
                    "fields": "First_Name,Last_Name,Email",
                    "page": "1",
                    "per_page": "10",
                }
            )
        ],
    )

    content = staff_client.get(
        f"/records/{connection.pk}/Contacts/lookup/", {"q": "an", "field": "Contact_Name"}
    ).content.decode()

    assert 'data-name="Ann Lee"' in content
    assert "ann@example.com" in content


def test_lookup_on_contacts_finds_a_full_name_by_its_first_word(staff_client, mocked, connection):
    fields_mock(mocked, "Contacts", CONTACT_FIELDS)
    search = mocked.get(
        f"{API}/Contacts/search",
        json=page_json(
            [
                {"id": "21", "First_Name": "Ann", "Last_Name": "Lee", "Email": "a@example.com"},
                {"id": "22", "First_Name": "Ann", "Last_Name": "Smith", "Email": "s@example.com"},
            ]
        ),
        match=[
            matchers.query_param_matcher(
                {
                    "criteria": "((Last_Name:starts_with:Ann)or(First_Name:starts_with:Ann))",
                    "fields": "First_Name,Last_Name,Email",
                    "page": "1",
                    "per_page": "10",
                }
            )
        ],
    )

    content = staff_client.get(
        f"/records/{connection.pk}/Contacts/lookup/", {"q": "Ann  sm", "field": "Contact_Name"}
    ).content.decode()

    assert search.call_count == 1
    assert 'data-name="Ann Smith"' in content
    assert content.count('role="option"') == 1


def test_lookup_reads_the_text_the_edit_forms_lookup_box_sends(staff_client, mocked, connection):
    fields_mock(mocked, "Accounts", ACCOUNT_FIELDS)
    mocked.get(f"{API}/Accounts/search", status=204)

    content = staff_client.get(
        f"/records/{connection.pk}/Accounts/lookup/",
        {"field": "Account_Name", "Account_Name_label": "Zed"},
    ).content.decode()

    assert "No match for “Zed”." in content
    assert "Zed" in mocked.calls[-1].request.url


def test_lookup_for_users_filters_the_cached_user_list(staff_client, mocked, connection):
    mocked.get(
        f"{API}/users",
        json={
            "users": [
                {"id": "1", "full_name": "Pat Kim", "email": "pat@example.com", "status": "active"},
                {"id": "2", "full_name": "Sam Roe", "email": "sam@example.com", "status": "active"},
            ]
        },
        match=[matchers.query_param_matcher({"type": "ActiveUsers"})],
    )

    url = f"/records/{connection.pk}/users/lookup/"
    first = staff_client.get(url, {"q": "pat", "field": "Owner"}).content.decode()
    second = staff_client.get(url, {"q": "roe", "field": "Owner"}).content.decode()

    assert 'data-id="1"' in first and 'data-id="2"' not in first
    assert 'data-name="Sam Roe"' in second
    assert len(mocked.calls) == 1


def test_lookup_without_text_asks_for_some_and_calls_nobody(staff_client, mocked, connection):
    content = staff_client.get(
        f"/records/{connection.pk}/Accounts/lookup/", {"field": "Account_Name"}
    ).content.decode()

    assert "Type a name to search." in content
    assert not mocked.calls


def test_lookup_explains_a_zoho_error_inside_the_list(staff_client, mocked, connection):
    fields_mock(mocked, "Accounts", ACCOUNT_FIELDS)
    mocked.get(
        f"{API}/Accounts/search",
        status=401,
        json={"code": "OAUTH_SCOPE_MISMATCH", "status": "error", "message": "scope", "details": {}},
    )

    response = staff_client.get(f"/records/{connection.pk}/Accounts/lookup/", {"q": "Ac"})

    assert response.status_code == 200
    assert "This connection lacks a permission" in response.content.decode()


def test_lookup_is_refused_to_an_editor_without_the_connection(editor_client, connection):
    response = editor_client.get(f"/records/{connection.pk}/Accounts/lookup/", {"q": "Ac"})

    assert response.status_code == 403
