from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.updater.answers import data, error_entry, expect, ok_entry, per_record
from tests.updater.conftest import API
from updater.errors import ConflictError, ValidationError
from updater.metadata import DictCache, fields_list, layouts_list
from updater.records import (
    Condition,
    criteria_build,
    format_zoho_datetime,
    record_get,
    record_hold,
    record_update,
    records_count,
    records_list,
    records_search,
    results_in_chunks,
)

IST = timezone(timedelta(hours=5, minutes=30))
LOADED_AT = datetime(2024, 1, 15, 15, 26, 49, tzinfo=IST)
UPDATED = data(ok_entry("record updated", Modified_Time="2024-01-15T15:30:00+05:30", id="42"))


def update_contact_42(client, changes: dict) -> object:
    """The edit page's save: Contacts 42 with the Modified_Time it was loaded at."""
    return record_update(
        client=client,
        module="Contacts",
        record_id="42",
        changes=changes,
        modified_time=LOADED_AT,
    )


def test_format_zoho_datetime_writes_iso_8601_with_offset_and_seconds() -> None:
    moment = datetime(2024, 1, 15, 15, 26, 49, 123456, tzinfo=IST)

    assert format_zoho_datetime(moment) == "2024-01-15T15:26:49+05:30"


def test_format_zoho_datetime_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="time zone"):
        format_zoho_datetime(datetime(2024, 1, 15, 15, 26, 49))


def test_record_update_sends_changes_id_and_if_unmodified_since(client, mocked) -> None:
    expect(
        mocked,
        "PUT",
        f"{API}/Contacts/42",
        sent_headers={"If-Unmodified-Since": "2024-01-15T15:26:49+05:30"},
        sent_json={"data": [{"Email": "p@example.com", "id": "42"}]},
        json=UPDATED,
    )

    result = update_contact_42(client, {"Email": "p@example.com"})

    assert result.ok is True
    assert result.record_id == "42"
    assert result.details["Modified_Time"] == "2024-01-15T15:30:00+05:30"


def test_record_update_accepts_zohos_modified_time_string(client, mocked) -> None:
    mocked.put(f"{API}/Deals/42", json=UPDATED)

    record_update(
        client=client,
        module="Deals",
        record_id="42",
        changes={"Stage": "Closed Won"},
        modified_time="2024-01-15T15:26:49+05:30",
    )

    assert mocked.calls[0].request.headers["If-Unmodified-Since"] == "2024-01-15T15:26:49+05:30"


def test_record_update_sends_trigger_and_skips_cadences_when_asked(client, mocked) -> None:
    expect(
        mocked,
        "PUT",
        f"{API}/Deals/42",
        sent_json={
            "data": [{"Stage": "Closed Won", "id": "42"}],
            "trigger": ["workflow"],
            "skip_feature_execution": [{"name": "cadences"}],
        },
        json=UPDATED,
    )

    record_update(
        client=client,
        module="Deals",
        record_id="42",
        changes={"Stage": "Closed Won"},
        modified_time=LOADED_AT,
        trigger=["workflow"],
        skip_cadences=True,
    )


def test_record_update_raises_conflict_when_modified_time_is_stale(client, mocked) -> None:
    mocked.put(
        f"{API}/Contacts/42",
        status=412,
        json=per_record(
            "ALREADY_MODIFIED",
            "record updated time has already passed if-unmodified-since time",
            {"Modified_Time": "2024-01-15T16:00:00+05:30", "id": "42"},
        ),
    )

    with pytest.raises(ConflictError) as raised:
        update_contact_42(client, {"Email": "p@example.com"})

    assert raised.value.details["Modified_Time"] == "2024-01-15T16:00:00+05:30"
    assert len(mocked.calls) == 1


def test_record_update_raises_validation_error_with_the_field(client, mocked) -> None:
    mocked.put(
        f"{API}/Contacts/42",
        status=400,
        json=per_record(
            "INVALID_DATA",
            "invalid data",
            {"api_name": "Phone", "maximum_length": 30, "json_path": "$.data[0].Phone"},
        ),
    )

    with pytest.raises(ValidationError) as raised:
        update_contact_42(client, {"Phone": "1" * 40})

    field_error = raised.value.field_errors[0]
    assert (field_error.api_name, field_error.json_path) == ("Phone", "$.data[0].Phone")
    assert field_error.details["maximum_length"] == 30


def test_record_update_raises_a_per_record_failure_inside_a_200(client, mocked) -> None:
    mocked.put(
        f"{API}/Contacts/42",
        status=200,
        json=per_record(
            "DUPLICATE_DATA",
            "duplicate data",
            {"api_name": "Email", "json_path": "$.data[0].Email"},
        ),
    )

    with pytest.raises(ValidationError, match="DUPLICATE_DATA on Email"):
        update_contact_42(client, {"Email": "taken@example.com"})


