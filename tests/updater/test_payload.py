from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from updater.metadata import COMPUTED_TYPES, Field, MultiLookup
from updater.payload import update_payload_build

IST = timezone(timedelta(hours=5, minutes=30))


def make(api_name: str, data_type: str, **extra: Any) -> Field:
    return Field(
        api_name=api_name, field_label=api_name.replace("_", " "), data_type=data_type, **extra
    )


LISTINGS = make(
    "Listings",
    "multiselectlookup",
    multi_lookup=MultiLookup(
        connected_module="Listings",
        linking_module="Deals_X_Listings",
        lookup_api_name="Deals",
        connected_lookup_api_name="Interested_Listings",
    ),
)
USERS = make(
    "AssociatedUser",
    "multiuserlookup",
    multi_lookup=MultiLookup(
        connected_module="users",
        linking_module="Deals_X_Users",
        lookup_api_name="Deal",
        connected_lookup_api_name="User",
    ),
)
ITEMS = make(
    "Items", "subform", subform_fields=(make("Quantity", "integer"), make("Item_Name", "text"))
)

# (field, value as loaded, value submitted, JSON the update sends)
CHANGES = [
    pytest.param(make("Last_Name", "text"), "Boyle", "Boyles", "Boyles", id="text"),
    pytest.param(
        make("Description", "textarea"), "a", "line1\nline2", "line1\nline2", id="textarea"
    ),
    pytest.param(make("Email", "email"), None, "p@example.com", "p@example.com", id="email"),
    pytest.param(make("Phone", "phone"), "+1 555 0100", "", None, id="phone-cleared"),
    pytest.param(
        make("Website", "website"), None, "https://zylker.com", "https://zylker.com", id="website"
    ),
    pytest.param(make("Employees", "integer"), 10, "42", 42, id="integer"),
    pytest.param(make("Serial", "long"), None, "0012345600012", "0012345600012", id="long"),
    pytest.param(
        make("Big_Number", "bigint"), "12", 12345678901234, "12345678901234", id="bigint-as-string"
    ),
    pytest.param(
        make("Big_Code", "bigint"),
        None,
        "0012345600012",
        "0012345600012",
        id="bigint-keeps-leading-zeros",
    ),
    pytest.param(make("Score", "double"), 1.5, Decimal("12.25"), 12.25, id="double"),
    pytest.param(make("Amount", "currency"), 100.0, Decimal("250000.90"), 250000.9, id="currency"),
    pytest.param(make("Amount", "currency"), 100.5, Decimal("300"), 300, id="currency-whole"),
    pytest.param(make("Probability", "percent"), 10, "25", 25, id="percent"),
    pytest.param(make("Ratio", "decimal"), None, "0.5", 0.5, id="decimal"),
    pytest.param(make("Email_Opt_Out", "boolean"), False, True, True, id="boolean"),
    pytest.param(
        make("Closing_Date", "date"), "2024-01-01", date(2024, 2, 29), "2024-02-29", id="date"
    ),
    pytest.param(
        make("Call_Start_Time", "datetime"),
        "2024-01-15T15:26:49+05:30",
        datetime(2024, 1, 15, 16, 0, 0, 500, tzinfo=IST),
        "2024-01-15T16:00:00+05:30",
        id="datetime-with-offset",
    ),
    pytest.param(
        make("Stage", "picklist"), "Qualification", "Closed Won", "Closed Won", id="picklist"
    ),
    pytest.param(
        make("Languages", "multiselectpicklist"),
        ["Korean"],
        ["Korean", "Spanish"],
        ["Korean", "Spanish"],
        id="multiselectpicklist",
    ),
    pytest.param(
        make("Account_Name", "lookup", lookup_module="Accounts"),
        {"name": "Acme", "id": "1"},
        "2",
        {"id": "2"},
        id="lookup",
    ),
    pytest.param(
        make("Account_Name", "lookup"), {"name": "Acme", "id": "1"}, None, None, id="lookup-cleared"
    ),
    pytest.param(
        make("Owner", "ownerlookup"),
        {"name": "P Boyle", "id": "7", "email": "p@x"},
        {"id": "8", "name": "J Smith"},
        {"id": "8"},
        id="ownerlookup",
    ),
    pytest.param(make("Reviewer", "userlookup"), None, "8", {"id": "8"}, id="userlookup"),
    pytest.param(
        LISTINGS,
        [
            {"Interested_Listings": {"name": "Flat", "id": "100"}, "id": "L1"},
            {"Interested_Listings": {"name": "House", "id": "101"}, "id": "L2"},
        ],
        ["100", "102"],
        [{"Interested_Listings": {"id": "102"}}, {"id": "L2", "_delete": None}],
        id="multiselectlookup-add-and-remove",
    ),
    pytest.param(
        USERS,
        [],
        [{"id": "9", "name": "J Smith"}],
        [{"User": {"id": "9"}}],
        id="multiuserlookup-from-metadata",
    ),
    pytest.param(
        USERS,
        [{"User": {"name": "J Smith", "id": "9"}, "id": "U1"}],
        [],
        [{"id": "U1", "_delete": None}],
        id="multiuserlookup-removed",
    ),
    pytest.param(
        make("Image_Upload", "imageupload"),
        [{"File_Id__s": "old", "id": "I1"}],
        [{"File_Id__s": "2cxx2fa"}],
        [{"File_Id__s": "2cxx2fa"}, {"id": "I1", "_delete": None}],
        id="imageupload",
    ),
    pytest.param(
        make("Contract", "fileupload"),
        [{"File_Id__s": "f", "id": "F1"}],
        [{"id": "F1"}, "newfile"],
        [{"File_Id__s": "newfile"}],
        id="fileupload-added",
    ),
    pytest.param(
        ITEMS,
        [
            {"id": "R1", "Quantity": 1, "Item_Name": "Pen"},
            {"id": "R2", "Quantity": 5, "Item_Name": "Ink"},
            {"id": "R3", "Quantity": 9, "Item_Name": "Pad"},
        ],
        [
            {"id": "R1", "Quantity": "3", "Item_Name": "Pen"},
            {"id": "R2", "Quantity": 5, "Item_Name": "Ink"},
            {"Quantity": 2, "Item_Name": "Ruler"},
        ],
        [
            {"id": "R1", "Quantity": 3},
            {"id": "R2"},
            {"Quantity": 2, "Item_Name": "Ruler"},
            {"id": "R3", "_delete": None},
        ],
        id="subform-edit-keep-add-remove",
    ),
]


