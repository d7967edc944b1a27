"""Every error on Zoho's Update Records page lands where a person looks for it: field errors in
the field's row, record errors at the top with their next step; the form keeps what was typed."""

from __future__ import annotations

import pytest
import requests

from tests.crmadmin.record_support import (
    RECORD_ID,
    edit_url,
    field_row,
    form_data,
    mock_get,
    record_url,
)


def per_record(code, message, details):
    return {"data": [{"code": code, "details": details, "message": message, "status": "error"}]}


def whole(code, message, details=None):
    return {"code": code, "details": details or {}, "message": message, "status": "error"}


def path(name):
    return f"$.data[0].{name}"


def save_refused(client, zoho, status, body, **changes):
    mock_get(zoho)
    html = client.get(edit_url(zoho.connection)).content.decode()
    zoho.put(record_url(), status=status, json=body)
    changes = {"Company": "Zylker Typed", **changes}
    response = client.post(edit_url(zoho.connection), form_data(html, **changes))
    assert response.status_code == 422
    page = response.content.decode()
    assert 'value="Zylker Typed"' in field_row(page, "Company")  # nothing typed is lost
    assert 'value="Zylker Inc"' in field_row(page, "Account")  # the lookup keeps its name
    assert "L-0001" in field_row(page, "Lead_No")  # read-only values still shown
    return page


FIELD_ERRORS = [
    (
        "Employees",
        per_record(
            "INVALID_DATA",
            "invalid data",
            {
                "expected_data_type": "integer",
                "api_name": "Employees",
                "json_path": path("Employees"),
            },
        ),
        "Enter a whole number.",
    ),
    (
        "Company",
        per_record(
            "INVALID_DATA",
            "invalid data",
            {"maximum_length": 2, "api_name": "Company", "json_path": path("Company")},
        ),
        "Enter at most 2 characters.",
    ),
    (
        "Last_Name",
        per_record(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            {"api_name": "Last_Name", "json_path": path("Last_Name")},
        ),
        "Last name is required.",
    ),
    (
        "Email",
        per_record(
            "DUPLICATE_DATA",
            "duplicate data",
            {
                "api_name": "Email",
                "json_path": path("Email"),
                "duplicate_record": {
                    "id": "4150868000000999001",
                    "module": {"api_name": "Leads", "id": "1"},
                    "Owner": {"name": "P Boyle", "id": "2"},
                },
                "more_records": False,
            },
        ),
        "Another record already has this value.",
    ),
    (
        "Call_Duration",
        per_record(
            "DEPENDENT_MISMATCH",
            "Call Duration can not be zero.",
            {
                "api_name": "Call_Duration",
                "json_path": path("Call_Duration"),
                "dependee": {"api_name": "Call_Type", "json_path": path("Call_Type")},
            },
        ),
        "Call Duration can not be zero.",
    ),
    (
        "Helpers",
        per_record(
            "LIMIT_EXCEEDED",
            "Only 50 participants can be added to an event.",
            {"api_name": "Helpers", "json_path": path("Helpers")},
        ),
        "Only 50 participants can be added to an event.",
    ),
    (
        "Helpers",
        per_record(
            "LIMIT_EXCEEDED",
            "Only 50 participants can be added to an event.",
            {"api_name": "Helpers", "limit": 50, "json_path": path("Helpers")},
        ),
        "Enter at most 50 values.",
    ),
]


@pytest.mark.parametrize(("api_name", "body", "message"), FIELD_ERRORS)
def test_field_errors_show_in_their_field_row(editor_client, zoho, api_name, body, message):
    page = save_refused(editor_client, zoho, 400, body)
    row = field_row(page, api_name)
    assert message in row
    assert 'aria-invalid="true"' in row or "has-error" in row
    assert f'href="#field-{api_name}"' in page


def test_duplicate_data_links_to_the_other_record(editor_client, zoho):
    page = save_refused(editor_client, zoho, 400, FIELD_ERRORS[3][1])
    other = f"/records/{zoho.connection.pk}/Leads/4150868000000999001/"
    assert f'<a href="{other}">Open the other record</a>' in field_row(page, "Email")


def test_a_subform_row_error_shows_at_that_row(editor_client, zoho):
    body = per_record(
        "INVALID_DATA",
        "invalid data",
        {"expected_data_type": "integer", "api_name": "Qty", "json_path": "$.data[0].Items[0].Qty"},
    )
    page = save_refused(editor_client, zoho, 400, body, **{"Items-0-Qty": "7"})
    row = page[page.index('id="Items-row-0"') :]
    row = row[: row.index("</tr>")]
    assert "Enter a whole number." in row
    assert "Row 1 of Items needs attention." in page


