"""The edit form per data type: what it renders, what it refuses, what it sends."""

from __future__ import annotations

import re

import pytest
import responses

from tests.crmadmin.record_support import (
    MODIFIED,
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


def open_form(client, zoho):
    mock_get(zoho)
    response = client.get(edit_url(zoho.connection))
    assert response.status_code == 200
    return response.content.decode()


def save(client, zoho, html, **changes):
    put = zoho.put(record_url(), json=success())
    response = client.post(edit_url(zoho.connection), form_data(html, **changes))
    return response, put


def test_edit_form_shows_layout_sections_in_order_with_labels_help_and_required_marks(
    editor_client, zoho
):
    html = open_form(editor_client, zoho)
    assert html.index("Lead information") < html.index("More details")
    company = field_row(html, "Company")
    assert "Legal name" in company  # tooltip as help text
    assert 'class="required"' in company  # required in the layout, not system-mandatory
    assert 'aria-describedby="id_Company-help"' in company
    assert 'class="required"' not in field_row(html, "Email")


@pytest.mark.parametrize("api_name", ["Lead_No", "Total", "Locked_Field", "Hologram"])
def test_read_only_and_unknown_fields_are_shown_but_not_editable(editor_client, zoho, api_name):
    html = open_form(editor_client, zoho)
    row = field_row(html, api_name)
    assert 'class="readonly' in row
    assert f'name="{api_name}"' not in row


def test_opening_and_saving_costs_three_api_calls_with_warm_metadata(editor_client, zoho):
    html = open_form(editor_client, zoho)  # warms the metadata cache
    zoho.calls.reset()
    html = open_form(editor_client, zoho)
    response, _put = save(editor_client, zoho, html, Company="Zylker Ltd")
    assert response.status_code == 200
    # Open (GET), save (PUT), read back what Zoho holds after the save (GET).
    assert [call.request.method for call in zoho.calls] == ["GET", "PUT", "GET"]


def test_save_sends_only_changed_fields_with_if_unmodified_since(editor_client, zoho):
    html = open_form(editor_client, zoho)
    response, put = save(editor_client, zoho, html, Company="Zylker Ltd", Phone="+1 555 0199")
    request = put.calls[0].request
    assert request.headers["If-Unmodified-Since"] == MODIFIED
    assert sent_json(put.calls[0]) == {
        "data": [{"Company": "Zylker Ltd", "Phone": "+1 555 0199", "id": RECORD_ID}]
    }
    assert "Saved. Changed: Company, Phone." in response.content.decode()


def test_unchanged_form_sends_nothing(editor_client, zoho):
    html = open_form(editor_client, zoho)
    response, put = save(editor_client, zoho, html)
    assert put.call_count == 0
    assert "Nothing changed" in response.content.decode()


CHANGES = [
    ("Description", "Line one\nline two", "Line one\nline two"),
    ("Email", "new@zylker.com", "new@zylker.com"),
    ("Website", "https://zylker.example/about", "https://zylker.example/about"),
    ("Employees", "41", 41),
    ("Big_Number", "123456789012345678", "123456789012345678"),
    ("Score", "13.75", 13.75),
    ("Annual_Revenue", "300000.50", 300000.5),
    ("Discount", "7.5", 7.5),
    ("Weight", "2.125", 2.125),
    ("Email_Opt_Out", "on", True),
    ("Birth_Date", "1981-02-03", "1981-02-03"),
    ("Call_Time", "2024-02-01T17:45:00", "2024-02-01T17:45:00+05:30"),
    ("Rating", "Hot", "Hot"),
    ("Account", "4150868000000300002", {"id": "4150868000000300002"}),
    # Owner and user lookups: what the picker posts (the user's name, id, and the name that id
    # has); the record's user is shown by the name the record carries.
    (
        "Owner",
        {"Owner_label": "Sam Lee", "Owner": "4150868000000225014", "Owner_idname": "Sam Lee"},
        {"id": "4150868000000225014"},
    ),
    (
        "Reviewer",
        {
            "Reviewer_label": "Sam Lee",
            "Reviewer": "4150868000000225014",
            "Reviewer_idname": "Sam Lee",
        },
        {"id": "4150868000000225014"},
    ),
]


@pytest.mark.parametrize(("api_name", "typed", "sent"), CHANGES)
def test_each_data_type_sends_its_json_form(editor_client, zoho, api_name, typed, sent):
    html = open_form(editor_client, zoho)
    changes = typed if isinstance(typed, dict) else {api_name: typed}
    response, put = save(editor_client, zoho, html, **changes)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert sent_json(put.calls[0])["data"][0] == {api_name: sent, "id": RECORD_ID}


def test_clearing_a_text_field_sends_null(editor_client, zoho):
    html = open_form(editor_client, zoho)
    _response, put = save(editor_client, zoho, html, Description="")
    assert sent_json(put.calls[0])["data"][0] == {"Description": None, "id": RECORD_ID}


def test_multiselect_picklist_replaces_by_default_and_appends_on_request(editor_client, zoho):
    html = open_form(editor_client, zoho)
    _response, put = save(editor_client, zoho, html, Languages=["Korean"])
    assert sent_json(put.calls[0])["data"][0] == {
        "Languages": ["Korean"],
        "$append_values": {"Languages": False},
        "id": RECORD_ID,
    } or sent_json(put.calls[0])["data"][0] == {"Languages": ["Korean"], "id": RECORD_ID}
    zoho.get(record_url(), json={"data": [{}]})  # appended values are re-read after a save
    put2 = zoho.put(record_url(), json=success())
    editor_client.post(
        edit_url(zoho.connection),
        form_data(html, Languages=["English", "Spanish"], Languages__append="append"),
    )
    body = sent_json(put2.calls[-1])["data"][0]
    assert body["Languages"] == ["Spanish"]
    assert body["$append_values"] == {"Languages": True}


def test_removing_linked_rows_sends_delete_and_adding_sends_new_rows(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.get(record_url(), json={"data": [{}]})
    _response, put = save(
        editor_client,
        zoho,
        html,
        Listings__remove="4150868000000600001",
        Listings__add="4150868000000500009",
        Helpers__remove="4150868000000700001",
        Photos__remove="4150868000000800001",
    )
    body = sent_json(put.calls[0])["data"][0]
    assert body["Listings"] == [
        {"Product": {"id": "4150868000000500009"}},
        {"id": "4150868000000600001", "_delete": None},
    ]
    assert body["Helpers"] == [{"id": "4150868000000700001", "_delete": None}]
    assert body["Photos"] == [{"id": "4150868000000800001", "_delete": None}]


def test_subform_rows_are_edited_added_and_removed(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.get(record_url(), json={"data": [{}]})
    _response, put = save(
        editor_client,
        zoho,
        html,
        **{"Items-0-Qty": "3", "Items-1-Item_Name": "Desk", "Items-1-Qty": "1"},
    )
    body = sent_json(put.calls[0])["data"][0]
    assert body["Items"] == [
        {"id": "4150868000000900001", "Qty": 3},
        {"Item_Name": "Desk", "Qty": 1},
    ]
    html = open_form(editor_client, zoho)
    _response, put = save(editor_client, zoho, html, **{"Items-0-DELETE": "on"})
    assert sent_json(put.calls[-1])["data"][0]["Items"] == [
        {"id": "4150868000000900001", "_delete": None}
    ]


INVALID = [
    ("Company", "x" * 31, "at most 30 characters"),
    ("Last_Name", "", "This field is required."),
    ("Email", "not-an-email", "Enter a valid email address."),
    ("Phone", "call me maybe", "Enter a phone number"),
    ("Website", "not a site", "Enter a web address"),
    ("Employees", "1000000000", "less than or equal to 999999999"),
    ("Employees", "4.5", "Enter a whole number."),
    ("Big_Number", "1234567890123456789", "at most 18 digits"),
    ("Score", "1.234", "no more than 2 decimal places"),
    ("Discount", "123456", "no more than 5 digits before the decimal point"),
    ("Birth_Date", "16/08/1980", "Enter a valid date."),
    ("Call_Time", "tomorrow", "Enter a date and time"),
    ("Rating", "Lukewarm", "Select a valid choice."),
    ("Account", "Acme", "Pick a record from the list."),  # a changed page: ids are hidden
    ("Owner", "4150868000000225014x", "Pick a user from the list."),  # a changed page
]


@pytest.mark.parametrize(("api_name", "typed", "message"), INVALID)
def test_invalid_values_are_refused_next_to_their_field_before_anything_is_sent(
    editor_client, zoho, api_name, typed, message
):
    html = open_form(editor_client, zoho)
    response, put = save(editor_client, zoho, html, **{api_name: typed})
    page = response.content.decode()
    assert response.status_code == 422
    assert put.call_count == 0
    row = field_row(page, api_name)
    assert message in row
    assert 'aria-invalid="true"' in row
    assert f'href="#field-{api_name}"' in page  # error summary links to the row
    if api_name not in ("Last_Name", "Owner"):
        assert typed.replace("&", "&amp;")[:20] in row  # the user's value is kept


def test_a_field_is_checked_on_its_own_as_the_user_leaves_it(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.calls.reset()
    response = editor_client.post(
        edit_url(zoho.connection) + "field/Email/",
        form_data(html, Email="nope"),
        headers={"HX-Request": "true"},
    )
    row = response.content.decode()
    assert row.strip().startswith('<div class="field has-error" id="field-Email"')
    assert "Enter a valid email address." in row
    assert len(zoho.calls) == 0


def test_a_forged_state_is_refused_and_nothing_is_sent(editor_client, zoho):
    html = open_form(editor_client, zoho)
    response, put = save(editor_client, zoho, html, crm_state="forged", Company="Zylker Ltd")
    assert response.status_code == 422
    assert put.call_count == 0
    assert "changed outside crmadmin" in response.content.decode()


def test_automation_options_are_sent_as_trigger_and_skip_cadences(editor_client, zoho):
    html = open_form(editor_client, zoho)
    _response, put = save(
        editor_client,
        zoho,
        html,
        Company="Zylker Ltd",
        crm_trigger=["approval"],
        crm_skip_cadences="on",
    )
    body = sent_json(put.calls[0])
    assert body["trigger"] == ["approval"]
    assert body["skip_feature_execution"] == [{"name": "cadences"}]


def test_htmx_save_answers_with_the_form_partial(editor_client, zoho):
    html = open_form(editor_client, zoho)
    put = zoho.put(record_url(), json=success())
    response = editor_client.post(
        edit_url(zoho.connection), form_data(html, Company="Z2"), headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="record-form">')
    assert "<html" not in page
    assert put.call_count == 1


def test_the_form_after_a_save_carries_the_new_modified_time(editor_client, zoho):
    html = open_form(editor_client, zoho)
    saved = record(Company="Zylker Ltd", Modified_Time="2024-01-16T10:00:00+05:30")
    zoho.get(record_url(), json={"data": [saved]})  # what Zoho holds after the save
    response, _put = save(editor_client, zoho, html, Company="Zylker Ltd")
    put2 = zoho.put(record_url(), json=success())
    editor_client.post(
        edit_url(zoho.connection), form_data(response.content.decode(), Phone="+1 555 0142")
    )
    assert put2.calls[-1].request.headers["If-Unmodified-Since"] == "2024-01-16T10:00:00+05:30"
    assert sent_json(put2.calls[-1])["data"][0] == {"Phone": "+1 555 0142", "id": RECORD_ID}


@responses.activate
def test_a_user_without_a_grant_gets_the_403_page(client, django_user_model, zoho):
    user = django_user_model.objects.create_user(username="nobody", password="x")
    client.force_login(user)
    assert client.get(edit_url(zoho.connection)).status_code == 403


def add_row(client, zoho, html, subform="Items", htmx=False, **changes):
    headers = {"HX-Request": "true"} if htmx else {}
    data = form_data(html, add_row=subform, **changes)
    response = client.post(edit_url(zoho.connection), data, headers=headers)
    return response, response.content.decode()


def test_adding_two_rows_then_saving_sends_both_new_rows_in_one_put(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.calls.reset()
    _response, html = add_row(editor_client, zoho, html)
    _response, html = add_row(editor_client, zoho, html)
    assert len(zoho.calls) == 0  # adding rows asks nothing of Zoho
    assert 'name="Items-TOTAL_FORMS" value="4"' in html
    response, put = save(
        editor_client,
        zoho,
        html,
        **{
            "Items-2-Item_Name": "Desk",
            "Items-2-Qty": "1",
            "Items-3-Item_Name": "Lamp",
            "Items-3-Qty": "2",
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert put.call_count == 1
    assert [call.request.method for call in zoho.calls] == ["PUT", "GET"]  # GET: re-read rows
    request = put.calls[0].request
    assert request.headers["If-Unmodified-Since"] == MODIFIED  # the loaded state, unchanged
    assert sent_json(put.calls[0])["data"][0] == {
        "Items": [
            {"id": "4150868000000900001"},  # the kept row, unchanged: only its id
            {"Item_Name": "Desk", "Qty": 1},
            {"Item_Name": "Lamp", "Qty": 2},
        ],
        "id": RECORD_ID,
    }


def test_adding_a_row_keeps_every_typed_value_and_judges_nothing(editor_client, zoho):
    html = open_form(editor_client, zoho)
    state = form_data(html)["crm_state"]
    zoho.calls.reset()
    response, page = add_row(
        editor_client,
        zoho,
        html,
        Company="Zylker Ltd",
        Last_Name="",
        Email="not-an-email",
        **{"Items-0-Qty": "abc", "Items-1-Item_Name": "Desk"},
    )
    assert response.status_code == 200
    assert len(zoho.calls) == 0
    assert "error-summary" not in page
    assert 'aria-invalid="true"' not in page
    assert "Added a row to Items. Nothing is sent to Zoho until you save." in page
    posted = form_data(page)
    assert posted["crm_state"] == state  # still diffs against what was loaded
    assert posted["Company"] == ["Zylker Ltd"]
    assert posted["Last_Name"] == [""]
    assert posted["Email"] == ["not-an-email"]
    assert posted["Items-0-Qty"] == ["abc"]
    assert posted["Items-1-Item_Name"] == ["Desk"]
    assert posted["Items-2-Item_Name"] == [""]
    assert posted["Owner"] == ["4150868000000225013"]  # untouched fields too


def test_adding_a_row_over_htmx_answers_with_the_form_partial_focused_on_the_new_row(
    editor_client, zoho
):
    html = open_form(editor_client, zoho)
    zoho.calls.reset()
    _response, page = add_row(editor_client, zoho, html, htmx=True)
    assert page.lstrip().startswith('<div id="record-form">')
    assert "<html" not in page
    assert len(zoho.calls) == 0
    new_cell = re.search(r'<input[^>]*name="Items-2-Item_Name"[^>]*>', page).group()
    assert "autofocus" in new_cell


def test_adding_a_row_stops_at_the_row_limit(editor_client, zoho):
    html = open_form(editor_client, zoho)
    response, page = add_row(editor_client, zoho, html, **{"Items-TOTAL_FORMS": "100"})
    assert response.status_code == 200
    assert 'name="Items-TOTAL_FORMS" value="100"' in page
    assert 'name="add_row"' not in page
    assert "Items already has 100 rows" in page


def test_enter_in_a_text_box_saves_rather_than_adding_a_row(editor_client, zoho):
    html = open_form(editor_client, zoho)
    form = html[html.index('class="record-form"') :]
    first_button = form[form.index("<button") : form.index("</button>")]
    assert "add_row" not in first_button
    assert "Save changes" in first_button
    assert 'name="add_row" value="Items" formnovalidate' in html


def test_a_subform_row_error_is_listed_in_the_summary_linking_to_the_subform(editor_client, zoho):
    html = open_form(editor_client, zoho)
    response, put = save(editor_client, zoho, html, **{"Items-0-Qty": "abc"})
    page = response.content.decode()
    assert response.status_code == 422
    assert put.call_count == 0
    summary = page[page.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert '<a href="#field-Items">Items</a>: Row 1: Enter a whole number.' in summary
