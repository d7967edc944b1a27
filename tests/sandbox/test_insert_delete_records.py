"""POST /{module} inserts and DELETE /{module} deletes into the recycle bin, with Zoho's answers."""

from __future__ import annotations

from tests.sandbox.conftest import ids


def post(api, module, records, **body):
    return api.post(f"{api.base}/{module}", json={"data": records, **body})


def only(response):
    return response.json()["data"][0]


def test_insert_answers_201_record_added_and_the_record_reads_back(api, sb):
    response = post(api, "Contacts", [{"Last_Name": "Newman", "First_Name": "Ada"}])
    assert response.status_code == 201
    entry = only(response)
    assert (entry["code"], entry["message"], entry["status"]) == (
        "SUCCESS",
        "record added",
        "success",
    )
    assert list(entry["details"]) == [
        "Modified_Time",
        "Modified_By",
        "Created_Time",
        "id",
        "Created_By",
        "$approval_state",
    ]
    stored = sb.get_record("Contacts", entry["details"]["id"])
    assert stored["Full_Name"] == "Ada Newman"  # derived as on update
    assert stored["Layout"]["name"] == "Standard"  # Zoho's default layout
    assert stored["Created_Time"] == stored["Modified_Time"] == entry["details"]["Created_Time"]


def test_insert_refuses_each_record_with_its_field_error(api):
    taken = api.get(f"{api.base}/Contacts", params={"fields": "Email", "per_page": 50}).json()
    email = next(r["Email"] for r in taken["data"] if r.get("Email"))
    response = post(
        api,
        "Contacts",
        [
            {"First_Name": "No last name"},
            {"Last_Name": "Bad", "Email": "not an email"},
            {"Last_Name": "Twin", "Email": email},
            {"Last_Name": "Fine"},
        ],
    )
    assert response.status_code == 207
    data = response.json()["data"]
    assert [(e["code"], e["details"].get("api_name")) for e in data] == [
        ("MANDATORY_NOT_FOUND", "Last_Name"),
        ("INVALID_DATA", "Email"),
        ("DUPLICATE_DATA", "Email"),
        ("SUCCESS", None),
    ]
    assert data[2]["details"]["json_path"] == "$.data[2].Email"


def test_insert_with_a_layout_checks_that_layouts_required_fields(api):
    deals = api.get(f"{api.base}/settings/layouts", params={"module": "Deals"}).json()
    renewals = next(lay for lay in deals["layouts"] if lay["name"] == "Renewals")
    record = {"Deal_Name": "Renewal", "Stage": "Qualification", "Pipeline": "Renewals"}
    without = post(api, "Deals", [record])
    within = post(api, "Deals", [{**record, "Layout": {"id": renewals["id"]}}])
    assert without.status_code == 201
    assert within.status_code == 400
    assert only(within)["code"] == "MANDATORY_NOT_FOUND"


def test_delete_moves_the_record_to_the_recycle_bin_and_answers_as_zoho(api, sb):
    record_id = ids(api, "Leads", 1, offset=30)[0]
    before = sb.get_record("Leads", record_id)
    response = api.delete(f"{api.base}/Leads/{record_id}")
    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {
                "code": "SUCCESS",
                "details": {"id": record_id},
                "message": "record deleted",
                "status": "success",
            }
        ]
    }
    assert sb.get_record("Leads", record_id) is None
    assert api.get(f"{api.base}/Leads/{record_id}").status_code == 204
    assert sb.app.store.recycled("Leads")[0] == before
    again = api.delete(f"{api.base}/Leads", params={"ids": record_id})
    assert again.status_code == 400
    assert only(again)["code"] == "INVALID_DATA"
    assert only(again)["message"] == "record not deleted"


def test_delete_without_ids_is_required_param_missing(api):
    response = api.delete(f"{api.base}/Leads")
    assert response.status_code == 400
    assert response.json()["code"] == "REQUIRED_PARAM_MISSING"


def test_read_only_user_may_neither_insert_nor_delete(reader_api, api):
    record_id = ids(api, "Leads", 1, offset=31)[0]
    assert post(reader_api, "Leads", [{"Last_Name": "x"}]).status_code == 403
    assert reader_api.delete(f"{reader_api.base}/Leads/{record_id}").status_code == 403
