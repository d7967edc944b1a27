"""New, clone and delete (issue #15 "Records"): what is sent, what the page shows, what the
audit keeps. HTTP mocked with ``responses`` (exact URLs); the sandbox cases are at the end."""

from __future__ import annotations

import html as html_lib

import pytest
import requests
from django.contrib.auth.models import Group
from django.core.cache import cache

from crmadmin.models import AuditEntry, ConnectionGrant
from tests.crmadmin.record_support import (
    API,
    FIELDS,
    LAYOUTS,
    MODULE,
    RECORD_ID,
    edit_url,
    field_row,
    form_data,
    mock_get,
    record,
    record_url,
    sections,
    sent_json,
)

NEW_ID = "4150868000009990001"
LAYOUT_ID = LAYOUTS[0]["id"]


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


def modules(rsps, **flags):
    leads = {
        "api_name": MODULE,
        "module_name": MODULE,
        "singular_label": "Lead",
        "plural_label": "Leads",
        "api_supported": True,
        "editable": True,
        "creatable": True,
        "deletable": True,
        "id": "4150868000000002175",
        "generated_type": "default",
    }
    rsps.get(f"{API}/settings/modules", json={"modules": [{**leads, **flags}]})


def added(record_id=NEW_ID):
    details = {
        "Modified_Time": "2024-01-16T10:00:00+05:30",
        "Modified_By": {"name": "Patricia Boyle", "id": "1"},
        "Created_Time": "2024-01-16T10:00:00+05:30",
        "id": record_id,
        "Created_By": {"name": "Patricia Boyle", "id": "1"},
        "$approval_state": "approved",
    }
    return {
        "data": [
            {"code": "SUCCESS", "details": details, "message": "record added", "status": "success"}
        ]
    }


def new_url(connection):
    return f"/records/{connection.pk}/{MODULE}/new/"


@pytest.fixture
def leads(zoho):
    modules(zoho)
    return zoho


def test_new_opens_the_layouts_empty_form_and_create_sends_only_the_filled_fields(
    editor_client, leads
):
    page = editor_client.get(new_url(leads.connection))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>New Lead" in html
    assert "value=" not in field_row(html, "Company").split("<input", 1)[1].split(">", 1)[0]
    assert "Create Lead" in html
    post = leads.post(f"{API}/{MODULE}", json=added(), status=201)
    response = editor_client.post(
        new_url(leads.connection), form_data(html, Last_Name="Newman", Company="Zylker")
    )
    assert response.status_code == 302
    assert response["Location"] == edit_url(leads.connection, record_id=NEW_ID)
    sent = sent_json(post.calls[0])
    assert sent == {
        "data": [{"Last_Name": "Newman", "Company": "Zylker", "Layout": {"id": LAYOUT_ID}}]
    }
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.record_id, entry.record_name) == ("create", NEW_ID, "Newman")
    assert (entry.succeeded, entry.response_code) == (True, "SUCCESS")
    assert {c["api_name"]: (c["before"], c["after"]) for c in entry.changes} == {
        "Last_Name": (None, "Newman"),
        "Company": (None, "Zylker"),
    }
    mock_get(leads, record(id=NEW_ID, Last_Name="Newman"))
    landed = editor_client.get(response["Location"])
    assert "Created Lead “Newman” in Zoho." in text(landed)


def test_new_reads_the_form_from_the_layouts_answer_without_the_fields_call(editor_client, leads):
    page = editor_client.get(new_url(leads.connection))

    assert page.status_code == 200
    assert [call.request.url for call in leads.calls] == [
        f"{API}/settings/modules",
        f"{API}/settings/layouts?module={MODULE}",
        f"{API}/settings/fields?module=Items",  # the subform's row fields
    ]
    assert 'class="required"' in field_row(page.content.decode(), "Company")


