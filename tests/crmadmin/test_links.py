"""The "Link contacts and deals" page against a mocked Zoho: the exact requests sent (URL,
X-EXTERNAL, body) for both variants, and every documented error next to the input it concerns."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core.cache import cache

from crmadmin.models import Connection

pytestmark = pytest.mark.django_db

API = "https://www.zohoapis.com/crm/v8"
CONTACT_ID = "111111000000085009"
ROLE_ID = "111111000000026002"
DEAL_3 = {
    "id": "111111000000094028",
    "Deal_Name": "Acme renewal",
    "Stage": "Negotiation",
    "Amount": 1200,
    "External_Deal_ID": "extdeal3",
}
DEAL_4 = {
    "id": "111111000000094029",
    "Deal_Name": "Globex pilot",
    "Stage": "Qualification",
    "Amount": 300,
    "External_Deal_ID": "extdeal4",
}
CONTACT = {
    "id": CONTACT_ID,
    "Full_Name": "Jane Doe",
    "First_Name": "Jane",
    "Last_Name": "Doe",
    "Email": "jane@example.com",
    "External_Contact_ID": "extcontact3",
}
EXTERNAL = {"show": True, "type": "org", "allow_multiple_config": False}


def _field(api_name: str, label: str, *, external: bool = False) -> dict:
    return {
        "api_name": api_name,
        "field_label": label,
        "data_type": "text",
        "external": EXTERNAL if external else None,
    }


@pytest.fixture
def connection(db) -> Connection:
    cache.clear()
    return Connection.objects.create(
        name="Acme CRM",
        client_id="cid",
        client_secret="secret",
        scopes="ZohoCRM.modules.ALL",
        refresh_token="refresh",
        access_token="access-token",
        access_token_expires_at=datetime.now(UTC) + timedelta(hours=1),
        api_domain="https://www.zohoapis.com",
        status=Connection.Status.CONNECTED,
    )


@pytest.fixture
def zoho(connection):
    """Zoho with metadata for Contacts/Deals external fields and the org's contact roles."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fields = {
            "Contacts": [
                _field("Last_Name", "Last Name"),
                _field("External_Contact_ID", "External Contact ID", external=True),
            ],
            "Deals": [
                _field("Deal_Name", "Deal Name"),
                _field("External_Deal_ID", "External Deal ID", external=True),
            ],
        }
        for module, entries in fields.items():
            mock.get(f"{API}/settings/fields?module={module}", json={"fields": entries})
        roles = [
            {"id": ROLE_ID, "name": "Decision Maker", "sequence_number": 1},
            {"id": "111111000000026003", "name": "Evaluator", "sequence_number": 2},
        ]
        mock.get(f"{API}/Contacts/roles", json={"contact_roles": roles})
        yield mock


def resolve_mocks(zoho, *, deals=(DEAL_3,), contact=CONTACT, linked=()):
    """One contact search, one deal search, one related-list read."""
    zoho.get(
        re.compile(rf"{API}/Contacts/search\?.*"),
        json={"data": [contact], "info": {"more_records": False}} if contact else None,
        status=200 if contact else 204,
    )
    zoho.get(
        re.compile(rf"{API}/Contacts/{CONTACT_ID}\?.*|{API}/Contacts/{CONTACT_ID}$"),
        json={"data": [contact]} if contact else None,
        status=200 if contact else 204,
    )
    zoho.get(
        re.compile(rf"{API}/Deals/search\?.*"),
        json={"data": list(deals), "info": {"more_records": False}} if deals else None,
        status=200 if deals else 204,
    )
    zoho.get(
        re.compile(rf"{API}/Contacts/{CONTACT_ID}/Deals\?.*"),
        json={"data": list(linked), "info": {"more_records": False}} if linked else None,
        status=200 if linked else 204,
    )


def form_data(connection, **overrides) -> dict:
    data = {
        "connection": connection.pk,
        "contact_by": "external",
        "contact_field": "External_Contact_ID",
        "contact_value": "extcontact3",
        "deal_field": "External_Deal_ID",
        "deals": "extdeal3, Decision Maker",
        "action": "preview",
    }
    return {**data, **overrides}


