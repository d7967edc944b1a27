"""After every save the page shows what Zoho holds, and a save whose answer never came is not a
refusal (issue #10 items 2 and 4, issue #11 item 1). HTTP mocked with ``responses``; the
sandbox cases (a write that lands after the client gave up) are at the end."""

from __future__ import annotations

import html as html_lib

import pytest
import requests

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

SAVED_TIME = "2024-01-16T10:00:00+05:30"
THEIR_TIME = "2024-01-15T16:00:00+05:30"


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


def opened(client, zoho) -> str:
    mock_get(zoho)
    return client.get(edit_url(zoho.connection)).content.decode()


def test_after_a_save_the_form_shows_zohos_record_and_is_guarded_by_its_modified_time(
    editor_client, zoho
):
    html = opened(editor_client, zoho)
    zoho.put(record_url(), json=success(SAVED_TIME))
    after = record(
        Company="Zylker Ltd",
        Modified_Time="2024-01-16T10:00:05+05:30",  # a workflow touched it after our PUT
        Total=123.45,  # a formula Zoho computed
        Account={"name": "Zylker Holdings", "id": "4150868000000300001"},  # renamed meanwhile
    )
    zoho.get(record_url(), json={"data": [after]})
    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Zylker Ltd"))
    assert response.status_code == 200
    page = text(response)
    assert "Saved. Changed: Company." in page
    assert "123.45" in field_row(page, "Total")
    assert 'value="Zylker Holdings"' in field_row(page, "Account")
    put2 = zoho.put(record_url(), json=success())
    editor_client.post(edit_url(zoho.connection), form_data(page, Phone="+1 555 0142"))
    assert put2.calls[-1].request.headers["If-Unmodified-Since"] == "2024-01-16T10:00:05+05:30"
    assert sent_json(put2.calls[-1])["data"][0] == {"Phone": "+1 555 0142", "id": RECORD_ID}


def test_a_lost_answer_whose_write_landed_says_saved_and_shows_zohos_record(editor_client, zoho):
    html = opened(editor_client, zoho)
    put = zoho.put(record_url(), body=requests.exceptions.ReadTimeout())
    landed = record(Company="Typed", Modified_Time=SAVED_TIME, Total=7.0)
    zoho.get(record_url(), json={"data": [landed]})
    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Typed"))
    assert response.status_code == 200
    page = text(response)
    assert "Saved. Zoho's answer to the save was lost" in page
    assert "your changes are in Zoho" in page
    assert "refused" not in page.lower()
    assert 'value="Typed"' in field_row(page, "Company")
    assert "7.0" in field_row(page, "Total")
    assert put.call_count == 1
    entry = AuditEntry.objects.get()
    assert (entry.succeeded, entry.confirmed, entry.response_code) == (True, True, "ZohoTimeout")
    put2 = zoho.put(record_url(), json=success())
    editor_client.post(edit_url(zoho.connection), form_data(page, Phone="+1 555 0142"))
    assert put2.calls[-1].request.headers["If-Unmodified-Since"] == SAVED_TIME


def test_a_lost_answer_with_the_record_unchanged_says_not_saved_and_keeps_the_input(
    editor_client, zoho
):
    html = opened(editor_client, zoho)
    zoho.put(record_url(), body=requests.exceptions.ConnectionError())
    zoho.get(record_url(), json={"data": [record()]})  # Modified_Time as loaded
    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Typed"))
    assert response.status_code == 502
    page = text(response)
    assert "Not saved. Zoho's answer to the save never came" in page
    assert 'value="Typed"' in field_row(page, "Company")
    assert "Someone" not in page
    entry = AuditEntry.objects.get()
    assert (entry.succeeded, entry.confirmed) == (False, True)


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.exceptions.ReadTimeout()},
        {"status": 503, "body": "<html>503 Service Temporarily Unavailable</html>"},
        {"status": 500, "json": {"code": "INTERNAL_ERROR", "message": "x", "status": "error"}},
    ],
    ids=["timeout", "503 page", "500 INTERNAL_ERROR"],
)
def test_a_lost_answer_that_cannot_be_checked_says_could_not_confirm(editor_client, zoho, answer):
    html = opened(editor_client, zoho)
    zoho.put(record_url(), **answer)
    zoho.get(record_url(), body=requests.exceptions.ConnectionError())
    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Typed"))
    assert response.status_code == 502
    page = text(response)
    assert "Could not confirm the save." in page
    assert "Open the record in a new tab (or its History) to check" in page
    assert 'value="Typed"' in field_row(page, "Company")
    assert "Someone" not in page and "refused" not in page.lower()
    entry = AuditEntry.objects.get()
    assert (entry.succeeded, entry.confirmed) == (False, False)


