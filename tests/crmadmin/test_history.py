"""Every save through crmadmin is audited, and each record has a history page."""

from __future__ import annotations

from crmadmin.models import AuditEntry
from tests.crmadmin.record_support import (
    RECORD_ID,
    edit_url,
    form_data,
    mock_get,
    record_url,
    success,
)


def test_a_successful_save_is_audited_field_by_field(editor_client, editor_user, zoho):
    mock_get(zoho)
    html = editor_client.get(edit_url(zoho.connection)).content.decode()
    zoho.put(record_url(), json=success())
    editor_client.post(
        edit_url(zoho.connection), form_data(html, Company="Zylker Ltd", Employees="41")
    )
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.connection, entry.module, entry.record_id) == (
        editor_user,
        zoho.connection,
        "Leads",
        RECORD_ID,
    )
    assert entry.record_name == "Stewart"
    assert (entry.response_code, entry.succeeded) == ("SUCCESS", True)
    assert entry.changes == [
        {"api_name": "Company", "label": "Company", "before": "Zylker", "after": "Zylker Ltd"},
        {"api_name": "Employees", "label": "Employees", "before": 40, "after": 41},
    ]


def test_history_lists_saves_newest_first_with_before_and_after(editor_client, editor_user, zoho):
    for code, after in (("SUCCESS", "First"), ("INVALID_DATA", "Second")):
        AuditEntry.objects.create(
            user=editor_user,
            connection=zoho.connection,
            module="Leads",
            record_id=RECORD_ID,
            record_name="Stewart",
            response_code=code,
            succeeded=code == "SUCCESS",
            changes=[
                {"api_name": "Company", "label": "Company", "before": "Zylker", "after": after}
            ],
        )
    AuditEntry.objects.create(
        user=editor_user,
        connection=zoho.connection,
        module="Leads",
        record_id="999",
        response_code="SUCCESS",
    )
    response = editor_client.get(edit_url(zoho.connection) + "history/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "History of Stewart" in page
    assert page.index("Second") < page.index("First")
    assert "Refused · INVALID_DATA" in page
    assert "Saved · SUCCESS" in page
    assert page.count('class="card history-entry"') == 2


def test_history_needs_access_to_the_connection(client, django_user_model, zoho):
    client.force_login(django_user_model.objects.create_user(username="x", password="y"))
    assert client.get(edit_url(zoho.connection) + "history/").status_code == 403