def element(html: str, dom_id: str) -> str:
    """The markup of the element with this id (up to its matching close tag)."""
    start = html.index(f'id="{dom_id}"')
    tag_start = html.rindex("<", 0, start)
    tag = re.match(r"<(\w+)", html[tag_start:]).group(1)
    depth, position = 0, tag_start
    for match in re.finditer(rf"<(/?){tag}\b", html[tag_start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            position = tag_start + match.end()
            break
    return html[tag_start:position]


def preview(client, connection, zoho, **overrides):
    response = client.post("/links/", form_data(connection, **overrides))
    token = re.search(r'name="previewed" value="([^"]+)"', response.content.decode())
    return response, token.group(1) if token else ""


def confirm(client, connection, zoho, **overrides):
    _, token = preview(client, connection, zoho, **overrides)
    data = form_data(connection, **overrides) | {"action": "confirm", "previewed": token}
    return client.post("/links/", data)


def in_data(code: str, message: str, details: dict) -> dict:
    """Zoho's answer with one refused row inside ``data[]``."""
    return {"data": [{"code": code, "details": details, "message": message, "status": "error"}]}


def linked(details: dict) -> dict:
    """One row of Zoho's answer to a link that worked."""
    return {"code": "SUCCESS", "details": details, "message": "relation added", "status": "success"}


def sent_put(zoho):
    return next(call.request for call in zoho.calls if call.request.method == "PUT")


# -- the page -----------------------------------------------------------------------------------


def test_link_page_offers_the_external_fields_and_roles_metadata_marks(staff_client, zoho):
    html = staff_client.get("/links/").content.decode()
    assert 'value="External_Contact_ID"' in html
    assert 'value="External_Deal_ID"' in html
    assert 'value="Last_Name"' not in html  # not an external field
    assert 'aria-current="page">Link contacts' in html


def test_link_page_says_in_words_why_the_fields_could_not_load(staff_client, connection):
    refused = {"code": "OAUTH_SCOPE_MISMATCH", "details": {}, "message": "x", "status": "error"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(re.compile(rf"{API}/settings/fields\?.*"), status=401, json=refused)
        response = staff_client.get("/links/")
    setup = element(response.content.decode(), "setup-error")
    assert response.status_code == 422
    assert "This connection lacks a permission" in setup
    assert "Reconnect “Acme CRM” with the right scopes" in setup
    assert "OAUTH_SCOPE_MISMATCH" not in setup


def test_link_page_asks_for_a_connection_when_several_are_usable(staff_client, connection):
    Connection.objects.create(
        name="Other", client_id="c2", scopes="x", status=Connection.Status.CONNECTED
    )
    html = staff_client.get("/links/").content.decode()
    assert "Choose a Zoho connection" in html
    assert 'name="deals"' not in html


def test_link_page_refuses_an_editor_without_a_grant(editor_client, connection):
    response = editor_client.get(f"/links/?connection={connection.pk}")
    assert response.status_code == 403


def test_link_page_prefills_the_contact_from_the_contact_panel_link(staff_client, zoho, connection):
    url = f"/links/?connection={connection.pk}&contact_by=id&contact_value={CONTACT_ID}"
    html = staff_client.get(url).content.decode()
    assert f'value="{CONTACT_ID}"' in html
    assert re.search(r'value="id"[^>]*checked', html)


# -- preview ------------------------------------------------------------------------------------


def test_preview_resolves_both_sides_with_one_search_each(staff_client, connection, zoho):
    resolve_mocks(
        zoho,
        deals=[DEAL_3, DEAL_4],
        linked=[{**DEAL_4, "Contact_Role": {"name": "Evaluator", "id": "111111000000026003"}}],
    )
    response, token = preview(
        staff_client, connection, zoho, deals="extdeal3, Decision Maker\nextdeal4\n\nextdeal3"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert token
    searches = [urlsplit(c.request.url) for c in zoho.calls if "/search" in c.request.url]
    criteria = [parse_qs(url.query)["criteria"][0] for url in searches]
    assert criteria == [
        "(External_Contact_ID:equals:extcontact3)",
        "(External_Deal_ID:in:extdeal3,extdeal4)",
    ]
    assert "Jane Doe" in html
    row = element(html, "deal-row-0")
    assert "Acme renewal" in row and "Negotiation" in row
    assert re.search(rf'value="{ROLE_ID}" selected', row)
    second = element(html, "deal-row-1")
    assert "Globex pilot" in second and "Evaluator" in second  # the current role
    assert re.search(r'value="111111000000026003" selected', second)
    assert "deal-row-2" not in html  # the repeated ID was left out
    assert "1 repeated ID left out" in html
    assert 'value="confirm"' in html
    assert not any(c.request.method == "PUT" for c in zoho.calls)


def test_preview_flags_an_unknown_deal_id_next_to_that_row(staff_client, connection, zoho):
    resolve_mocks(zoho, deals=[DEAL_3])
    response, _ = preview(staff_client, connection, zoho, deals="extdeal3\nextdeal99")
    html = response.content.decode()
    assert response.status_code == 422
    row = element(html, "deal-row-1")
    assert "Unknown ID" in row
    assert "No deal has External_Deal_ID “extdeal99”." in row
    assert "Unknown ID" not in element(html, "deal-row-0")
    assert 'value="confirm"' not in html
    assert "extdeal3\nextdeal99</textarea>" in html


def test_preview_flags_an_unknown_contact_next_to_the_contact_input(staff_client, connection, zoho):
    resolve_mocks(zoho, contact=None)
    response, _ = preview(staff_client, connection, zoho, contact_value="extnobody")
    html = response.content.decode()
    assert response.status_code == 422
    assert "No contact has External_Contact_ID “extnobody”." in element(html, "field-contact_value")
    assert 'aria-invalid="true"' in element(html, "field-contact_value")


def test_preview_takes_the_contact_by_record_id_with_one_get(staff_client, connection, zoho):
    resolve_mocks(zoho)
    response, _ = preview(staff_client, connection, zoho, contact_by="id", contact_value=CONTACT_ID)
    assert response.status_code == 200
    urls = [c.request.url for c in zoho.calls]
    assert f"{API}/Contacts/{CONTACT_ID}" in urls
    assert not any("Contacts/search" in url for url in urls)


def test_preview_ignores_contacts_that_only_contain_the_id(staff_client, connection, zoho):
    # Zoho's search `equals` behaves like "contains" (zoho-api.md §3.3).
    resolve_mocks(zoho, contact={**CONTACT, "External_Contact_ID": "extcontact33"})
    response, _ = preview(staff_client, connection, zoho)
    assert "No contact has External_Contact_ID “extcontact3”." in response.content.decode()


def test_more_than_100_deal_ids_are_refused_next_to_the_textarea(staff_client, connection, zoho):
    typed = "\n".join(f"ext{n}" for n in range(101))
    response, _ = preview(staff_client, connection, zoho, deals=typed)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Enter at most 100 deal IDs at once (you entered 101)" in element(html, "field-deals")
    assert "ext100</textarea>" in html
    assert not zoho.calls or all(
        "settings" in c.request.url or "roles" in c.request.url for c in zoho.calls
    )


def test_an_unknown_typed_role_is_flagged_on_its_row(staff_client, connection, zoho):
    resolve_mocks(zoho)
    response, _ = preview(staff_client, connection, zoho, deals="extdeal3, Janitor")
    row = element(response.content.decode(), "deal-row-0")
    assert response.status_code == 422
    assert "No contact role “Janitor”. Roles: Decision Maker, Evaluator." in row


def test_a_malformed_post_keeps_the_input_and_never_fails(staff_client, connection, zoho):
    response = staff_client.post(
        "/links/", {"connection": connection.pk, "deals": "extdeal3", "contact_by": "nonsense"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "extdeal3</textarea>" in html
    assert "Select a valid choice" in element(html, "field-contact_by")


# -- confirm: the exact request, both variants ----------------------------------------------------


def test_confirm_sends_one_put_with_both_external_ids(staff_client, connection, zoho):
    resolve_mocks(zoho)
    zoho.put(
        f"{API}/Contacts/extcontact3/Deals",
        json={"data": [linked({"External_Deal_ID": "extdeal3", "id": DEAL_3["id"]})]},
    )
    response = confirm(staff_client, connection, zoho)
    request = sent_put(zoho)
    assert request.url == f"{API}/Contacts/extcontact3/Deals"
    assert request.headers["X-EXTERNAL"] == "Contacts.External_Contact_ID,Deals.External_Deal_ID"
    assert json.loads(request.body) == {
        "data": [{"External_Deal_ID": "extdeal3", "Contact_Role": ROLE_ID}]
    }
    html = response.content.decode()
    assert response.status_code == 200
    assert "Linked 1 deal to Jane Doe." in html
    assert "Linked" in element(html, "deal-row-0")
    assert f"/links/{connection.pk}/Contacts/{CONTACT_ID}/" in html


def test_confirm_by_record_id_names_only_the_deal_field(staff_client, connection, zoho):
    resolve_mocks(zoho, deals=[DEAL_3, DEAL_4])
    zoho.put(
        f"{API}/Contacts/{CONTACT_ID}/Deals",
        json={
            "data": [
                linked({"External_Deal_ID": "extdeal3", "id": DEAL_3["id"]}),
                linked({"External_Deal_ID": "extdeal4", "id": DEAL_4["id"]}),
            ]
        },
    )
    response = confirm(
        staff_client,
        connection,
        zoho,
        contact_by="id",
        contact_value=CONTACT_ID,
        deals="extdeal3, Decision Maker\nextdeal4",
    )
    request = sent_put(zoho)
    assert request.url == f"{API}/Contacts/{CONTACT_ID}/Deals"
    assert request.headers["X-EXTERNAL"] == "Deals.External_Deal_ID"
    assert json.loads(request.body) == {
        "data": [
            {"External_Deal_ID": "extdeal3", "Contact_Role": ROLE_ID},
            {"External_Deal_ID": "extdeal4"},
        ]
    }
    assert "Linked 2 deals to Jane Doe." in response.content.decode()


def test_confirm_sends_the_role_chosen_in_the_preview(staff_client, connection, zoho):
    resolve_mocks(zoho)
    zoho.put(
        f"{API}/Contacts/extcontact3/Deals",
        json={"data": [linked({"id": DEAL_3["id"]})]},
    )
    _, token = preview(staff_client, connection, zoho)
    staff_client.post(
        "/links/",
        form_data(connection)
        | {"action": "confirm", "previewed": token, "role_0": "111111000000026003"},
    )
    assert json.loads(sent_put(zoho).body)["data"][0]["Contact_Role"] == "111111000000026003"


def test_confirm_after_the_input_changed_previews_again_instead(staff_client, connection, zoho):
    resolve_mocks(zoho, deals=[DEAL_3, DEAL_4])
    _, token = preview(staff_client, connection, zoho)
    response = staff_client.post(
        "/links/",
        form_data(connection, deals="extdeal4") | {"action": "confirm", "previewed": token},
    )
    assert not any(c.request.method == "PUT" for c in zoho.calls)
    assert "The input changed after the preview" in response.content.decode()


def test_a_forged_preview_token_never_links(staff_client, connection, zoho):
    resolve_mocks(zoho)
    staff_client.post(
        "/links/", form_data(connection) | {"action": "confirm", "previewed": "forged:token"}
    )
    assert not any(c.request.method == "PUT" for c in zoho.calls)


def test_a_partly_refused_link_reports_each_row(staff_client, connection, zoho):
    resolve_mocks(zoho, deals=[DEAL_3, DEAL_4])
    zoho.put(
        f"{API}/Contacts/extcontact3/Deals",
        status=207,
        json={
            "data": [
                linked({"id": DEAL_3["id"]}),
                {
                    "code": "INVALID_DATA",
                    "details": {
                        "api_name": "External_Deal_ID",
                        "json_path": "$.data[1].External_Deal_ID",
                    },
                    "message": "the related id given seems to be invalid",
                    "status": "error",
                },
            ]
        },
    )
    response = confirm(staff_client, connection, zoho, deals="extdeal3\nextdeal4")
    html = response.content.decode()
    assert response.status_code == 422
    assert "Linked" in element(html, "deal-row-0")
    row = element(html, "deal-row-1")
    assert "No deal has" not in row  # the preview found extdeal4: never a false cause
    assert "Zoho did not accept External_Deal_ID “extdeal4” when linking" in row
    assert "The related id given seems to be invalid" in row


# -- every documented error, next to the input it concerns ----------------------------------------

ROW = "deal-row-0"
CONTACT_INPUT = "field-contact_value"
TOP = "error-summary"
ERRORS = [
    # (code, HTTP status, body exactly as Zoho sends it, where it must show, words shown)
    (
        "INVALID_DATA",
        400,
        {
            "data": [
                {
                    "code": "INVALID_DATA",
                    "details": {
                        "api_name": "External_Deal_ID",
                        "json_path": "$.data[0].External_Deal_ID",
                    },
                    "message": "the related id given seems to be invalid",
                    "status": "error",
                }
            ]
        },
        ROW,
        "Zoho did not accept External_Deal_ID “extdeal3” when linking "
        "(The related id given seems to be invalid), although the preview found this deal.",
    ),
    (
        "INVALID_DATA",
        400,
        {
            "code": "INVALID_DATA",
            "details": {"resource_path_index": 1},
            "message": "the id given seems to be invalid",
            "status": "error",
        },
        CONTACT_INPUT,
        "No contact has External_Contact_ID “extcontact3”.",
    ),
    (
        "MANDATORY_NOT_FOUND",
        400,
        {
            "data": [
                {
                    "code": "MANDATORY_NOT_FOUND",
                    "details": {
                        "api_name": "External_Deal_ID",
                        "json_path": "$.data[0].External_Deal_ID",
                    },
                    "message": "required field not found",
                    "status": "error",
                }
            ]
        },
        ROW,
        "External_Deal_ID is missing",
    ),
    (
        "INVALID_REQUEST_METHOD",
        400,
        {
            "code": "INVALID_REQUEST_METHOD",
            "details": {},
            "message": "The http request method type is not a valid one",
            "status": "error",
        },
        TOP,
        "This action is not supported",
    ),
    (
        "AUTHORIZATION_FAILED",
        400,
        {
            "code": "AUTHORIZATION_FAILED",
            "details": {"resource_path_index": 0},
            "message": "User does not have sufficient privilege to update related records",
            "status": "error",
        },
        TOP,
        "You do not have permission",
    ),
    (
        "OAUTH_SCOPE_MISMATCH",
        401,
        {
            "code": "OAUTH_SCOPE_MISMATCH",
            "details": {},
            "message": "invalid oauth scope to access this URL",
            "status": "error",
        },
        TOP,
        "This connection lacks a permission",
    ),
    (
        "NO_PERMISSION",
        403,
        {
            "code": "NO_PERMISSION",
            "details": {"permissions": ["Crm_Implied_Edit_Contacts"]},
            "message": "permission denied",
            "status": "error",
        },
        TOP,
        "You do not have permission",
    ),
    (
        "INVALID_URL_PATTERN",
        404,
        {
            "code": "INVALID_URL_PATTERN",
            "details": {},
            "message": "Please check if the URL trying to access is a correct one",
            "status": "error",
        },
        TOP,
        "This page does not exist in Zoho",
    ),
    (
        "INTERNAL_ERROR",
        500,
        {
            "code": "INTERNAL_ERROR",
            "details": {},
            "message": "Internal Server Error",
            "status": "error",
        },
        TOP,
        "Zoho had a problem",
    ),
    # The same codes inside data[] of a 400/207 (Zoho reports per-record): still their place.
    (
        "INVALID_DATA",
        400,
        in_data(
            "INVALID_DATA",
            "You have specified an invalid external ID for the base module.",
            {"api_name": "External_Contact_ID", "resource_path_index": 1},
        ),
        CONTACT_INPUT,
        "No contact has External_Contact_ID “extcontact3”.",
    ),
    (
        "INVALID_DATA",
        400,
        in_data(
            "INVALID_DATA",
            "The ID of the external field is invalid.",
            {"api_name": "External_Deal_ID", "json_path": "$.data[0].External_Deal_ID"},
        ),
        ROW,
        "(The ID of the external field is invalid), although the preview found this deal.",
    ),
    (
        "MANDATORY_NOT_FOUND",
        400,
        in_data("MANDATORY_NOT_FOUND", "required field not found", {}),
        ROW,
        "External_Deal_ID is missing",
    ),
    *(
        (code, 400, in_data(code, message, {}), TOP, words)
        for code, message, words in [
            ("INVALID_REQUEST_METHOD", "invalid method", "This action is not supported"),
            ("AUTHORIZATION_FAILED", "no privilege", "You do not have permission"),
            ("OAUTH_SCOPE_MISMATCH", "invalid oauth scope", "This connection lacks a permission"),
            ("NO_PERMISSION", "permission denied", "You do not have permission"),
            ("INVALID_URL_PATTERN", "check the URL", "This page does not exist in Zoho"),
            ("INTERNAL_ERROR", "Internal Server Error", "Zoho had a problem"),
            ("REQUIRED_PARAM_MISSING", "param missing", "The request was incomplete"),
        ]
    ),
]


def test_a_request_wide_error_inside_data_leaves_the_row_without_a_false_cause(
    staff_client, connection, zoho
):
    resolve_mocks(zoho)
    zoho.put(
        f"{API}/Contacts/extcontact3/Deals",
        status=400,
        json=in_data("NO_PERMISSION", "permission denied", {}),
    )
    html = confirm(staff_client, connection, zoho).content.decode()
    row = element(html, ROW)
    assert "No deal has" not in html
    assert "Not linked" in row and "see the message at the top" in row
    assert "You do not have permission" not in row
    assert html.count("You do not have permission") == 1


@pytest.mark.parametrize(
    ("code", "status", "body", "where", "words"), ERRORS, ids=[f"{e[0]}-{e[3]}" for e in ERRORS]
)
def test_each_documented_error_shows_next_to_its_input(
    staff_client, connection, zoho, code, status, body, where, words
):
    resolve_mocks(zoho)
    zoho.put(f"{API}/Contacts/extcontact3/Deals", status=status, json=body)
    response = confirm(staff_client, connection, zoho)
    html = response.content.decode()
    assert response.status_code == 422
    assert words in element(html, where)
    assert 'value="extcontact3"' in html and "extdeal3, Decision Maker</textarea>" in html
    assert len([c for c in zoho.calls if c.request.method == "PUT"]) == 1


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (requests.ConnectionError("refused"), "Could not reach Zoho"),
        (requests.Timeout("slow"), "Zoho did not answer in time"),
    ],
)
def test_transport_faults_show_at_the_top_with_the_input_kept(
    staff_client, connection, zoho, fault, words
):
    resolve_mocks(zoho)
    zoho.put(f"{API}/Contacts/extcontact3/Deals", body=fault)
    response = confirm(staff_client, connection, zoho)
    html = response.content.decode()
    assert response.status_code == 422
    assert words in element(html, TOP)
    assert "extdeal3, Decision Maker</textarea>" in html


def test_a_non_json_answer_shows_at_the_top(staff_client, connection, zoho):
    resolve_mocks(zoho)
    zoho.put(f"{API}/Contacts/extcontact3/Deals", status=502, body="<html>Bad gateway</html>")
    response = confirm(staff_client, connection, zoho)
    assert response.status_code == 422
    assert "Zoho sent an unexpected answer" in element(response.content.decode(), TOP)


def test_the_page_never_shows_the_access_token(staff_client, connection, zoho):
    resolve_mocks(zoho)
    zoho.put(
        f"{API}/Contacts/extcontact3/Deals",
        status=401,
        json={
            "code": "OAUTH_SCOPE_MISMATCH",
            "details": {},
            "message": "invalid oauth scope",
            "status": "error",
        },
    )
    html = confirm(staff_client, connection, zoho).content.decode()
    assert "access-token" not in html
    assert "Zoho-oauthtoken" not in html


def test_htmx_gets_only_the_form_partial(staff_client, connection, zoho):
    resolve_mocks(zoho, deals=[])
    response = staff_client.post("/links/", form_data(connection), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<div id="link-form">')
    assert "<html" not in html


def test_confirm_is_refused_while_the_preview_flags_an_unknown_id(staff_client, connection, zoho):
    resolve_mocks(zoho, deals=[DEAL_3])
    _, token = preview(staff_client, connection, zoho, deals="extdeal3\nextdeal99")
    data = form_data(connection, deals="extdeal3\nextdeal99")
    response = staff_client.post("/links/", data | {"action": "confirm", "previewed": token})
    assert not any(c.request.method == "PUT" for c in zoho.calls)
    assert "Unknown ID" in element(response.content.decode(), "deal-row-1")


def test_a_rate_limit_shows_at_the_top_with_how_long_zoho_asks_to_wait(
    staff_client, connection, zoho
):
    resolve_mocks(zoho)
    zoho.put(
        f"{API}/Contacts/extcontact3/Deals",
        status=429,
        headers={"Retry-After": "30"},
        json={
            "code": "TOO_MANY_REQUESTS",
            "details": {},
            "message": "too many requests",
            "status": "error",
        },
    )
    response = confirm(staff_client, connection, zoho)
    top = element(response.content.decode(), TOP)
    assert response.status_code == 422
    assert "Zoho is busy" in top
    assert "Zoho asks to wait 30 seconds." in top
    assert "Please check the marked" not in top
