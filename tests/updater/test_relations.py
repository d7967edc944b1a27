from __future__ import annotations

import pytest
from responses import matchers

from tests.updater.conftest import API
from updater.relations import (
    related_link,
    related_link_by_external,
    related_list_get,
    related_unlink,
)

ADDED = {
    "data": [
        {
            "code": "SUCCESS",
            "details": {"External_Deal_ID": "extdeal3", "id": "9"},
            "message": "relation added",
            "status": "success",
        }
    ]
}
ROW = {"External_Deal_ID": "extdeal3", "Contact_Role": "111111000000026002"}


def test_related_link_by_external_names_both_external_fields(client, mocked) -> None:
    mocked.put(
        f"{API}/Contacts/extcontact3/Deals",
        json=ADDED,
        match=[
            matchers.header_matcher(
                {"X-EXTERNAL": "Contacts.External_Contact_ID,Deals.External_Deal_ID"}
            ),
            matchers.json_params_matcher({"data": [ROW]}),
        ],
    )

    results = related_link_by_external(
        client=client,
        module="Contacts",
        external_field="External_Contact_ID",
        external_value="extcontact3",
        related_list="Deals",
        related_external_field="External_Deal_ID",
        rows=[ROW],
    )

    assert [(result.ok, result.record_id) for result in results] == [(True, "9")]


def test_related_link_by_external_url_encodes_the_external_value(client, mocked) -> None:
    mocked.put(f"{API}/Contacts/ext%2F1%20a%3F/Deals", json=ADDED)

    related_link_by_external(
        client=client,
        module="Contacts",
        external_field="External_Contact_ID",
        external_value="ext/1 a?",
        related_list="Deals",
        related_external_field="External_Deal_ID",
        rows=[ROW],
    )

    assert mocked.calls[0].request.url == f"{API}/Contacts/ext%2F1%20a%3F/Deals"


def test_related_link_by_external_refuses_rows_without_the_named_field(client) -> None:
    with pytest.raises(ValueError, match="External_Deal_ID"):
        related_link_by_external(
            client=client,
            module="Contacts",
            external_field="External_Contact_ID",
            external_value="x",
            related_list="Deals",
            related_external_field="External_Deal_ID",
            rows=[{"Contact_Role": "1"}],
        )

    assert client.calls_made == 0


def test_related_link_by_id_names_only_the_related_external_field(client, mocked) -> None:
    mocked.put(
        f"{API}/Contacts/111111000000085009/Deals",
        json=ADDED,
        match=[matchers.header_matcher({"X-EXTERNAL": "Deals.External_Deal_ID"})],
    )

    related_link(
        client=client,
        module="Contacts",
        record_id="111111000000085009",
        related_list="Deals",
        related_module="Deals",
        related_external_field="External_Deal_ID",
        rows=[ROW],
    )


def test_related_link_by_plain_ids_sends_no_external_header(client, mocked) -> None:
    mocked.put(f"{API}/Campaigns/1/Leads", json=ADDED)

    related_link(
        client=client,
        module="Campaigns",
        record_id="1",
        related_list="Leads",
        related_module="Leads",
        related_external_field=None,
        rows=[{"id": "5", "Member_Status": "Active"}],
    )

    assert "X-EXTERNAL" not in mocked.calls[0].request.headers


def test_related_link_reports_a_per_record_failure(client, mocked) -> None:
    mocked.put(
        f"{API}/Contacts/extcontact3/Deals",
        status=400,
        json={
            "data": [
                {
                    "code": "INVALID_DATA",
                    "details": {"api_name": "External_Deal_ID"},
                    "message": "The ID of the external field is invalid.",
                    "status": "error",
                }
            ]
        },
    )

    results = related_link_by_external(
        client=client,
        module="Contacts",
        external_field="External_Contact_ID",
        external_value="extcontact3",
        related_list="Deals",
        related_external_field="External_Deal_ID",
        rows=[ROW],
    )

    assert results[0].ok is False
    assert results[0].error is not None
    assert results[0].error.field_errors[0].api_name == "External_Deal_ID"


def test_related_list_get_sends_fields_and_reads_the_page(client, mocked) -> None:
    mocked.get(
        f"{API}/Deals/1/Contact_Roles",
        json={"data": [{"id": "3"}], "info": {"more_records": False, "count": 1}},
        match=[
            matchers.query_param_matcher(
                {"fields": "Last_Name,Contact_Role", "page": "1", "per_page": "200"}
            )
        ],
    )

    page = related_list_get(
        client=client,
        module="Deals",
        record_id="1",
        related_list="Contact_Roles",
        fields=["Last_Name", "Contact_Role"],
    )

    assert page.records == [{"id": "3"}]


def test_related_unlink_deletes_by_ids(client, mocked) -> None:
    mocked.delete(
        f"{API}/Campaigns/1/Leads",
        json={
            "data": [
                {
                    "code": "SUCCESS",
                    "details": {"id": "5"},
                    "message": "relation removed",
                    "status": "success",
                }
            ]
        },
        match=[matchers.query_param_matcher({"ids": "5,6"})],
    )

    results = related_unlink(
        client=client,
        module="Campaigns",
        record_id="1",
        related_list="Leads",
        related_ids=["5", "6"],
    )

    assert results[0].message == "relation removed"
    assert mocked.calls[0].request.method == "DELETE"
