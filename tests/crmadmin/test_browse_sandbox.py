"""The record list and lookups against the sandbox CRM over loopback: real paging tokens, real
search and criteria parsing, Zoho's error bodies."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.connections import connection_to, grant_to_editors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture(scope="module")
def big_sandbox(tmp_path_factory):
    """Enough contacts (about 2,250) to page past Zoho's 2,000-record page-number limit."""
    from sandbox.testing import running_sandbox

    path = tmp_path_factory.mktemp("big-sandbox") / "crm.sqlite3"
    with running_sandbox(db_path=path, records=7500) as handle:
        yield handle


def record_ids(content: str) -> list[str]:
    return re.findall(r'href="/records/\d+/Contacts/(\d+)/" class="record-link"', content)


def test_list_shows_sandbox_contacts_linked_to_their_edit_pages(
    editor_client, shared_sandbox_connection
):
    url = f"/records/{shared_sandbox_connection.pk}/Contacts/"

    response = editor_client.get(url, {"per_page": "25"})

    assert response.status_code == 200
    assert len(record_ids(response.content.decode())) == 25


def test_paging_past_two_thousand_contacts_follows_the_page_token(
    editor_client, editors_group, big_sandbox
):
    connection = connection_to(big_sandbox, name="Big sandbox")
    grant_to_editors(connection, editors_group)
    url = f"/records/{connection.pk}/Contacts/"

    page_10 = editor_client.get(url, {"per_page": "200", "page": "10"}).content.decode()
    next_url = re.search(r'href="([^"]+)"[^>]*rel="next"', page_10).group(1).replace("&amp;", "&")
    assert "page=11" in next_url and "page_token=" in next_url

    page_11 = editor_client.get(next_url)
    content = page_11.content.decode()
    assert page_11.status_code == 200
    assert "Showing 2001\u2013" in content
    assert not set(record_ids(content)) & set(record_ids(page_10))


def test_word_search_finds_a_contact_by_last_name(
    editor_client, shared_sandbox_connection, shared_sandbox
):
    url = f"/records/{shared_sandbox_connection.pk}/Contacts/"
    first_id = record_ids(editor_client.get(url, {"per_page": "10"}).content.decode())[0]
    last_name = shared_sandbox.get_record("Contacts", first_id)["Last_Name"]

    content = editor_client.get(url, {"q": last_name, "mode": "word"}).content.decode()

    assert first_id in record_ids(content)


def test_criteria_with_brackets_commas_and_a_backslash_find_the_record(
    editor_client, sandbox_connection, sandbox
):
    url = f"/records/{sandbox_connection.pk}/Contacts/"
    record_id = record_ids(editor_client.get(url, {"per_page": "10"}).content.decode())[0]
    sandbox.edit_record("Contacts", record_id, {"Last_Name": "O(Neil), Jr\\"})

    response = editor_client.get(
        url,
        {
            "c0-field": "Last_Name",
            "c0-operator": "starts_with",
            "c0-value": "O(Neil), Jr\\",
        },
    )

    assert response.status_code == 200
    assert record_ids(response.content.decode()) == [record_id]


def test_a_rate_limited_search_is_explained_and_the_words_stay(
    editor_client, sandbox_connection, sandbox
):
    sandbox.faults.set("status", path="GET /crm/v8/Contacts/search", status=429, retry_after=0)
    url = f"/records/{sandbox_connection.pk}/Contacts/"

    response = editor_client.get(url, {"q": "Smith", "mode": "word"})

    content = response.content.decode()
    assert response.status_code == 502
    assert "Zoho is busy" in content and "Wait a few minutes" in content
    assert 'value="Smith"' in content


def test_lookup_finds_accounts_by_the_start_of_their_name(editor_client, shared_sandbox_connection):
    base = f"/records/{shared_sandbox_connection.pk}/Accounts/"
    content = editor_client.get(base, {"columns": ["Account_Name"], "per_page": "10"})
    name = re.search(r'class="record-link">([^<]+)<', content.content.decode()).group(1)

    options = editor_client.get(f"{base}lookup/", {"q": name[:3], "field": "Account_Name"})

    assert f'data-name="{name}"' in options.content.decode()