RECORD_ERRORS = [
    (
        400,
        per_record("RECORD_LOCKED", "Cannot update record that is not approved yet", {}),
        "Zoho is still processing this record",
        "Wait until it finishes",
    ),
    (
        400,
        per_record(
            "RECORD_LOCKED", "You cannot perform this operation as the record is locked.", {}
        ),
        "This record is locked",
        "Wait until it is unlocked",
    ),
    (
        400,
        per_record(
            "RECORD_LOCKED", "Sorry, you cannot perform this operation as the record is locked.", {}
        ),
        "A linked record is locked",
        "leave it out",
    ),
    (
        400,
        per_record("NOT_APPROVED", "Cannot update record that is not approved yet", {}),
        "This record awaits approval",
        "wait for the reviewer",
    ),
    (
        403,
        whole(
            "NO_PERMISSION",
            "Permission denied to update",
            {"permissions": ["Crm_Implied_Edit_Leads"]},
        ),
        "You do not have permission",
        "Zoho CRM administrator",
    ),
    (
        400,
        per_record(
            "AUTHORIZATION_FAILED",
            "User does not have sufficient privilege to update records",
            {"resource_path_index": 0},
        ),
        "You do not have permission",
        "Zoho CRM administrator",
    ),
    (
        401,
        whole("OAUTH_SCOPE_MISMATCH", "Unauthorized"),
        "This connection lacks a permission",
        "Reconnect",
    ),
    (
        400,
        whole(
            "INVALID_MODULE",
            "The module name given seems to be invalid",
            {"resource_path_index": 0},
        ),
        "This module is not available",
        "Zoho CRM administrator",
    ),
    (
        400,
        whole(
            "INVALID_MODULE", "The given module is not supported in API", {"resource_path_index": 0}
        ),
        "This module cannot be edited here",
        "Edit it in Zoho CRM itself",
    ),
    (
        400,
        per_record("INVALID_DATA", "the id given seems to be invalid", {"id": RECORD_ID}),
        "This record was not found in Zoho",
        "open the record again",
    ),
    (
        400,
        per_record(
            "MANDATORY_NOT_FOUND",
            "Required field not found",
            {"api_name": "id", "json_path": "$.data[0].id"},
        ),
        "Zoho did not receive the record&#x27;s ID",
        "report it",
    ),
    (
        404,
        whole("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"),
        "This page does not exist in Zoho",
        "open the record again",
    ),
    (
        400,
        whole("INVALID_REQUEST_METHOD", "The http request method type is not a valid one"),
        "This action is not supported",
        "Report this problem",
    ),
    (429, whole("TOO_MANY_REQUESTS", "Too many requests"), "Zoho is busy", "Wait a few minutes"),
]


@pytest.mark.parametrize(("status", "body", "title", "next_step"), RECORD_ERRORS)
def test_record_errors_show_at_the_top_with_a_next_step(
    editor_client, zoho, status, body, title, next_step
):
    page = save_refused(editor_client, zoho, status, body)
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert title in summary
    assert next_step in summary


def test_a_scope_mismatch_offers_staff_a_reconnect_link(staff_client, zoho):
    page = save_refused(staff_client, zoho, 401, whole("OAUTH_SCOPE_MISMATCH", "Unauthorized"))
    assert "Reconnect “Zylker CRM” with the right scopes" in page


def test_a_timeout_is_no_refusal_but_a_re_read_that_finds_the_record_unchanged(editor_client, zoho):
    mock_get(zoho)
    html = editor_client.get(edit_url(zoho.connection)).content.decode()
    put = zoho.put(record_url(), body=requests.exceptions.ReadTimeout())
    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Typed"))
    assert response.status_code == 502
    assert put.call_count == 1  # a PUT is never retried
    page = response.content.decode()
    assert "Not saved." in page
    assert "Reading the record again shows it unchanged in Zoho" in page
    assert 'value="Typed"' in field_row(page, "Company")


def test_a_revoked_connection_says_it_needs_reconnecting(editor_client, zoho):
    mock_get(zoho)
    html = editor_client.get(edit_url(zoho.connection)).content.decode()
    zoho.put(record_url(), status=401, json=whole("INVALID_TOKEN", "invalid oauth token"))
    zoho.post("https://accounts.zoho.test/oauth/v2/token", json={"error": "invalid_code"})
    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Typed"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "The Zoho authorisation expired" in page
    assert "reconnect “Zylker CRM”" in page


def test_a_non_json_answer_to_a_save_is_checked_by_reading_the_record(editor_client, zoho):
    mock_get(zoho)
    html = editor_client.get(edit_url(zoho.connection)).content.decode()
    zoho.put(record_url(), status=502, body="<html>Bad gateway</html>")
    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Typed"))
    assert response.status_code == 502
    page = response.content.decode()
    assert "Reading the record again shows it unchanged in Zoho" in page
    assert 'value="Typed"' in field_row(page, "Company")


def test_a_failed_save_is_audited_with_zohos_code(editor_client, zoho):
    from crmadmin.models import AuditEntry

    save_refused(editor_client, zoho, 400, FIELD_ERRORS[0][1])
    entry = AuditEntry.objects.get()
    assert (entry.response_code, entry.succeeded) == ("INVALID_DATA", False)