@pytest.mark.parametrize(("field", "before", "after", "sent"), CHANGES)
def test_update_payload_sends_each_data_type_in_its_json_form(
    field: Field, before: Any, after: Any, sent: Any
) -> None:
    payload = update_payload_build(
        fields=[field], original={field.api_name: before}, submitted={field.api_name: after}
    )

    assert payload == {field.api_name: sent}


UNCHANGED = [
    pytest.param(make("Last_Name", "text"), "Boyle", "Boyle", id="text"),
    pytest.param(make("Email", "email"), None, "", id="email-empty-both-ways"),
    pytest.param(make("Employees", "integer"), 42, "42", id="integer-as-text"),
    pytest.param(make("Big_Number", "bigint"), "123", 123, id="bigint"),
    pytest.param(make("Amount", "currency"), 250000.9, Decimal("250000.90"), id="currency"),
    pytest.param(make("Email_Opt_Out", "boolean"), None, False, id="boolean"),
    pytest.param(make("Closing_Date", "date"), "2024-02-29", date(2024, 2, 29), id="date"),
    pytest.param(
        make("Call_Start_Time", "datetime"),
        "2024-01-15T15:26:49+05:30",
        datetime(2024, 1, 15, 9, 56, 49, tzinfo=UTC),
        id="datetime-same-instant-other-zone",
    ),
    pytest.param(
        make("Languages", "multiselectpicklist"), ["A", "B"], ["B", "A"], id="multiselect-reordered"
    ),
    pytest.param(make("Account_Name", "lookup"), {"name": "Acme", "id": "1"}, "1", id="lookup"),
    pytest.param(
        LISTINGS,
        [{"Interested_Listings": {"name": "Flat", "id": "100"}, "id": "L1"}],
        ["100"],
        id="multiselectlookup",
    ),
    pytest.param(
        make("Image_Upload", "imageupload"),
        [{"File_Id__s": "a", "id": "I1"}],
        [{"id": "I1"}],
        id="imageupload",
    ),
    pytest.param(
        ITEMS, [{"id": "R1", "Quantity": 1}], [{"id": "R1", "Quantity": "1"}], id="subform"
    ),
]


@pytest.mark.parametrize(("field", "before", "after"), UNCHANGED)
def test_update_payload_leaves_out_unchanged_fields(field: Field, before: Any, after: Any) -> None:
    payload = update_payload_build(
        fields=[field], original={field.api_name: before}, submitted={field.api_name: after}
    )

    assert payload == {}