def test_new_with_htmx_redirects_the_browser_to_the_new_record(editor_client, leads):
    html = editor_client.get(new_url(leads.connection)).content.decode()
    leads.post(f"{API}/{MODULE}", json=added(), status=201)
    response = editor_client.post(
        new_url(leads.connection),
        form_data(html, Last_Name="Newman", Company="Zylker"),
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == edit_url(leads.connection, record_id=NEW_ID)


def test_a_required_field_left_empty_is_refused_next_to_it_and_nothing_is_sent(
    editor_client, leads
):
    html = editor_client.get(new_url(leads.connection)).content.decode()
    post = leads.post(f"{API}/{MODULE}", json=added(), status=201)
    response = editor_client.post(new_url(leads.connection), form_data(html, Company="Zylker"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "field-error" in field_row(page, "Last_Name")
    assert 'value="Zylker"' in field_row(page, "Company")
    assert len(post.calls) == 0
    assert not AuditEntry.objects.exists()


def test_zoho_refusing_a_new_record_shows_its_error_by_the_field_and_keeps_the_values(
    editor_client, leads
):
    html = editor_client.get(new_url(leads.connection)).content.decode()
    duplicate = {
        "code": "DUPLICATE_DATA",
        "details": {"api_name": "Email", "json_path": "$.data[0].Email"},
        "message": "duplicate data",
        "status": "error",
    }
    leads.post(f"{API}/{MODULE}", json={"data": [duplicate]}, status=400)
    response = editor_client.post(
        new_url(leads.connection),
        form_data(html, Last_Name="Twin", Company="Zylker", Email="stewart@zylker.com"),
    )
    assert response.status_code == 422
    page = text(response)
    email = field_row(page, "Email")
    assert 'aria-invalid="true"' in email
    assert 'value="stewart@zylker.com"' in email
    assert 'value="Twin"' in field_row(page, "Last_Name")
    assert "Zoho did not create the record." in page
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.response_code) == (
        "create",
        False,
        "DUPLICATE_DATA",
    )


def test_a_field_the_layout_hides_that_zoho_needs_for_a_new_record_is_shown_to_fill_in(
    editor_client, leads
):
    shown = [entry for entry in FIELDS if entry["api_name"] != "Call_Duration"]
    layout = {**LAYOUTS[0], "sections": sections(shown)}
    leads.replace("GET", f"{API}/settings/layouts?module={MODULE}", json={"layouts": [layout]})
    html = editor_client.get(new_url(leads.connection)).content.decode()
    assert 'id="field-Call_Duration"' not in html
    needs = {
        "code": "MANDATORY_NOT_FOUND",
        "details": {"api_name": "Call_Duration", "json_path": "$.data[0].Call_Duration"},
        "message": "required field not found",
        "status": "error",
    }
    leads.post(f"{API}/{MODULE}", json={"data": [needs]}, status=400)
    leads.calls.reset()

    response = editor_client.post(
        new_url(leads.connection), form_data(html, Last_Name="Newman", Company="Zylker")
    )

    assert response.status_code == 422
    fields_url = f"{API}/settings/fields?module={MODULE}"
    assert [call.request.url for call in leads.calls] == [f"{API}/{MODULE}", fields_url]
    page = text(response)
    row = field_row(page, "Call_Duration")
    assert "Zoho needs Call duration to save this record" in row
    assert 'name="Call_Duration"' in row and 'aria-invalid="true"' in row
    assert 'value="Newman"' in field_row(page, "Last_Name")

    leads.replace("POST", f"{API}/{MODULE}", json=added(), status=201)
    created = editor_client.post(new_url(leads.connection), form_data(page, Call_Duration="3"))

    assert created.status_code == 302
    sent = [call for call in leads.calls if call.request.method == "POST"][-1]
    assert sent_json(sent)["data"][0] == {
        "Last_Name": "Newman",
        "Company": "Zylker",
        "Call_Duration": "3",
        "Layout": {"id": LAYOUT_ID},
    }


def test_a_create_whose_answer_never_came_says_it_may_have_landed(editor_client, leads):
    html = editor_client.get(new_url(leads.connection)).content.decode()
    leads.post(f"{API}/{MODULE}", body=requests.ConnectionError("reset by peer"))
    response = editor_client.post(
        new_url(leads.connection), form_data(html, Last_Name="Maybe", Company="Zylker")
    )
    assert response.status_code == 502
    page = text(response)
    assert "the record may have been created" in page
    assert "Zoho did not create the record." not in page
    assert 'value="Maybe"' in field_row(page, "Last_Name")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.succeeded, entry.confirmed) == ("create", False, False)


def test_a_module_zoho_does_not_let_create_records_has_no_new_form(editor_client, zoho):
    modules(zoho, creatable=False)
    post = zoho.post(f"{API}/{MODULE}", json=added(), status=201)
    assert editor_client.get(new_url(zoho.connection)).status_code == 403
    assert editor_client.post(new_url(zoho.connection), {"Last_Name": "x"}).status_code == 403
    assert len(post.calls) == 0


def test_a_user_whose_grant_leaves_out_the_module_may_not_create_or_delete(
    editor_client, leads, editors_group
):
    ConnectionGrant.objects.filter(group=editors_group).update(modules="Contacts")
    assert editor_client.get(new_url(leads.connection)).status_code == 403
    delete = f"{edit_url(leads.connection)}delete/"
    assert editor_client.post(delete).status_code == 403
    assert len(leads.calls) == 0


def test_several_layouts_are_offered_before_the_form(editor_client, leads):
    other = {**LAYOUTS[0], "id": "4150868000000091099", "name": "Partners"}
    leads.replace(
        "GET", f"{API}/settings/layouts?module={MODULE}", json={"layouts": [*LAYOUTS, other]}
    )
    page = text(editor_client.get(new_url(leads.connection)))
    assert "Which layout?" in page
    assert f'href="{new_url(leads.connection)}?layout=4150868000000091099">Partners' in page
    assert "record-form-fields" not in page
    chosen = editor_client.get(new_url(leads.connection) + "?layout=4150868000000091099")
    assert 'id="record-form-fields"' in chosen.content.decode()


def test_clone_prefills_the_new_form_without_ids_system_computed_and_unique_fields(
    editor_client, leads
):
    mock_get(leads)
    response = editor_client.get(f"{edit_url(leads.connection)}clone/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Zylker"' in field_row(html, "Company")
    assert 'value="stewart@zylker.com"' not in field_row(html, "Email")  # unique
    assert "L-0001" not in html  # autonumber
    # The records it links come as records to add (hidden inputs, as if picked); files do not.
    listings = field_row(html, "Listings")
    assert 'name="Listings__add" value="4150868000000500001"' in listings
    assert 'name="Listings__add_name" value="Villa"' in listings and "(to add)" in listings
    assert 'name="Listings__remove"' not in listings  # the original's linking row is not here
    assert 'name="Helpers__add" value="4150868000000225014"' in field_row(html, "Helpers")
    assert "front.png" not in field_row(html, "Photos")
    assert "files are left out" in html
    post = leads.post(f"{API}/{MODULE}", json=added(), status=201)
    editor_client.post(f"{edit_url(leads.connection)}clone/", form_data(html))
    sent = sent_json(post.calls[0])["data"][0]
    assert sent["Company"] == "Zylker"
    assert sent["Last_Name"] == "Stewart"
    assert "Email" not in sent and "Lead_No" not in sent and "id" not in sent
    assert sent["Items"] == [{"Item_Name": "Chair", "Qty": 2}]  # the row, without its id
    entry = AuditEntry.objects.get()
    assert entry.record_name == "Stewart"  # its own name, not a lookup's
    kept = {change["api_name"]: change["after"] for change in entry.changes}
    assert kept["Listings"] == [{"Product": {"id": "4150868000000500001", "name": "Villa"}}]
    assert sent["Listings"] == [{"Product": {"id": "4150868000000500001"}}]
    assert sent["Helpers"] == [{"User": {"id": "4150868000000225014"}}]
    assert "Photos" not in sent


def test_delete_asks_on_a_page_naming_the_record_then_deletes_and_audits_its_values(
    editor_client, leads
):
    mock_get(leads)
    url = f"{edit_url(leads.connection)}delete/"
    ask = editor_client.get(url)
    assert ask.status_code == 200
    assert "Delete “Stewart”?" in text(ask)
    assert len([c for c in leads.calls if c.request.method == "DELETE"]) == 0
    delete = leads.delete(
        record_url(),
        json={
            "data": [
                {
                    "code": "SUCCESS",
                    "details": {"id": RECORD_ID},
                    "message": "record deleted",
                    "status": "success",
                }
            ]
        },
    )
    response = editor_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == f"/records/{leads.connection.pk}/{MODULE}/"
    assert len(delete.calls) == 1 and delete.calls[0].request.body is None
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.record_id, entry.record_name, entry.succeeded) == (
        "delete",
        RECORD_ID,
        "Stewart",
        True,
    )
    kept = {c["api_name"]: c["before"] for c in entry.changes}
    assert kept["Company"] == "Zylker" and kept["Email"] == "stewart@zylker.com"
    assert {c["label"] for c in entry.changes} >= {"Company", "Last name"}


def test_delete_refused_by_zoho_stays_on_the_page_with_the_reason(editor_client, leads):
    mock_get(leads)
    refused = {
        "code": "INVALID_DATA",
        "details": {"id": RECORD_ID},
        "message": "record not deleted",
    }
    leads.delete(record_url(), json={"data": [{**refused, "status": "error"}]}, status=400)
    response = editor_client.post(f"{edit_url(leads.connection)}delete/")
    assert response.status_code == 422
    assert "Delete “Stewart”?" in text(response)
    assert AuditEntry.objects.get().succeeded is False


def test_a_module_zoho_does_not_let_delete_records_asks_nothing(editor_client, zoho):
    modules(zoho, deletable=False)
    assert editor_client.get(f"{edit_url(zoho.connection)}delete/").status_code == 403


def test_the_record_page_offers_clone_and_delete_only_where_the_cached_modules_answer_allows(
    editor_client, zoho
):
    clone, delete = f"{edit_url(zoho.connection)}clone/", f"{edit_url(zoho.connection)}delete/"
    mock_get(zoho)
    page = editor_client.get(edit_url(zoho.connection)).content.decode()
    assert f'href="{clone}"' in page and f'href="{delete}"' in page  # not known: shown

    modules(zoho, creatable=False, deletable=False)
    editor_client.get(f"{edit_url(zoho.connection)}delete/")  # a page that reads the modules
    zoho.calls.reset()
    page = editor_client.get(edit_url(zoho.connection)).content.decode()

    assert f'href="{clone}"' not in page and f'href="{delete}"' not in page
    assert [call.request.url for call in zoho.calls] == [record_url()]  # read from the cache


# -- against the sandbox ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_metadata():
    """Connection ids repeat between tests: no test reads another's cached metadata."""
    cache.clear()


def test_sandbox_new_deal_in_a_chosen_layout_is_created_and_opened(
    editor_client, sandbox, sandbox_connection
):
    url = f"/records/{sandbox_connection.pk}/Deals/new/"
    choose = text(editor_client.get(url))
    assert "Which layout?" in choose and "Renewals" in choose
    renewals = choose.split('">Renewals')[0].rsplit("?layout=", 1)[1]
    html = editor_client.get(f"{url}?layout={renewals}").content.decode()
    account = sandbox.app.store.all_records("Accounts")[0]
    response = editor_client.post(
        url,
        form_data(
            html,
            Deal_Name="Renewal 2027",
            Stage="Qualification",
            Pipeline="Renewals",
            Closing_Date="2027-01-31",
            Account_Name_label=account["Account_Name"],
            Account_Name=account["id"],
        ),
    )
    assert response.status_code == 302, text(response)[:3000]
    new_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    stored = sandbox.get_record("Deals", new_id)
    assert (stored["Deal_Name"], stored["Layout"]["name"]) == ("Renewal 2027", "Renewals")


def test_sandbox_delete_sends_the_contact_to_the_recycle_bin(
    editor_client, sandbox, sandbox_connection
):
    contact = sandbox.app.store.all_records("Contacts")[-1]
    url = f"/records/{sandbox_connection.pk}/Contacts/{contact['id']}/delete/"
    response = editor_client.post(url, follow=True)
    assert sandbox.get_record("Contacts", contact["id"]) is None
    assert sandbox.app.store.recycled("Contacts")[0]["id"] == contact["id"]
    assert f"Deleted “{contact['Full_Name']}”" in text(response)


def test_viewer_outside_the_editors_group_may_not_open_new(client, django_user_model, zoho):
    user = django_user_model.objects.create_user(username="other", password="x")
    user.groups.add(Group.objects.create(name="Others"))
    client.force_login(user)
    assert client.get(new_url(zoho.connection)).status_code == 403
