"""Every save through crmadmin is audited, and each record has a history page."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

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
    assert '<span class="badge err">Not saved</span>' in page
    assert "Some values were not accepted." in page
    assert '<span class="badge ok">Saved</span>' in page
    assert "INVALID_DATA" not in page
    assert "SUCCESS" not in page
    assert page.count('class="card history-entry"') == 2


def test_history_needs_access_to_the_connection(client, django_user_model, zoho):
    client.force_login(django_user_model.objects.create_user(username="x", password="y"))
    assert client.get(edit_url(zoho.connection) + "history/").status_code == 403


def _entry(user, connection, *, changes, code="SUCCESS", **extra):
    return AuditEntry.objects.create(
        user=user,
        connection=connection,
        module="Leads",
        record_id=RECORD_ID,
        record_name="Stewart",
        response_code=code,
        succeeded=code == "SUCCESS",
        changes=changes,
        **extra,
    )


def _history(client, connection) -> str:
    """The history page without its CSRF tokens: a random 64-character token can hold any short
    text (it once held "r1"), so the "not in page" checks below read the page without them."""
    page = client.get(edit_url(connection) + "history/").content.decode()
    return re.sub(r"\b[A-Za-z0-9]{64}\b", "", page)


def test_history_shows_times_in_the_orgs_time_zone_like_the_edit_page(
    editor_client, editor_user, zoho
):
    entry = _entry(editor_user, zoho.connection, changes=[])
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    moved = {"api_name": "Call_Time", "label": "Call time"}
    _entry(
        editor_user,
        zoho.connection,
        changes=[moved | {"before": "2026-03-01T09:00:00Z", "after": "2026-03-02T10:30:00+00:00"}],
    )

    page = _history(editor_client, zoho.connection)

    assert 'datetime="2026-03-01T14:30:00+05:30">2026-03-01 14:30:00 +05:30</time>' in page
    assert "times in Asia/Kolkata" in page
    assert "<td>2026-03-01 14:30:00 +05:30</td><td>2026-03-02 16:00:00 +05:30</td>" in page
    assert "UTC" not in page


def test_history_says_in_words_what_happened_to_a_write_that_got_no_answer(
    editor_client, editor_user, zoho
):
    _entry(editor_user, zoho.connection, changes=[], code="ZohoConnectionError", confirmed=False)
    _entry(editor_user, zoho.connection, changes=[], code="ZohoTimeout")  # re-read: unchanged
    _entry(editor_user, zoho.connection, changes=[], code="NON_JSON_RESPONSE")
    _entry(editor_user, zoho.connection, changes=[], code="ALREADY_MODIFIED")

    page = html.unescape(_history(editor_client, zoho.connection))

    assert '<span class="badge warn">Not confirmed</span>' in page
    assert "Could not reach Zoho. Whether the change landed could not be confirmed." in page
    assert '<span class="badge warn">Not saved</span>' in page
    assert "Zoho's answer never came, so the record was read again: it was unchanged." in page
    assert "Zoho sent an unexpected answer." in page
    assert "Someone changed the record in Zoho first." in page
    for code in ("ZohoConnectionError", "NON_JSON_RESPONSE", "ALREADY_MODIFIED", "Refused"):
        assert code not in page


def test_history_shows_subform_changes_row_by_row_not_unchanged_row_ids(
    editor_client, editor_user, zoho
):
    before = [
        {"id": "r1", "Product": "Bolts", "Quantity": 2},
        {"id": "r2", "Product": "Nuts", "Quantity": 5},
        {"id": "r3", "Product": "Washers", "Quantity": 9},
    ]
    after = [
        {"id": "r1"},
        {"id": "r2", "Quantity": 6},
        {"Product": "Screws", "Quantity": 1},
        {"id": "r3", "_delete": None},
    ]
    change = {"api_name": "Line_Items", "label": "Line items", "before": before, "after": after}
    _entry(editor_user, zoho.connection, changes=[change])

    page = _history(editor_client, zoho.connection)

    assert '<th scope="row">Line items, row 2: Quantity</th><td>5</td><td>6</td>' in page
    assert (
        '<th scope="row">Line items, new row</th><td>—</td><td>Product: Screws; Quantity: 1</td>'
        in page
    )
    assert (
        '<th scope="row">Line items, row 3 removed</th>'
        "<td>Product: Washers; Quantity: 9</td><td>—</td>" in page
    )
    assert "row 1" not in page
    assert "r1" not in page


def test_history_names_each_field_once(editor_client, editor_user, zoho):
    email = {"api_name": "Email", "label": "Email", "before": "a@x.test", "after": "b@x.test"}
    _entry(editor_user, zoho.connection, changes=[email])

    page = _history(editor_client, zoho.connection)

    assert '<th scope="row">Email</th><td>a@x.test</td><td>b@x.test</td>' in page


def test_history_shows_links_with_zohos_answer_per_deal(editor_client, editor_user, zoho):
    deal = {"api_name": "Deals", "label": "Deal", "before": None, "related_id": "d1"}
    _entry(
        editor_user,
        zoho.connection,
        action=AuditEntry.Action.LINK,
        code="INVALID_DATA",
        changes=[
            deal | {"after": "Acme renewal (External_Deal_ID D-1)", "code": "SUCCESS"},
            deal | {"after": "External_Deal_ID D-2", "code": "INVALID_DATA"},
        ],
    )

    page = _history(editor_client, zoho.connection)

    assert '<span class="badge err">Not linked</span>' in page
    assert '<th scope="row">Deal</th><td>—</td><td>Acme renewal (External_Deal_ID D-1)</td>' in page
    assert (
        'External_Deal_ID D-2 <span class="field-error small">'
        "(not done: Some values were not accepted)</span>" in page
    )


def test_a_created_record_reads_like_a_save_names_rich_text_and_linked_records(
    editor_client, editor_user, zoho
):
    changes = [
        {
            "api_name": "Owner",
            "label": "Owner",
            "before": None,
            "after": {"id": "7", "name": "Pat"},
        },
        {
            "api_name": "Bio",
            "label": "Bio",
            "before": None,
            "after": "<p><b>Bold</b> start</p><script>x()</script>",
            "html": True,
        },
        {
            "api_name": "Listings",
            "label": "Listings",
            "before": None,
            "after": [{"Product": {"id": "5", "name": "Villa"}}],
        },
    ]
    _entry(editor_user, zoho.connection, changes=changes, action=AuditEntry.Action.CREATE)

    page = _history(editor_client, zoho.connection)

    assert '<th scope="row">Owner</th><td>—</td><td>Pat</td>' in page
    # Rich text as the edit form shows it: its HTML, cleaned (never the markup as text).
    assert "<b>Bold</b> start" in page and "&lt;p&gt;" not in page and "<script>" not in page
    assert '<th scope="row">Listings, new row</th><td>—</td><td>Product: Villa</td>' in page