@pytest.mark.parametrize(
    "field",
    [
        pytest.param(make("Full_Name", "text", read_only=True), id="read-only"),
        pytest.param(make("Created_Time", "datetime", field_read_only=True), id="field-read-only"),
        pytest.param(make("Total", "formula", is_formula=True), id="formula"),
        pytest.param(make("Invoice_No", "autonumber", is_auto_number=True), id="autonumber"),
        pytest.param(make("Sum_Deals", "rollup_summary", is_rollup=True), id="rollup"),
        pytest.param(make("Widget", "widget"), id="unknown-type"),
        pytest.param(make("Tag", "text", json_type="jsonarray"), id="tags-that-say-text"),
    ],
)
def test_update_payload_never_sends_fields_zoho_computes_or_forbids(field: Field) -> None:
    payload = update_payload_build(
        fields=[field], original={field.api_name: "old"}, submitted={field.api_name: "new"}
    )

    assert payload == {}


def test_update_payload_sends_only_the_changed_fields_of_a_record() -> None:
    fields = [make("Last_Name", "text"), make("Email", "email"), make("Employees", "integer")]
    original = {"id": "42", "Last_Name": "Boyle", "Email": "p@x.com", "Employees": 10}

    payload = update_payload_build(
        fields=fields,
        original=original,
        submitted={"Last_Name": "Boyle", "Email": "new@x.com", "Employees": 10},
    )

    assert payload == {"Email": "new@x.com"}


def test_update_payload_ignores_fields_the_form_did_not_submit() -> None:
    payload = update_payload_build(
        fields=[make("Last_Name", "text")], original={"Last_Name": "Boyle"}, submitted={}
    )

    assert payload == {}


def test_update_payload_appends_multiselect_values_when_asked() -> None:
    payload = update_payload_build(
        fields=[make("Languages", "multiselectpicklist")],
        original={"Languages": ["Korean"]},
        submitted={"Languages": ["Korean", "Spanish"]},
        append_values={"Languages": True},
    )

    assert payload == {"Languages": ["Spanish"], "$append_values": {"Languages": True}}


def test_update_payload_replaces_multiselect_values_when_one_was_removed() -> None:
    payload = update_payload_build(
        fields=[make("Languages", "multiselectpicklist")],
        original={"Languages": ["Korean", "French"]},
        submitted={"Languages": ["Korean", "Spanish"]},
        append_values={"Languages": True},
    )

    assert payload == {"Languages": ["Korean", "Spanish"], "$append_values": {"Languages": False}}


def test_update_payload_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="time zone"):
        update_payload_build(
            fields=[make("Call_Start_Time", "datetime")],
            original={},
            submitted={"Call_Start_Time": datetime(2024, 1, 15, 16, 0)},
        )


def test_update_payload_sends_a_multiselect_changed_inside_a_subform_row() -> None:
    items = make("Items", "subform", subform_fields=(make("Colours", "multiselectpicklist"),))

    payload = update_payload_build(
        fields=[items],
        original={"Items": [{"id": "R1", "Colours": ["Red"]}]},
        submitted={"Items": [{"id": "R1", "Colours": ["Red", "Blue"]}]},
    )

    assert payload == {"Items": [{"id": "R1", "Colours": ["Red", "Blue"]}]}


def test_computed_types_come_from_their_json_form() -> None:
    assert {"autonumber", "formula", "rollup_summary", "territories"} == COMPUTED_TYPES
    assert not make("Area", "territories").is_writable


def test_update_payload_never_sends_again_a_subform_row_already_sent_without_its_id() -> None:
    # After a save whose result could not be read, the loaded rows hold the new row as sent
    # (no id): the same row again is that row; a second, different row is new.
    before = [{"id": "R1", "Quantity": 1}, {"Item_Name": "Desk", "Quantity": 1}]
    same = [{"id": "R1", "Quantity": "1"}, {"Item_Name": "Desk", "Quantity": "1"}]
    assert (
        update_payload_build(fields=[ITEMS], original={"Items": before}, submitted={"Items": same})
        == {}
    )
    more = [*same, {"Item_Name": "Lamp", "Quantity": "2"}]
    sent = update_payload_build(
        fields=[ITEMS], original={"Items": before}, submitted={"Items": more}
    )
    assert sent == {"Items": [{"id": "R1"}, {"Item_Name": "Lamp", "Quantity": 2}]}