def test_a_lost_answer_with_a_different_record_keeps_the_input_on_zohos_latest(editor_client, zoho):
    html = opened(editor_client, zoho)
    zoho.put(record_url(), body=requests.exceptions.ReadTimeout())
    theirs = record(Company="Zylker Global", Phone="+1 555 0777", Modified_Time=THEIR_TIME)
    zoho.get(record_url(), json={"data": [theirs]})
    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Typed"))
    assert response.status_code == 502
    page = text(response)
    assert "Could not confirm the save." in page
    assert 'value="Typed"' in field_row(page, "Company")  # the input is kept
    assert 'value="+1 555 0777"' in field_row(page, "Phone")  # Zoho's latest around it
    assert "Someone else" not in page
    assert AuditEntry.objects.get().confirmed is False
    put2 = zoho.put(record_url(), json=success())
    editor_client.post(edit_url(zoho.connection), form_data(page))
    assert put2.calls[-1].request.headers["If-Unmodified-Since"] == THEIR_TIME
    assert sent_json(put2.calls[-1])["data"][0] == {"Company": "Typed", "id": RECORD_ID}


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503, "body": "<html>503 Service Temporarily Unavailable</html>"},
        {"body": requests.exceptions.ConnectionError()},
    ],
    ids=["503", "dropped"],
)
def test_a_save_whose_re_read_fails_says_saved_and_never_sends_a_row_twice(
    editor_client, zoho, failure
):
    html = opened(editor_client, zoho)
    put = zoho.put(record_url(), json=success(SAVED_TIME))
    zoho.get(record_url(), **failure)
    response = editor_client.post(
        edit_url(zoho.connection),
        form_data(html, Company="Typed", **{"Items-1-Item_Name": "Desk", "Items-1-Qty": "1"}),
    )
    assert response.status_code == 200
    page = text(response)
    assert "Changed: Company, Items. Saved." in page
    assert "the record could not be read again afterwards" in page
    assert 'value="Typed"' in field_row(page, "Company")  # typed values shown as the saved ones
    assert 'value="Desk"' in field_row(page, "Items")
    assert AuditEntry.objects.get().succeeded is True
    editor_client.post(edit_url(zoho.connection), form_data(page, Phone="+1 555 0142"))
    again = sent_json(put.calls[-1])["data"][0]
    assert put.calls[-1].request.headers["If-Unmodified-Since"] == SAVED_TIME
    assert again == {"Phone": "+1 555 0142", "id": RECORD_ID}  # no Items: no row twice


def test_the_merge_screens_use_theirs_puts_their_value_into_the_input(editor_client, zoho):
    html = opened(editor_client, zoho)
    theirs = record(Modified_Time=THEIR_TIME, Company="Zylker Global")
    zoho.put(record_url(), status=412, json={"code": "ALREADY_MODIFIED", "status": "error"})
    zoho.get(record_url(), json={"data": [theirs]})
    conflict = editor_client.post(
        edit_url(zoho.connection), form_data(html, Company="Zylker Typed", Description="Mine")
    ).content.decode()
    assert 'name="use_theirs" value="Company"' in field_row(conflict, "Company")
    response = editor_client.post(
        edit_url(zoho.connection), form_data(conflict, use_theirs="Company")
    )
    page = text(response)
    assert 'value="Zylker Global"' in field_row(page, "Company")
    assert "Company__resolve" not in page
    assert "Mine" in field_row(page, "Description")  # the other typed value stays
    assert "Company now shows Zoho's value. Nothing is sent to Zoho until you save." in page
    put = zoho.put(record_url(), json=success())
    editor_client.post(edit_url(zoho.connection), form_data(page))
    assert put.calls[-1].request.headers["If-Unmodified-Since"] == THEIR_TIME
    assert sent_json(put.calls[-1])["data"][0] == {"Description": "Mine", "id": RECORD_ID}


