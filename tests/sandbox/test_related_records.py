"""PUT /Contacts/{external id}/Deals and friends (zoho-update-related-records-by-external-id)."""

from __future__ import annotations

from sandbox.metadata import org

BOTH = "Contacts.External_Contact_ID,Deals.External_Deal_ID"
ROLE = org.CONTACT_ROLES[0]["id"]


def test_base_by_external_id_sample_gives_relation_added(api, sb):
    response = api.put(
        f"{api.base}/Contacts/extcontact3/Deals",
        headers={"X-EXTERNAL": BOTH},
        json={"data": [{"External_Deal_ID": "extdeal3", "Contact_Role": ROLE}]},
    )
    assert response.status_code == 200
    entry = response.json()["data"][0]
    assert entry["code"] == "SUCCESS" and entry["message"] == "relation added"
    assert entry["status"] == "success"
    assert list(entry["details"]) == ["External_Deal_ID", "id"]
    assert entry["details"]["External_Deal_ID"] == "extdeal3"
    contact = api.get(f"{api.base}/Contacts/extcontact3", headers={"X-EXTERNAL": BOTH}).json()
    related = api.get(
        f"{api.base}/Contacts/{contact['data'][0]['id']}/Deals",
        params={"fields": "Deal_Name,External_Deal_ID"},
    ).json()["data"]
    assert entry["details"]["id"] in [d["id"] for d in related]


def test_base_by_record_id_with_only_the_deal_external_field(api):
    contact = api.get(
        f"{api.base}/Contacts/extcontact4", headers={"X-EXTERNAL": "Contacts.External_Contact_ID"}
    ).json()["data"][0]
    response = api.put(
        f"{api.base}/Contacts/{contact['id']}/Deals",
        headers={"X-EXTERNAL": "Deals.External_Deal_ID"},
        json={"data": [{"Contact_Role": ROLE, "External_Deal_ID": "extdeal5"}]},
    )
    assert response.status_code == 200
    assert response.json()["data"][0]["details"]["External_Deal_ID"] == "extdeal5"


def test_related_external_errors(api):
    unknown = api.put(
        f"{api.base}/Contacts/extcontact3/Deals",
        headers={"X-EXTERNAL": BOTH},
        json={"data": [{"External_Deal_ID": "nope"}]},
    )
    entry = unknown.json()["data"][0]
    assert unknown.status_code == 400
    assert (entry["code"], entry["message"]) == (
        "INVALID_DATA",
        "The ID of the external field is invalid.",
    )
    assert entry["details"]["api_name"] == "External_Deal_ID"
    missing = api.put(
        f"{api.base}/Contacts/extcontact3/Deals",
        headers={"X-EXTERNAL": BOTH},
        json={"data": [{"Contact_Role": ROLE}]},
    )
    assert missing.json()["data"][0]["code"] == "MANDATORY_NOT_FOUND"
    base = api.put(
        f"{api.base}/Contacts/nobody/Deals",
        headers={"X-EXTERNAL": BOTH},
        json={"data": [{"External_Deal_ID": "extdeal3"}]},
    )
    assert base.status_code == 400 and base.json()["code"] == "INVALID_DATA"
    assert base.json()["message"] == (
        "You have specified an invalid external ID for the base module."
    )


def test_deal_contact_roles_update_and_unlink(api):
    deal = api.get(
        f"{api.base}/Deals/extdeal7", headers={"X-EXTERNAL": "Deals.External_Deal_ID"}
    ).json()["data"][0]
    contact = api.get(
        f"{api.base}/Contacts/extcontact9", headers={"X-EXTERNAL": "Contacts.External_Contact_ID"}
    ).json()["data"][0]
    role = org.CONTACT_ROLES[3]
    updated = api.put(
        f"{api.base}/Deals/{deal['id']}/Contact_Roles/{contact['id']}",
        json={"data": [{"Contact_Role": {"name": role["name"], "id": role["id"]}}]},
    )
    assert updated.json()["data"][0] == {
        "code": "SUCCESS",
        "details": {"id": contact["id"]},
        "message": "relation updated",
        "status": "success",
    }
    listed = api.get(
        f"{api.base}/Deals/{deal['id']}/Contact_Roles", params={"fields": "Last_Name"}
    ).json()["data"]
    assert {"name": role["name"], "id": role["id"]} in [r["Contact_Role"] for r in listed]
    removed = api.delete(f"{api.base}/Deals/{deal['id']}/Contact_Roles/{contact['id']}")
    assert removed.json()["data"][0]["message"] == "relation removed"
    again = api.delete(f"{api.base}/Deals/{deal['id']}/Contact_Roles/{contact['id']}")
    assert again.json()["data"][0]["message"] == "the related id given seems to be invalid"


def test_related_list_get_requires_fields_and_related_writes_check_permission(api, reader_api):
    account = api.get(f"{api.base}/Accounts", params={"fields": "id"}).json()["data"][0]["id"]
    missing = api.get(f"{api.base}/Accounts/{account}/Contacts")
    assert missing.json()["code"] == "REQUIRED_PARAM_MISSING"
    denied = reader_api.put(
        f"{api.base}/Contacts/extcontact3/Deals", headers={"X-EXTERNAL": BOTH}, json={"data": []}
    )
    assert denied.status_code == 403 and denied.json()["code"] == "NO_PERMISSION"
