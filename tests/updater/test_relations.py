from __future__ import annotations

import pytest

from tests.updater.answers import data, expect, ok_entry, per_record
from tests.updater.conftest import API
from updater.relations import (
    related_link,
    related_link_by_external,
    related_list_get,
    related_unlink,
)

ADDED = data(ok_entry("relation added", External_Deal_ID="extdeal3", id="9"))
ROW = {"External_Deal_ID": "extdeal3", "Contact_Role": "111111000000026002"}


def link_contact_to_deals(client, *, contact: str = "extcontact3", rows=(ROW,)):
    """Contacts (by External_Contact_ID) → Deals (by External_Deal_ID), as the links page does."""
    return related_link_by_external(
        client=client,
        module="Contacts",
        external_field="External_Contact_ID",
        external_value=contact,
        related_list="Deals",
        related_external_field="External_Deal_ID",
        rows=list(rows),
    )


def test_related_link_by_external_names_both_external_fields(client, mocked) -> None:
    expect(
        mocked,
        "PUT",
        f"{API}/Contacts/extcontact3/Deals",
        sent_headers={"X-EXTERNAL": "Contacts.External_Contact_ID,Deals.External_Deal_ID"},
        sent_json={"data": [ROW]},
        json=ADDED,
    )

    results = link_contact_to_deals(client)

    assert [(result.ok, result.record_id) for result in results] == [(True, "9")]


def test_related_link_by_external_url_encodes_the_external_value(client, mocked) -> None:
    mocked.put(f"{API}/Contacts/ext%2F1%20a%3F/Deals", json=ADDED)

    link_contact_to_deals(client, contact="ext/1 a?")

    assert mocked.calls[0].request.url == f"{API}/Contacts/ext%2F1%20a%3F/Deals"


def test_related_link_by_external_refuses_rows_without_the_named_field(client) -> None:
    with pytest.raises(ValueError, match="External_Deal_ID"):
        link_contact_to_deals(client, contact="x", rows=[{"Contact_Role": "1"}])

    assert client.calls_made == 0


def test_related_link_by_id_names_only_the_related_external_field(client, mocked) -> None:
    expect(
        mocked,
        "PUT",
        f"{API}/Contacts/111111000000085009/Deals",
        sent_headers={"X-EXTERNAL": "Deals.External_Deal_ID"},
        json=ADDED,
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
        json=per_record(
            "INVALID_DATA",
            "The ID of the external field is invalid.",
            {"api_name": "External_Deal_ID"},
        ),
    )

    results = link_contact_to_deals(client)

    assert results[0].ok is False
    assert results[0].error is not None
    assert results[0].error.field_errors[0].api_name == "External_Deal_ID"


def test_related_list_get_sends_fields_and_reads_the_page(client, mocked) -> None:
    expect(
        mocked,
        "GET",
        f"{API}/Deals/1/Contact_Roles",
        sent_query={"fields": "Last_Name,Contact_Role", "page": "1", "per_page": "200"},
        json={"data": [{"id": "3"}], "info": {"more_records": False, "count": 1}},
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
    expect(
        mocked,
        "DELETE",
        f"{API}/Campaigns/1/Leads",
        sent_query={"ids": "5,6"},
        json=data(ok_entry("relation removed", id="5")),
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