def test_record_update_with_no_changes_sends_nothing(client, mocked) -> None:
    result = record_update(
        client=client, module="Contacts", record_id="42", changes={}, modified_time=LOADED_AT
    )

    assert (result.ok, result.code) == (True, "UNCHANGED")
    assert client.calls_made == 0


def test_results_in_chunks_sends_at_most_100_per_call_and_reports_each_record(
    client, mocked
) -> None:
    records = [{"id": str(number), "Rating": "Hot"} for number in range(150)]

    def answer(count: int, failing: int | None = None) -> dict:
        entries = [ok_entry("record updated", id="x") for _ in range(count)]
        if failing is not None:
            entries[failing] = error_entry("INVALID_DATA", "invalid data", {"api_name": "Rating"})
        return data(*entries)

    mocked.put(f"{API}/Leads", json=answer(100))
    mocked.put(f"{API}/Leads", status=207, json=answer(50, failing=10))

    def send(chunk):
        return client.request("PUT", "Leads", json={"data": chunk}, record_errors_ok=True)

    results = results_in_chunks(records, send=send)

    sizes = [len(json.loads(call.request.body)["data"]) for call in mocked.calls]
    assert sizes == [100, 50]
    assert len(results) == 150
    assert [result.index for result in results if not result.ok] == [110]
    assert results[110].error is not None
    assert results[110].error.field_errors[0].api_name == "Rating"


def test_record_get_returns_the_record_or_none_on_204(client, mocked) -> None:
    mocked.get(f"{API}/Contacts/42", json={"data": [{"id": "42", "Last_Name": "Boyle"}]})
    mocked.get(f"{API}/Contacts/43", status=204, body="")

    assert record_get(client=client, module="Contacts", record_id="42") == {
        "id": "42",
        "Last_Name": "Boyle",
    }
    assert record_get(client=client, module="Contacts", record_id="43") is None


def test_records_list_sends_fields_paging_and_sort(client, mocked) -> None:
    expect(
        mocked,
        "GET",
        f"{API}/Contacts",
        sent_query={
            "fields": "Last_Name,Email",
            "per_page": "50",
            "page": "2",
            "sort_by": "Modified_Time",
            "sort_order": "desc",
        },
        json={
            "data": [{"id": "1"}],
            "info": {
                "more_records": True,
                "page": 2,
                "per_page": 50,
                "next_page_token": "tok",
                "count": 50,
            },
        },
    )

    page = records_list(
        client=client,
        module="Contacts",
        fields=["Last_Name", "Email"],
        per_page=50,
        page=2,
        sort_by="Modified_Time",
        sort_order="desc",
    )

    assert (page.records, page.more_records, page.next_page_token) == ([{"id": "1"}], True, "tok")


def test_records_list_uses_page_token_beyond_2000_records(client, mocked) -> None:
    expect(
        mocked,
        "GET",
        f"{API}/Contacts",
        sent_query={"fields": "id", "per_page": "200", "page_token": "next"},
        status=204,
        body="",
    )

    page = records_list(client=client, module="Contacts", fields=["id"], page=11, page_token="next")

    assert page.records == []


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param({"fields": []}, id="no-fields"),
        pytest.param({"fields": [f"F{n}" for n in range(51)]}, id="51-fields"),
        pytest.param({"fields": ["id"], "per_page": 201}, id="per-page-over-200"),
        pytest.param({"fields": ["id"], "page": 11}, id="page-beyond-2000-records"),
        pytest.param({"fields": ["id"], "sort_by": "Email"}, id="unsortable-field"),
        pytest.param({"fields": ["id"], "sort_by": "id", "cvid": "5"}, id="sort-with-cvid"),
    ],
)
def test_records_list_refuses_what_zoho_would_refuse_without_a_call(client, arguments) -> None:
    with pytest.raises(ValueError):
        records_list(client=client, module="Contacts", **arguments)

    assert client.calls_made == 0


def test_criteria_build_escapes_parentheses_commas_and_backslashes() -> None:
    criteria = criteria_build(
        conditions=[
            Condition(field="Company", operator="equals", value="Acme (UK), Ltd\\"),
            Condition(field="Lead_Source", operator="in", value=["Web", "Trade, Show"]),
        ]
    )

    assert criteria == (
        "((Company:equals:Acme \\(UK\\)\\, Ltd\\\\)and(Lead_Source:in:Web,Trade\\, Show))"
    )


def test_criteria_build_writes_a_single_condition_without_extra_parentheses() -> None:
    condition = Condition(field="Email", operator="equals", value="a@b.com")

    assert criteria_build(conditions=[condition]) == "(Email:equals:a@b.com)"


def test_criteria_build_refuses_more_than_ten_conditions() -> None:
    conditions = [Condition(field="Email", operator="equals", value="x")] * 11

    with pytest.raises(ValueError):
        criteria_build(conditions=conditions)


