"""Metadata, list paging with page_token, single GET and search (zoho-api.md §2-3)."""

from __future__ import annotations

import pytest

from sandbox.metadata.fields import JSON_TYPES

EVERY_TYPE = {
    "text",
    "textarea",
    "email",
    "phone",
    "website",
    "integer",
    "bigint",
    "double",
    "currency",
    "percent",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "picklist",
    "multiselectpicklist",
    "lookup",
    "ownerlookup",
    "userlookup",
    "multiselectlookup",
    "multiuserlookup",
    "imageupload",
    "fileupload",
    "subform",
    "formula",
    "autonumber",
    "rollup_summary",
    "profileimage",
}


def test_contacts_and_deals_fields_cover_every_data_type(api):
    types = set()
    for module in ("Contacts", "Deals"):
        fields = api.get(f"{api.base}/settings/fields", params={"module": module}).json()
        types |= {f["data_type"] for f in fields["fields"]}
    assert EVERY_TYPE <= types <= set(JSON_TYPES)
    contacts = api.get(f"{api.base}/settings/fields", params={"module": "Contacts"}).json()
    external = [f["api_name"] for f in contacts["fields"] if f["external"]]
    assert external == ["External_Contact_ID"]


def test_layouts_have_sections_with_one_and_two_columns_and_required_flags(api):
    layouts = api.get(f"{api.base}/settings/layouts", params={"module": "Deals"}).json()
    sections = layouts["layouts"][0]["sections"]
    assert {s["column_count"] for s in sections} == {1, 2}
    required = {f["api_name"] for s in sections for f in s["fields"] if f["required"]}
    assert {"Deal_Name", "Stage", "Closing_Date"} <= required


LAYOUT_KEYS = {"required", "sequence_number", "section_id", "default_value", "validation_rule"}


@pytest.mark.parametrize("module", ["Contacts", "Deals", "Wide_Module"])
def test_layout_fields_are_the_full_field_objects_plus_the_layouts_own_keys(api, module):
    fields = api.get(f"{api.base}/settings/fields", params={"module": module}).json()["fields"]
    layouts = api.get(f"{api.base}/settings/layouts", params={"module": module}).json()
    by_name = {f["api_name"]: f for f in fields}
    for layout in layouts["layouts"]:
        for section in layout["sections"]:
            for entry in section["fields"]:
                field = by_name[entry["api_name"]]
                assert set(entry) >= LAYOUT_KEYS and set(field) <= set(entry)
                assert {k: v for k, v in entry.items() if k not in LAYOUT_KEYS} == {
                    k: v for k, v in field.items() if k not in LAYOUT_KEYS
                }


def test_modules_users_org_and_roles(api):
    modules = api.get(f"{api.base}/settings/modules").json()["modules"]
    by_name = {m["api_name"]: m for m in modules}
    assert by_name["Events"]["module_name"] == "Meetings"
    assert by_name["Listings"]["generated_type"] == "custom"
    wide = api.get(f"{api.base}/settings/fields", params={"module": "Wide_Module"}).json()
    assert len(wide["fields"]) >= 300
    users = api.get(f"{api.base}/users", params={"type": "ActiveUsers"}).json()["users"]
    assert len(users) == 4 and all(u["status"] == "active" for u in users)
    assert api.get(f"{api.base}/org").json()["org"][0]["time_zone"] == "Asia/Kolkata"
    roles = api.get(f"{api.base}/Contacts/roles").json()["contact_roles"]
    assert roles[0]["name"] == "Purchasing"


def test_list_requires_fields_and_caps_them_at_50(api):
    missing = api.get(f"{api.base}/Contacts")
    assert missing.status_code == 400
    assert missing.json()["details"] == {"param_name": "fields"}
    many = api.get(f"{api.base}/Contacts", params={"fields": ",".join(["Email"] * 51)})
    assert many.json()["code"] == "LIMIT_EXCEEDED"


def test_page_token_pages_past_the_discrete_limit(api):
    # The module fixture lowers the discrete page window from 2000 to 100 records.
    params = {"fields": "Last_Name", "per_page": 50, "sort_order": "asc"}
    assert (
        api.get(f"{api.base}/Contacts", params={**params, "page": 3}).json()["code"]
        == "DISCRETE_PAGINATION_LIMIT_EXCEEDED"
    )
    seen, body = [], api.get(f"{api.base}/Contacts", params=params).json()
    while True:
        seen += [r["id"] for r in body["data"]]
        if not body["info"]["more_records"]:
            break
        body = api.get(
            f"{api.base}/Contacts", params={**params, "page_token": body["info"]["next_page_token"]}
        ).json()
    assert len(seen) == len(set(seen)) == 90 and seen == sorted(seen)
    mismatch = api.get(
        f"{api.base}/Contacts",
        params={
            "fields": "Email",
            "per_page": 50,
            "page_token": body["info"]["previous_page_token"],
        },
    )
    assert mismatch.json()["code"] == "TOKEN_BOUND_DATA_MISMATCH"


def test_empty_results_are_204_with_empty_body(api):
    response = api.get(f"{api.base}/Contacts/search", params={"email": "nobody@nowhere.test"})
    assert (response.status_code, response.content) == (204, b"")
    assert api.get(f"{api.base}/Contacts/123").status_code == 204


def test_single_get_includes_subforms_that_lists_hide(api):
    listed = api.get(f"{api.base}/Deals", params={"fields": "Deal_Name,Line_Items"}).json()
    assert "Line_Items" not in listed["data"][0]
    one = api.get(f"{api.base}/Deals/{listed['data'][0]['id']}").json()["data"][0]
    assert "Line_Items" in one and one["Modified_Time"].endswith("+05:30")


def test_search_escapes_parentheses_and_commas(api, sb):
    contact = api.get(f"{api.base}/Contacts", params={"fields": "id"}).json()["data"][40]["id"]
    api.put(f"{api.base}/Contacts/{contact}", json={"data": [{"Title": "VP (Sales), EMEA"}]})
    found = api.get(
        f"{api.base}/Contacts/search", params={"criteria": r"(Title:equals:VP \(Sales\)\, EMEA)"}
    ).json()
    assert [r["id"] for r in found["data"]] == [contact]
    assert found["info"] == {"per_page": 200, "count": 1, "page": 1, "more_records": False}


@pytest.mark.parametrize(
    "criteria",
    [
        "((Amount:greater_than:1000)and(Stage:in:Closed Won,Closed Lost))",
        "(Amount:between:1000,50000)",
        "((Deal_Name:starts_with:a)or(Deal_Name:starts_with:b))",
        "(Stage:not_equal:Qualification)",
    ],
)
def test_search_operators(api, criteria):
    response = api.get(f"{api.base}/Deals/search", params={"criteria": criteria})
    assert response.status_code == 200 and response.json()["data"]


def test_search_errors(api, sb):
    bad = api.get(f"{api.base}/Deals/search", params={"criteria": "(Amount:starts_with:1)"})
    assert bad.json()["code"] == "INVALID_QUERY"
    none = api.get(f"{api.base}/Deals/search")
    assert none.json()["code"] == "EXPECTED_PARAM_MISSING"
    from tests.sandbox.conftest import session_for

    no_search_scope = session_for(sb, scopes=["ZohoCRM.modules.ALL"])
    assert (
        no_search_scope.get(f"{api.base}/Deals/search", params={"word": "acme"}).json()["code"]
        == "OAUTH_SCOPE_MISMATCH"
    )
