"""412 ALREADY_MODIFIED: re-read the record, merge what can be merged, let the user choose the
rest, and save again with the new Modified_Time. Nothing typed is lost."""

from __future__ import annotations

import pytest

from crmadmin.models import AuditEntry
from tests.crmadmin.record_support import (
    RECORD_ID,
    edit_url,
    field_row,
    form_data,
    mock_get,
    record,
    record_url,
    sent_json,
    success,
)

THEIR_TIME = "2024-01-15T16:00:00+05:30"
ALREADY_MODIFIED = {
    "data": [
        {
            "code": "ALREADY_MODIFIED",
            "message": "record updated time has already passed if-unmodified-since time",
            "status": "error",
            "details": {
                "Modified_Time": THEIR_TIME,
                "id": RECORD_ID,
                "Modified_By": {"name": "Sam Lee", "id": "4150868000000225014"},
            },
        }
    ]
}


@pytest.fixture
def conflict_page(editor_client, zoho):
    """The user changed Company and Description; meanwhile someone changed Company and Phone."""
    mock_get(zoho)
    html = editor_client.get(edit_url(zoho.connection)).content.decode()
    theirs = record(Modified_Time=THEIR_TIME, Company="Zylker Global", Phone="+1 555 0777")
    zoho.put(record_url(), status=412, json=ALREADY_MODIFIED)
    zoho.get(record_url(), json={"data": [theirs]})
    response = editor_client.post(
        edit_url(zoho.connection), form_data(html, Company="Zylker Typed", Description="Mine")
    )
    assert response.status_code == 409
    return response.content.decode()


def test_conflict_shows_loaded_typed_and_current_values_for_fields_both_changed(conflict_page):
    table = conflict_page[conflict_page.index('id="conflict"') :]
    table = table[: table.index("</section>")]
    row = table[table.index('href="#field-Company"') :]
    row = row[: row.index("</tr>")]
    assert [
        cell.split("</td>")[0] for cell in row.split("<td")[1:] for cell in [cell.split(">", 1)[1]]
    ] == ["Zylker", "Zylker Typed", "Zylker Global"]
    assert "Description" not in table.split("</table>")[0]  # merged on its own, not asked
    assert "Your changes kept: Description." in table
    assert "Their changes taken in: Phone." in table


def test_conflict_form_keeps_what_the_user_typed_and_takes_their_other_changes(conflict_page):
    assert 'value="Zylker Typed"' in field_row(conflict_page, "Company")
    assert "Mine</textarea>" in field_row(conflict_page, "Description")
    assert 'value="+1 555 0777"' in field_row(conflict_page, "Phone")
    assert "Keep mine" in field_row(conflict_page, "Company")


def test_saving_after_choosing_mine_sends_the_merge_with_the_new_modified_time(
    editor_client, zoho, conflict_page
):
    put = zoho.put(record_url(), json=success())
    response = editor_client.post(
        edit_url(zoho.connection), form_data(conflict_page, Company__resolve="mine")
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    request = put.calls[-1].request
    assert request.headers["If-Unmodified-Since"] == THEIR_TIME
    assert sent_json(put.calls[-1])["data"][0] == {
        "Company": "Zylker Typed",
        "Description": "Mine",
        "id": RECORD_ID,
    }


def test_choosing_theirs_leaves_their_value_alone(editor_client, zoho, conflict_page):
    put = zoho.put(record_url(), json=success())
    editor_client.post(
        edit_url(zoho.connection), form_data(conflict_page, Company__resolve="theirs")
    )
    assert sent_json(put.calls[-1])["data"][0] == {"Description": "Mine", "id": RECORD_ID}


def test_saving_without_choosing_asks_for_a_choice_and_sends_nothing(
    editor_client, zoho, conflict_page
):
    put = zoho.put(record_url(), json=success())
    calls = put.call_count
    response = editor_client.post(edit_url(zoho.connection), form_data(conflict_page))
    assert response.status_code == 422
    assert "Choose which value to keep." in field_row(response.content.decode(), "Company")
    assert put.call_count == calls


def test_the_conflict_is_audited(conflict_page):
    entry = AuditEntry.objects.get()
    assert (entry.response_code, entry.succeeded) == ("ALREADY_MODIFIED", False)
    assert {change["api_name"] for change in entry.changes} == {"Company", "Description"}


def test_when_only_the_user_changed_the_fields_everything_merges_on_its_own(editor_client, zoho):
    mock_get(zoho)
    html = editor_client.get(edit_url(zoho.connection)).content.decode()
    zoho.put(record_url(), status=412, json=ALREADY_MODIFIED)
    zoho.get(record_url(), json={"data": [record(Modified_Time=THEIR_TIME, Phone="+1 9")]})
    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Mine Co"))
    page = response.content.decode()
    assert "everything merged on its own" in page
    put = zoho.put(record_url(), json=success())
    editor_client.post(edit_url(zoho.connection), form_data(page))
    assert sent_json(put.calls[-1])["data"][0] == {"Company": "Mine Co", "id": RECORD_ID}