def test_records_search_sends_encoded_criteria_and_gives_empty_page_on_204(client, mocked) -> None:
    expect(
        mocked,
        "GET",
        f"{API}/Accounts/search",
        sent_query={"criteria": "(Account_Name:starts_with:A\\,B)", "page": "1", "per_page": "200"},
        status=204,
        body="",
    )

    page = records_search(
        client=client,
        module="Accounts",
        criteria=Condition(field="Account_Name", operator="starts_with", value="A,B"),
    )

    assert (page.records, page.more_records) == ([], False)
    assert "criteria=%28Account_Name%3Astarts_with%3AA%5C%2CB%29" in mocked.calls[0].request.url


@pytest.mark.parametrize("key", ["word", "email", "phone"])
def test_records_search_by_word_email_or_phone(client, mocked, key: str) -> None:
    expect(
        mocked,
        "GET",
        f"{API}/Leads/search",
        sent_query={key: "value", "page": "1", "per_page": "200"},
        json={"data": [{"id": "1"}], "info": {"count": 1, "more_records": False}},
    )

    page = records_search(client=client, module="Leads", **{key: "value"})

    assert page.records == [{"id": "1"}]


def test_records_count_asks_the_count_endpoint_with_the_search(client, mocked) -> None:
    expect(
        mocked,
        "GET",
        f"{API}/Contacts/actions/count",
        sent_query={"criteria": "(Lead_Source:equals:Web)"},
        json={"count": 42},
    )

    total = records_count(
        client=client,
        module="Contacts",
        criteria=Condition(field="Lead_Source", operator="equals", value="Web"),
    )

    assert total == 42


def test_records_count_without_a_search_counts_the_module(client, mocked) -> None:
    expect(mocked, "GET", f"{API}/Deals/actions/count", sent_query={}, json={"count": 7})

    assert records_count(client=client, module="Deals") == 7
    assert mocked.calls[0].request.url == f"{API}/Deals/actions/count"


def test_records_search_needs_exactly_one_kind_of_search(client) -> None:
    with pytest.raises(ValueError):
        records_search(client=client, module="Leads", word="ab", email="a@b.com")


FIELDS_ANSWER = {"fields": [{"api_name": "Email", "field_label": "Email", "data_type": "email"}]}
LAYOUTS_ANSWER = {"layouts": [{"id": "9", "name": "Standard", "sections": []}]}


def _open_and_save(client, cache) -> None:
    fields_list(
        client=client, cache=cache, cache_key_prefix="zoho:conn:7", module="Contacts", ttl=600
    )
    layouts_list(
        client=client, cache=cache, cache_key_prefix="zoho:conn:7", module="Contacts", ttl=600
    )
    record_get(client=client, module="Contacts", record_id="42")
    update_contact_42(client, {"Email": "p@example.com"})


def test_opening_and_saving_a_record_with_warm_metadata_costs_two_calls(client, mocked) -> None:
    cache = DictCache()
    cache.set("zoho:conn:7:fields:Contacts", FIELDS_ANSWER["fields"], 600)
    cache.set("zoho:conn:7:layouts:Contacts", LAYOUTS_ANSWER["layouts"], 600)
    mocked.get(f"{API}/Contacts/42", json={"data": [{"id": "42"}]})
    mocked.put(f"{API}/Contacts/42", json=UPDATED)

    _open_and_save(client, cache)

    assert [(call.request.method, call.request.url) for call in mocked.calls] == [
        ("GET", f"{API}/Contacts/42"),
        ("PUT", f"{API}/Contacts/42"),
    ]
    assert client.calls_made == 2


def test_opening_and_saving_with_cold_metadata_adds_only_that_modules_metadata(
    client, mocked
) -> None:
    mocked.get(f"{API}/settings/fields?module=Contacts", json=FIELDS_ANSWER)
    mocked.get(f"{API}/settings/layouts?module=Contacts", json=LAYOUTS_ANSWER)
    mocked.get(f"{API}/Contacts/42", json={"data": [{"id": "42"}]})
    mocked.put(f"{API}/Contacts/42", json=UPDATED)

    _open_and_save(client, DictCache())

    assert [call.request.url for call in mocked.calls] == [
        f"{API}/settings/fields?module=Contacts",
        f"{API}/settings/layouts?module=Contacts",
        f"{API}/Contacts/42",
        f"{API}/Contacts/42",
    ]
    assert client.calls_made == 4


@pytest.mark.parametrize(
    ("record", "hold"),
    [
        ({"Locked__s": True, "$locked_for_me": True}, "locked"),
        ({"Locked__s": True, "$locked_for_me": False}, ""),  # the lock spares this user
        ({"Locked__s": True}, "locked"),
        ({"$approval_state": "approval_process_pending"}, "awaiting_approval"),
        ({"$approval_state": "approved", "$in_merge": True}, "in_merge"),
        ({"$approval_state": "approved", "Locked__s": False, "$in_merge": False}, ""),
    ],
)
def test_record_hold_reads_the_records_state_keys(record, hold):
    assert record_hold(record) == hold
