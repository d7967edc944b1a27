"""Lookups on the edit form: a record picked with the picker is saved by its id; a name typed
without the picker (no JavaScript) is resolved on save with the picker's own search (one match
used, several listed next to the field, none an error), within the user's grant; multi-select
and multi-user lookups add records by name. Assert the PUT sent and what each row shows."""

from __future__ import annotations

from responses import matchers

from crmadmin.models import ConnectionGrant
from tests.crmadmin.record_support import (
    API,
    RECORD,
    RECORD_ID,
    edit_url,
    field_row,
    form_data,
    mock_get,
    record_url,
    sent_json,
    success,
)

ACCOUNT_FIELDS = {"fields": [{"api_name": "Account_Name", "data_type": "text"}]}
PRODUCT_FIELDS = {"fields": [{"api_name": "Product_Name", "data_type": "text"}]}
LOADED_ACCOUNT = "4150868000000300001"  # "Zylker Inc", the record's Account when loaded
HELIX_ONE = {"id": "4150868000000300384", "Account_Name": "Helix Partners 384"}
HELIX_TWO = {"id": "4150868000000300385", "Account_Name": "Helix Labs"}


def open_form(client, zoho) -> str:
    mock_get(zoho)
    response = client.get(edit_url(zoho.connection))
    assert response.status_code == 200
    return response.content.decode()


def post(client, zoho, html, **changes):
    put = zoho.put(record_url(), json=success())
    response = client.post(edit_url(zoho.connection), form_data(html, **changes))
    return response, put


def zoho_holds(zoho, **values):
    """What Zoho answers to the re-read that follows every successful save."""
    after = {**RECORD, **values, "Modified_Time": "2024-01-16T10:00:00+05:30"}
    zoho.replace("GET", record_url(), json={"data": [after]})


def search_mock(zoho, module: str, criteria: str, fields: str, records: list[dict]):
    zoho.get(
        f"{API}/settings/fields",
        json=ACCOUNT_FIELDS if module == "Accounts" else PRODUCT_FIELDS,
        match=[matchers.query_param_matcher({"module": module})],
    )
    params = {"criteria": criteria, "fields": fields, "page": "1", "per_page": "10"}
    body = {"data": records, "info": {"more_records": False, "count": len(records)}}
    answer = {"json": body} if records else {"status": 204, "body": ""}  # Zoho: no hits
    return zoho.get(
        f"{API}/{module}/search", match=[matchers.query_param_matcher(params)], **answer
    )


def account_search(zoho, text: str, records: list[dict]):
    return search_mock(
        zoho, "Accounts", f"(Account_Name:starts_with:{text})", "Account_Name", records
    )


def test_the_picker_renders_as_a_combobox_with_the_loaded_name_and_a_hidden_id(editor_client, zoho):
    row = field_row(open_form(editor_client, zoho), "Account")
    assert 'name="Account_label" id="id_Account" value="Zylker Inc"' in row
    assert 'role="combobox"' in row and 'aria-expanded="false"' in row
    assert f'<input type="hidden" name="Account" id="id_Account-id" value="{LOADED_ACCOUNT}"' in row
    assert 'name="Account_idname" id="id_Account-idname" value="Zylker Inc"' in row
    assert "hx-post" not in row  # the row is not re-checked (and swapped) while picking


