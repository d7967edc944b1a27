"""PUT /{module}: every response in zoho-update-records.txt can be provoked."""

from __future__ import annotations

import pytest

from sandbox.clock import parse_iso, to_iso
from tests.sandbox.conftest import ids, session_for


def put(api, module, records, **body):
    return api.put(f"{api.base}/{module}", json={"data": records, **body})


def only(response):
    return response.json()["data"][0]


def test_sample_request_gets_the_documented_success_body(api, sb):
    deal_id, listing = ids(api, "Deals", 1)[0], ids(api, "Listings", 1, offset=3)[0]
    old = sb.get_record("Deals", deal_id)
    response = put(
        api,
        "Deals",
        [
            {
                "id": deal_id,
                "Deal_Name": "v7 Update",
                "Stage": "Closed Won",
                "Pipeline": "Standard (Standard)",
                "Foreign_Languages": ["Korean", "Spanish"],
                "$append_values": {"Foreign_Languages": False},
                "Image_Upload": [{"File_Id__s": "2cxx2fa"}],
                "Listings": [
                    {"Interested_Listings": {"id": listing}},
                    {"id": old["Listings"][0]["id"], "_delete": None},
                ],
                "AssociatedUser": [{"User": {"name": "J Smith", "id": "5725767000000235017"}}],
            }
        ],
        skip_feature_execution=[{"name": "cadences"}],
    )
    assert response.status_code == 200
    entry = only(response)
    assert list(entry) == ["code", "details", "message", "status"]
    assert (entry["code"], entry["message"], entry["status"]) == (
        "SUCCESS",
        "record updated",
        "success",
    )
    assert list(entry["details"]) == [
        "Modified_Time",
        "Modified_By",
        "Created_Time",
        "id",
        "Created_By",
    ]
    stored = sb.get_record("Deals", deal_id)
    assert stored["Foreign_Languages"] == ["Korean", "Spanish"]
    assert [r["Interested_Listings"]["id"] for r in stored["Listings"]] == [listing]
    assert stored["Image_Upload"][-1]["File_Id__s"] == "2cxx2fa"
    assert parse_iso(stored["Modified_Time"]) > parse_iso(old["Modified_Time"])


def test_stale_if_unmodified_since_is_412_already_modified(api, sb):
    contact = ids(api, "Contacts", 1, offset=20)[0]
    seen = sb.get_record("Contacts", contact)["Modified_Time"]
    sb.edit_record("Contacts", contact, {"Title": "Changed elsewhere"})
    response = api.put(
        f"{api.base}/Contacts/{contact}",
        json={"data": [{"Title": "Mine"}]},
        headers={"If-Unmodified-Since": seen},
    )
    assert response.status_code == 412
    entry = only(response)
    assert entry["code"] == "ALREADY_MODIFIED" and entry["status"] == "error"
    assert entry["message"] == "record updated time has already passed if-unmodified-since time"
    assert entry["details"]["id"] == contact
    assert entry["details"]["Modified_By"]["name"] == "Morgan Lee"
    fresh = api.put(
        f"{api.base}/Contacts/{contact}",
        json={"data": [{"Title": "Mine"}]},
        headers={"If-Unmodified-Since": entry["details"]["Modified_Time"]},
    )
    assert fresh.status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "extra"),
    [
        ("Loyalty_Points", "many", {"expected_data_type": "integer"}),
        ("Email", "not-an-email", {"expected_data_type": "email"}),
        ("Date_of_Birth", "16/08/2017", {"expected_data_type": "date"}),
        ("Last_Contacted", "2024-01-15 10:00", {"expected_data_type": "datetime"}),
        ("Email_Opt_Out", "yes", {"expected_data_type": "boolean"}),
        ("Lifetime_Value", "12", {"expected_data_type": "currency"}),
        ("Notes_Short", "x" * 201, {"maximum_length": 200}),
        ("First_Name", "y" * 41, {"maximum_length": 40}),
        ("Account_Name", {"id": "123"}, {"expected_data_type": "lookup"}),
    ],
)
def test_type_and_length_errors_name_the_field(api, field, value, extra):
    contact = ids(api, "Contacts", 1, offset=21)[0]
    response = put(api, "Contacts", [{"id": contact, field: value}])
    assert response.status_code == 400
    assert only(response) == {
        "code": "INVALID_DATA",
        "details": {"api_name": field, "json_path": f"$.data[0].{field}", **extra},
        "message": "invalid data",
        "status": "error",
    }