def test_the_outcome_is_anchored_and_repeated_in_the_save_bar(editor_client, zoho):
    html = opened(editor_client, zoho)
    assert 'action="/records/' in html and '#outcome"' in html
    assert 'hx-disabled-elt="find .sticky-actions button"' in html
    zoho.put(record_url(), json=success(SAVED_TIME))
    zoho.get(record_url(), json={"data": [record(Company="New", Modified_Time=SAVED_TIME)]})
    response = editor_client.post(
        edit_url(zoho.connection), form_data(html, Company="New"), headers={"HX-Request": "true"}
    )
    page = text(response)
    bar = page[page.index('id="save-outcome"') :]
    assert bar[bar.index(">") + 1 :].startswith("Saved. Changed: Company.")


# -- Against the sandbox: a write that lands after the client gave up -------------------------


@pytest.fixture
def contact(sandbox_connection, sandbox, editor_client):
    from crmadmin.zoho import client_for
    from updater.records import records_list

    listed = records_list(
        client=client_for(sandbox_connection), module="Contacts", fields=["id"], per_page=1
    )
    record_id = str(listed.records[0]["id"])
    url = f"/records/{sandbox_connection.pk}/Contacts/{record_id}/"
    return record_id, url, editor_client.get(url).content.decode()


def test_sandbox_a_write_that_lands_after_the_answer_is_lost_is_shown_saved_once(
    editor_client, sandbox, contact
):
    record_id, url, html = contact
    sandbox.faults.set("lost_answer", path="PUT /crm/v8/Contacts", count=1)
    response = editor_client.post(url, form_data(html, Title="Late but landed"))
    assert response.status_code == 200
    assert "your changes are in Zoho" in text(response)
    assert sandbox.get_record("Contacts", record_id)["Title"] == "Late but landed"
    assert sandbox.updates_of("Contacts") == {record_id: 1}  # applied once, never replayed
    entry = AuditEntry.objects.get(record_id=record_id)
    assert (entry.succeeded, entry.confirmed) == (True, True)


def test_sandbox_a_dropped_save_that_never_landed_is_not_saved(editor_client, sandbox, contact):
    record_id, url, html = contact
    sandbox.faults.set("drop", path="PUT /crm/v8/Contacts", count=1)
    response = editor_client.post(url, form_data(html, Title="Never sent"))
    assert response.status_code == 502
    page = text(response)
    assert "Not saved." in page
    assert 'value="Never sent"' in field_row(page, "Title")
    assert sandbox.updates_of("Contacts") == {}
    assert AuditEntry.objects.get(record_id=record_id).succeeded is False


def test_sandbox_a_lost_answer_and_an_unreadable_record_is_could_not_confirm(
    editor_client, sandbox, contact
):
    record_id, url, html = contact
    sandbox.faults.set("lost_answer", path="PUT /crm/v8/Contacts", count=1)
    sandbox.faults.set("status", path="GET /crm/v8/Contacts", status=503)
    response = editor_client.post(url, form_data(html, Title="Landed unseen"))
    assert response.status_code == 502
    page = text(response)
    assert "Could not confirm the save." in page
    assert 'value="Landed unseen"' in field_row(page, "Title")
    assert sandbox.updates_of("Contacts") == {record_id: 1}
    assert AuditEntry.objects.get(record_id=record_id).confirmed is False


def test_a_conflict_with_ones_own_landed_write_blames_no_one(editor_client, zoho):
    # The first save's answer was lost and Zoho looked unchanged; it landed a moment later.
    html = opened(editor_client, zoho)
    zoho.put(record_url(), body=requests.exceptions.ReadTimeout())
    zoho.get(record_url(), json={"data": [record()]})
    not_saved = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Typed"))
    assert not_saved.status_code == 502
    put = zoho.put(record_url(), status=412, json={"code": "ALREADY_MODIFIED", "status": "error"})
    zoho.get(record_url(), json={"data": [record(Company="Typed", Modified_Time=SAVED_TIME)]})
    response = editor_client.post(edit_url(zoho.connection), form_data(not_saved.content.decode()))
    page = text(response)
    assert response.status_code == 200
    assert "Already saved. Zoho holds exactly what you sent" in page
    assert "Someone else" not in page
    assert 'value="Typed"' in field_row(page, "Company")
    assert put.call_count == 1
    put2 = zoho.put(record_url(), json=success())
    editor_client.post(edit_url(zoho.connection), form_data(page, Phone="+1 555 0142"))
    assert put2.calls[-1].request.headers["If-Unmodified-Since"] == SAVED_TIME