def test_a_picked_record_is_saved_by_its_id_without_a_search(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.calls.reset()
    picked = {"Account_label": "Helix Partners 384", "Account": HELIX_ONE["id"]}
    zoho_holds(zoho, Account={"id": HELIX_ONE["id"], "name": "Helix Partners 384"})
    response, put = post(editor_client, zoho, html, **picked, Account_idname="Helix Partners 384")
    assert response.status_code == 200, response.content.decode()[:1500]
    assert sent_json(put.calls[0])["data"][0] == {
        "Account": {"id": HELIX_ONE["id"]},
        "id": RECORD_ID,
    }
    # No search: the PUT, then the re-read that shows what Zoho holds after the save.
    assert [call.request.method for call in zoho.calls] == ["PUT", "GET"]
    assert "Saved. Changed: Account." in response.content.decode()
    row = field_row(response.content.decode(), "Account")
    assert 'value="Helix Partners 384"' in row and f'value="{HELIX_ONE["id"]}"' in row
    # The history names the record picked, as the user saw it (Zoho was sent its id only).
    history = editor_client.get(edit_url(zoho.connection) + "history/").content.decode()
    assert "<td>Helix Partners 384</td>" in history
    assert HELIX_ONE["id"] not in history


def test_the_loaded_name_with_the_loaded_id_is_unchanged(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.calls.reset()
    response, put = post(editor_client, zoho, html, Account_label="  Zylker   Inc ")
    assert response.status_code == 200
    assert "Nothing changed" in response.content.decode()
    assert put.call_count == 0 and len(zoho.calls) == 0  # no search either


def test_a_typed_name_with_one_match_is_resolved_and_its_id_sent(editor_client, zoho):
    html = open_form(editor_client, zoho)
    search = account_search(zoho, "Helix Part", [HELIX_ONE])
    zoho_holds(zoho, Account={"id": HELIX_ONE["id"], "name": "Helix Partners 384"})
    response, put = post(editor_client, zoho, html, Account_label="Helix Part")
    assert response.status_code == 200, response.content.decode()[:1500]
    assert search.call_count == 1
    assert sent_json(put.calls[0])["data"][0] == {
        "Account": {"id": HELIX_ONE["id"]},
        "id": RECORD_ID,
    }
    assert 'value="Helix Partners 384"' in field_row(response.content.decode(), "Account")


def test_several_matches_are_listed_next_to_the_field_and_the_choice_is_saved(editor_client, zoho):
    html = open_form(editor_client, zoho)
    account_search(zoho, "Helix", [HELIX_ONE, HELIX_TWO])
    response, put = post(editor_client, zoho, html, Account_label="Helix", Company="Zylker Ltd")
    page = response.content.decode()
    assert response.status_code == 422
    assert put.call_count == 0
    row = field_row(page, "Account")
    assert "2 Accounts match “Helix”. Choose one below, then save again." in row
    assert 'name="Account_label" id="id_Account" value="Helix"' in row  # typed text kept
    assert (
        f'<input type="radio" name="Account_pick" value="{HELIX_ONE["id"]}"> Helix Partners 384'
        in row
    )
    assert f'<input type="radio" name="Account_pick" value="{HELIX_TWO["id"]}"> Helix Labs' in row
    assert 'value="Zylker Ltd"' in field_row(page, "Company")  # other typed values kept
    assert 'href="#field-Account"' in page  # the error summary links to the row

    response = editor_client.post(
        edit_url(zoho.connection), form_data(page, Account_pick=HELIX_TWO["id"])
    )
    assert response.status_code == 200, response.content.decode()[:1500]
    assert sent_json(put.calls[0])["data"][0] == {
        "Company": "Zylker Ltd",
        "Account": {"id": HELIX_TWO["id"]},
        "id": RECORD_ID,
    }


def test_an_exact_name_wins_over_names_that_only_start_with_it(editor_client, zoho):
    html = open_form(editor_client, zoho)
    longer = {"id": "4150868000000300386", "Account_Name": "Helix Labs East"}
    account_search(zoho, "helix labs", [longer, HELIX_TWO])
    response, put = post(editor_client, zoho, html, Account_label="helix labs")
    assert response.status_code == 200, response.content.decode()[:1500]
    assert sent_json(put.calls[0])["data"][0]["Account"] == {"id": HELIX_TWO["id"]}


def test_a_name_with_no_match_is_an_error_on_its_field(editor_client, zoho):
    html = open_form(editor_client, zoho)
    account_search(zoho, "Nobody", [])
    response, put = post(editor_client, zoho, html, Account_label="Nobody")
    row = field_row(response.content.decode(), "Account")
    assert response.status_code == 422 and put.call_count == 0
    assert "No Accounts named “Nobody”." in row
    assert 'aria-invalid="true"' in row and 'value="Nobody"' in row


def test_emptying_the_box_clears_the_lookup(editor_client, zoho):
    html = open_form(editor_client, zoho)
    _response, put = post(editor_client, zoho, html, Account_label="")
    assert sent_json(put.calls[0])["data"][0] == {"Account": None, "id": RECORD_ID}


def test_a_module_outside_the_users_grant_is_never_searched(editor_client, zoho):
    ConnectionGrant.objects.filter(connection=zoho.connection).update(modules="Leads")
    html = open_form(editor_client, zoho)
    zoho.calls.reset()
    response, put = post(editor_client, zoho, html, Account_label="Helix")
    row = field_row(response.content.decode(), "Account")
    assert response.status_code == 422 and put.call_count == 0
    # the row is a Jinja2 template: it escapes an apostrophe as &#39; (Django: &#x27;)
    assert "You can&#39;t see Accounts through this connection" in row
    assert 'type="radio"' not in row
    assert len(zoho.calls) == 0  # no search: no data of a module the user may not read

    options = editor_client.get(
        f"/records/{zoho.connection.pk}/Accounts/lookup/", {"q": "Helix", "field": "Account"}
    )
    assert options.status_code == 403  # htmx gets 200 so the note reaches the box
    assert "You can&#x27;t see Accounts through “" in options.content.decode()
    assert 'role="option"' not in options.content.decode()
    assert len(zoho.calls) == 0


def test_a_multi_select_lookup_adds_a_picked_record_and_a_typed_name(editor_client, zoho):
    html = open_form(editor_client, zoho)
    row = field_row(html, "Listings")
    assert 'name="Listings__add_label" id="id_Listings-add"' in row and 'role="combobox"' in row
    assert "IDs" not in row  # no raw ids to type
    search = search_mock(
        zoho,
        "Products",
        "(Product_Name:starts_with:Loft)",
        "Product_Name",
        [{"id": "4150868000000500007", "Product_Name": "Loft"}],
    )
    zoho.get(record_url(), json={"data": [{}]})  # linked rows are read again after a save
    response, put = post(
        editor_client,
        zoho,
        html,
        Listings__add="4150868000000500009",  # picked with the picker (JavaScript)
        Listings__add_name="Beach house",
        Listings__add_label="Loft",  # typed without it
    )
    assert response.status_code == 200, response.content.decode()[:1500]
    assert search.call_count == 1
    assert sent_json(put.calls[0])["data"][0]["Listings"] == [
        {"Product": {"id": "4150868000000500009"}},
        {"Product": {"id": "4150868000000500007"}},
    ]
    history = editor_client.get(edit_url(zoho.connection) + "history/").content.decode()
    assert "<td>Product: Beach house</td>" in history and "<td>Product: Loft</td>" in history


def test_a_multi_user_lookup_adds_users_by_name_from_the_cached_user_list(editor_client, zoho):
    html = open_form(editor_client, zoho)
    row = field_row(html, "Helpers")
    assert "<select" not in row and 'name="Helpers__add_label"' in row
    assert f'hx-get="/records/{zoho.connection.pk}/users/lookup/"' in row
    zoho.get(record_url(), json={"data": [{}]})
    response, put = post(editor_client, zoho, html, Helpers__add_label="patricia")
    assert response.status_code == 200, response.content.decode()[:1500]
    assert sent_json(put.calls[0])["data"][0]["Helpers"] == [
        {"User": {"id": "4150868000000225013"}}
    ]


def test_a_multi_lookup_name_with_several_matches_lists_them_by_its_add_box(editor_client, zoho):
    html = open_form(editor_client, zoho)
    response, put = post(editor_client, zoho, html, Helpers__add_label="x.com")
    row = field_row(response.content.decode(), "Helpers")
    assert response.status_code == 422 and put.call_count == 0
    assert "2 users match “x.com”." in row
    assert 'name="Helpers__pick" value="4150868000000225013"> Patricia Boyle' in row
    assert 'name="Helpers__add_label" id="id_Helpers-add" value="x.com"' in row


# --- Owner and user lookups: the same picker, searching the org's users -----------------------

SAM = "4150868000000225014"  # "Sam Lee", s@x.com (record_support.USERS)
PATRICIA = "4150868000000225013"  # "Patricia Boyle", p@x.com: the record's owner when loaded
USERS_URL = f"{API}/users?type=ActiveUsers"


def users_asked(zoho) -> int:
    return sum(1 for call in zoho.calls if call.request.url == USERS_URL)


def test_a_cold_open_asks_for_the_record_and_its_metadata_never_for_the_user_list(
    editor_client, zoho
):
    html = open_form(editor_client, zoho)  # the metadata cache starts empty
    assert [call.request.url for call in zoho.calls] == [
        record_url(),
        f"{API}/settings/layouts?module=Leads",  # it carries the layout's field objects
        f"{API}/settings/fields?module=Items",  # the subform's fields
    ]
    owner = field_row(html, "Owner")
    assert "<select" not in owner
    # The owner the record names, in the picker's box, with its id and the name that id has.
    assert 'name="Owner_label" id="id_Owner" value="Patricia Boyle"' in owner
    assert 'placeholder="Type a name or email…" role="combobox"' in owner
    assert f'hx-get="/records/{zoho.connection.pk}/users/lookup/"' in owner
    assert f'<input type="hidden" name="Owner" id="id_Owner-id" value="{PATRICIA}"' in owner
    assert 'name="Owner_idname" id="id_Owner-idname" value="Patricia Boyle"' in owner
    assert 'aria-label="Matching users"' in owner
    reviewer = field_row(html, "Reviewer")  # no user yet: an empty box
    assert 'name="Reviewer_label" id="id_Reviewer" value=""' in reviewer
    assert 'name="Reviewer" id="id_Reviewer-id" value=""' in reviewer


def test_a_picked_owner_is_saved_by_its_id_without_asking_for_the_user_list(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.calls.reset()
    zoho_holds(zoho, Owner={"id": SAM, "name": "Sam Lee", "email": "s@x.com"})
    picked = {"Owner_label": "Sam Lee", "Owner": SAM, "Owner_idname": "Sam Lee"}
    response, put = post(editor_client, zoho, html, **picked)
    assert response.status_code == 200, response.content.decode()[:1500]
    assert sent_json(put.calls[0])["data"][0] == {"Owner": {"id": SAM}, "id": RECORD_ID}
    assert [call.request.method for call in zoho.calls] == ["PUT", "GET"]
    assert users_asked(zoho) == 0
    row = field_row(response.content.decode(), "Owner")
    assert 'name="Owner_label" id="id_Owner" value="Sam Lee"' in row


def test_a_typed_user_name_is_resolved_from_the_user_list_fetched_then(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.calls.reset()
    zoho_holds(zoho, Reviewer={"id": SAM, "name": "Sam Lee"})
    response, put = post(editor_client, zoho, html, Reviewer_label="sam lee")
    assert response.status_code == 200, response.content.decode()[:1500]
    assert sent_json(put.calls[0])["data"][0] == {"Reviewer": {"id": SAM}, "id": RECORD_ID}
    # The user list, fetched to resolve the name, then the PUT and the re-read.
    assert [call.request.url for call in zoho.calls] == [USERS_URL, record_url(), record_url()]
    assert 'value="Sam Lee"' in field_row(response.content.decode(), "Reviewer")


def test_a_typed_email_picks_its_user(editor_client, zoho):
    html = open_form(editor_client, zoho)
    response, put = post(editor_client, zoho, html, Owner_label="S@X.COM")
    assert response.status_code == 200, response.content.decode()[:1500]
    assert sent_json(put.calls[0])["data"][0] == {"Owner": {"id": SAM}, "id": RECORD_ID}


def test_several_users_matching_are_listed_next_to_the_field_and_the_choice_saved(
    editor_client, zoho
):
    html = open_form(editor_client, zoho)
    response, put = post(editor_client, zoho, html, Reviewer_label="x.com")
    page = response.content.decode()
    assert response.status_code == 422 and put.call_count == 0
    row = field_row(page, "Reviewer")
    assert "2 users match “x.com”. Choose one below, then save again." in row
    assert 'aria-invalid="true"' in row and 'value="x.com"' in row
    assert (
        f'<input type="radio" name="Reviewer_pick" value="{PATRICIA}"> Patricia Boyle '
        '<span class="lookup-detail">p@x.com</span>' in row
    )
    assert f'name="Reviewer_pick" value="{SAM}"> Sam Lee' in row
    assert 'href="#field-Reviewer"' in page

    zoho.calls.reset()
    response = editor_client.post(edit_url(zoho.connection), form_data(page, Reviewer_pick=SAM))
    assert response.status_code == 200, response.content.decode()[:1500]
    assert sent_json(put.calls[0])["data"][0] == {"Reviewer": {"id": SAM}, "id": RECORD_ID}
    assert users_asked(zoho) == 0  # the user list is cached since the first search


def test_a_user_name_with_no_match_is_an_error_next_to_its_box(editor_client, zoho):
    html = open_form(editor_client, zoho)
    response, put = post(editor_client, zoho, html, Owner_label="Nobody")
    row = field_row(response.content.decode(), "Owner")
    assert response.status_code == 422 and put.call_count == 0
    assert "No users named “Nobody”." in row
    assert 'aria-invalid="true"' in row and 'value="Nobody"' in row


def test_the_owner_cannot_be_emptied(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.calls.reset()
    response, put = post(editor_client, zoho, html, Owner_label="")
    page = response.content.decode()
    assert response.status_code == 422 and put.call_count == 0
    row = field_row(page, "Owner")
    assert "Lead owner can&#39;t be left empty: type a name and pick a user from the list." in row
    assert 'aria-invalid="true"' in row
    assert 'href="#field-Owner"' in page
    assert len(zoho.calls) == 0


def test_a_user_lookup_other_than_the_owner_can_be_cleared(editor_client, zoho):
    mock_get(zoho, {**RECORD, "Reviewer": {"id": SAM, "name": "Sam Lee"}})
    html = editor_client.get(edit_url(zoho.connection)).content.decode()
    assert 'name="Reviewer_label" id="id_Reviewer" value="Sam Lee"' in field_row(html, "Reviewer")
    _response, put = post(editor_client, zoho, html, Reviewer_label="")
    assert sent_json(put.calls[0])["data"][0] == {"Reviewer": None, "id": RECORD_ID}


def test_a_user_zoho_refuses_is_named_next_to_its_box(editor_client, zoho):
    html = open_form(editor_client, zoho)
    inactive = "4150868000000225099"
    refused = {
        "data": [
            {
                "code": "INVALID_DATA",
                "details": {
                    "expected_data_type": "ownerlookup",
                    "api_name": "Owner",
                    "json_path": "$.data[0].Owner",
                },
                "message": "invalid data",
                "status": "error",
            }
        ]
    }
    zoho.put(record_url(), status=400, json=refused)
    picked = {"Owner_label": "Old Hand", "Owner": inactive, "Owner_idname": "Old Hand"}
    response = editor_client.post(edit_url(zoho.connection), form_data(html, **picked))
    assert response.status_code == 422
    row = field_row(response.content.decode(), "Owner")
    assert "Choose an active user." in row
    assert 'aria-invalid="true"' in row and 'value="Old Hand"' in row


def test_a_typed_owner_resolves_for_a_user_granted_only_this_module(editor_client, zoho):
    # The org's users are no module: a grant of Leads alone still lets its editors pick owners.
    ConnectionGrant.objects.filter(connection=zoho.connection).update(modules="Leads")
    html = open_form(editor_client, zoho)
    response, put = post(editor_client, zoho, html, Owner_label="sam")
    assert response.status_code == 200, response.content.decode()[:1500]
    assert sent_json(put.calls[0])["data"][0] == {"Owner": {"id": SAM}, "id": RECORD_ID}


def test_a_record_owned_by_a_user_no_longer_active_keeps_its_owner_on_save(editor_client, zoho):
    # The active users' list never held this owner; the box shows the record's own name for it.
    former = {"id": "4150868000000225099", "name": "Ivan Former", "email": "i@x.com"}
    mock_get(zoho, {**RECORD, "Owner": former})
    html = editor_client.get(edit_url(zoho.connection)).content.decode()
    assert 'name="Owner_label" id="id_Owner" value="Ivan Former"' in field_row(html, "Owner")
    _response, put = post(editor_client, zoho, html, Company="Zylker Ltd")
    assert sent_json(put.calls[0])["data"][0] == {"Company": "Zylker Ltd", "id": RECORD_ID}