def test_picklist_outside_its_values_lists_supported_values(api):
    deal = ids(api, "Deals", 1, offset=21)[0]
    details = only(put(api, "Deals", [{"id": deal, "Stage": "Won-ish"}]))["details"]
    assert "Closed Won" in details["supported_values"] and details["api_name"] == "Stage"


def test_bad_id_missing_id_and_emptied_required_field(api):
    bad = only(put(api, "Contacts", [{"id": "111", "Title": "x"}]))
    assert (bad["code"], bad["message"]) == ("INVALID_DATA", "the id given seems to be invalid")
    missing = only(put(api, "Contacts", [{"Title": "x"}]))
    assert missing["code"] == "MANDATORY_NOT_FOUND"
    assert missing["details"] == {"api_name": "id", "json_path": "$.data[0].id"}
    contact = ids(api, "Contacts", 1, offset=22)[0]
    emptied = only(put(api, "Contacts", [{"id": contact, "Last_Name": ""}]))
    assert emptied["code"] == "MANDATORY_NOT_FOUND"
    assert emptied["details"]["api_name"] == "Last_Name"


def test_layout_required_fields_apply_only_when_layout_id_is_sent(api, sb):
    contact = ids(api, "Contacts", 1, offset=23)[0]
    layout = sb.get_record("Contacts", contact)["Layout"]["id"]
    assert put(api, "Contacts", [{"id": contact, "Email": None}]).status_code == 200
    response = put(api, "Contacts", [{"id": contact, "Title": "t", "Layout": {"id": layout}}])
    assert only(response)["details"]["api_name"] == "Email"


def test_unique_clash_is_duplicate_data_with_the_other_record(api, sb):
    first, second = ids(api, "Contacts", 2, offset=24)
    taken = sb.get_record("Contacts", first)["External_Contact_ID"]
    entry = only(put(api, "Contacts", [{"id": second, "External_Contact_ID": taken}]))
    assert entry["code"] == "DUPLICATE_DATA" and entry["message"] == "duplicate data"
    assert entry["details"]["duplicate_record"]["id"] == first
    assert entry["details"]["json_path"] == "$.data[0].External_Contact_ID"


def test_more_than_100_records_is_limit_exceeded(api):
    response = put(api, "Contacts", [{"id": "1"}] * 101)
    assert response.status_code == 400 and response.json()["code"] == "LIMIT_EXCEEDED"


def test_more_than_50_participants_is_limit_exceeded(api):
    event = ids(api, "Events", 1, offset=1)[0]
    people = [{"type": "email", "participant": f"p{i}@x.test"} for i in range(51)]
    entry = only(put(api, "Events", [{"id": event, "Participants": people}]))
    assert (entry["code"], entry["message"]) == (
        "LIMIT_EXCEEDED",
        "Only 50 participants can be added to an event.",
    )


def test_zero_call_duration_is_dependent_mismatch(api):
    call = ids(api, "Calls", 1, offset=1)[0]
    entry = only(
        put(api, "Calls", [{"id": call, "Call_Type": "Outbound", "Call_Duration": "00:00"}])
    )
    assert (entry["code"], entry["message"]) == (
        "DEPENDENT_MISMATCH",
        "Call Duration can not be zero.",
    )
    assert entry["details"]["dependee"]["api_name"] == "Call_Type"


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("locked", "RECORD_LOCKED", "You cannot perform this operation as the record is locked."),
        ("in_merge", "RECORD_LOCKED", "Cannot update record that is not approved yet"),
        ("awaiting_approval", "NOT_APPROVED", "Cannot update record that is not approved yet"),
    ],
)
def test_locked_and_unapproved_records_refuse_updates(api, sb, kind, code, message):
    entry = only(put(api, "Deals", [{"id": sb.special[kind]["Deals"], "Next_Step": "x"}]))
    assert (entry["code"], entry["message"]) == (code, message)


def test_linking_a_locked_record_through_multiselect_lookup_is_record_locked(api, sb):
    deal = ids(api, "Deals", 1, offset=30)[0]
    locked = sb.special["locked"]["Listings"]
    entry = only(
        put(api, "Deals", [{"id": deal, "Listings": [{"Interested_Listings": {"id": locked}}]}])
    )
    assert entry["code"] == "RECORD_LOCKED"
    assert entry["message"] == "Sorry, you cannot perform this operation as the record is locked."


def test_permission_errors(sb, api, reader_api, standard_api):
    contact = ids(api, "Contacts", 1, offset=31)[0]
    denied = reader_api.put(f"{api.base}/Contacts", json={"data": [{"id": contact}]})
    assert denied.status_code == 403 and denied.json()["code"] == "NO_PERMISSION"
    assert denied.json()["message"] == "Permission denied to update"
    product = ids(api, "Products", 1, offset=1)[0]
    failed = standard_api.put(f"{api.base}/Products", json={"data": [{"id": product}]})
    assert failed.status_code == 400 and failed.json()["code"] == "AUTHORIZATION_FAILED"
    read_only_scope = session_for(sb, scopes=["ZohoCRM.modules.contacts.READ"])
    mismatch = read_only_scope.put(f"{api.base}/Contacts", json={"data": [{"id": contact}]})
    assert mismatch.status_code == 401
    assert mismatch.json() == {
        "code": "OAUTH_SCOPE_MISMATCH",
        "details": {},
        "message": "Unauthorized",
        "status": "error",
    }


def test_url_module_and_method_errors(api):
    module = api.put(f"{api.base}/Widgets", json={"data": []})
    assert (module.status_code, module.json()["code"]) == (400, "INVALID_MODULE")
    assert module.json()["message"] == "the module name given seems to be invalid"
    url = api.get(f"{api.base}/Contacts/1/2/3/4")
    assert (url.status_code, url.json()["code"]) == (404, "INVALID_URL_PATTERN")
    method = api.patch(f"{api.base}/Contacts")
    assert (method.status_code, method.json()["code"]) == (400, "INVALID_REQUEST_METHOD")


def test_partial_success_is_207_with_one_entry_per_record(api):
    good = ids(api, "Contacts", 1, offset=32)[0]
    response = put(api, "Contacts", [{"id": good, "Title": "ok"}, {"id": "42", "Title": "x"}])
    assert response.status_code == 207
    assert [e["code"] for e in response.json()["data"]] == ["SUCCESS", "INVALID_DATA"]


def test_append_values_adds_to_a_multiselect_picklist(api, sb):
    contact = ids(api, "Contacts", 1, offset=33)[0]
    put(api, "Contacts", [{"id": contact, "Languages": ["English"]}])
    put(
        api,
        "Contacts",
        [{"id": contact, "Languages": ["Hindi"], "$append_values": {"Languages": True}}],
    )
    assert sb.get_record("Contacts", contact)["Languages"] == ["English", "Hindi"]


def test_subform_rows_are_added_edited_and_deleted(api, sb):
    contact = ids(api, "Contacts", 1, offset=34)[0]
    put(api, "Contacts", [{"id": contact, "Addresses": []}])
    put(api, "Contacts", [{"id": contact, "Addresses": [{"City": "Pune"}, {"City": "Goa"}]}])
    rows = sb.get_record("Contacts", contact)["Addresses"]
    put(
        api,
        "Contacts",
        [
            {
                "id": contact,
                "Addresses": [
                    {"id": rows[0]["id"], "City": "Mumbai"},
                    {"id": rows[1]["id"], "_delete": None},
                ],
            }
        ],
    )
    assert [r["City"] for r in sb.get_record("Contacts", contact)["Addresses"]] == ["Mumbai"]
    missing = only(put(api, "Contacts", [{"id": contact, "Addresses": [{"Street": "x"}]}]))
    assert missing["details"]["json_path"] == "$.data[0].Addresses[0].City"


def test_modified_time_strictly_advances_and_names_the_editor(api, sb):
    contact = ids(api, "Contacts", 1, offset=35)[0]
    times = [
        only(put(api, "Contacts", [{"id": contact, "Title": str(n)}]))["details"]["Modified_Time"]
        for n in range(3)
    ]
    assert parse_iso(times[0]) < parse_iso(times[1]) < parse_iso(times[2])
    assert sb.get_record("Contacts", contact)["Modified_By"]["name"] == "Patricia Boyle"
    assert to_iso(parse_iso(times[2])) == times[2] and times[2].endswith("+05:30")
