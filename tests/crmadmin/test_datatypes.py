"""The type registry: every entry has a JSON form in updater, flags read from one place, and one
display reads any Zoho value for a person (list cells, read-only fields, history)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from crmadmin.datatypes import (
    DATA_TYPES,
    UNKNOWN,
    ascii_number,
    data_type_of,
    display_text,
    editable,
    form_field_for,
    listable_fields,
    multi_line,
    operators_for,
    search_value,
    single_line,
)
from crmadmin.forms.records.fields import InputRuleMixin
from crmadmin.forms.records.types import FormContext
from updater.metadata import Field, field_from_json
from updater.payload import JSON_FORMS, JSON_FORMS_BY_NAME

ROOT = Path(__file__).resolve().parents[2]


def make(api_name: str, data_type: str, **extra) -> Field:
    return Field(api_name=api_name, field_label=api_name, data_type=data_type, **extra)


@pytest.mark.parametrize("name", sorted(DATA_TYPES))
def test_every_registry_type_names_the_json_form_updater_sends_it_in(name):
    entry = DATA_TYPES[name]
    assert entry.json_form in JSON_FORMS_BY_NAME
    assert JSON_FORMS[name].name == entry.json_form


def test_every_type_updater_knows_has_a_registry_entry():
    assert set(JSON_FORMS) == set(DATA_TYPES)


@pytest.mark.parametrize("name", sorted(DATA_TYPES))
def test_types_zoho_computes_are_read_only(name):
    if JSON_FORMS_BY_NAME[DATA_TYPES[name].json_form].computed:
        assert DATA_TYPES[name].read_only


def test_an_unknown_type_is_read_only_listable_unsearchable_and_never_sent():
    entry = data_type_of("warp_drive")
    assert entry is UNKNOWN
    assert (entry.read_only, entry.listable, entry.operators) == (True, True, ())
    assert JSON_FORMS_BY_NAME[entry.json_form].name == "not_sent"
    assert not editable(make("X", "warp_drive"))


def test_the_flags_say_which_types_are_rows_reread_users_and_listable():
    def named(flag: str) -> set[str]:
        return {name for name, entry in DATA_TYPES.items() if getattr(entry, flag)}

    rows = {"multiselectlookup", "multiuserlookup", "fileupload", "imageupload"}
    assert named("rows") == rows
    assert named("reread") == rows | {"subform", "multiselectpicklist"}
    assert named("users") == {"ownerlookup", "userlookup", "multiuserlookup"}
    assert named("appendable") == {"multiselectpicklist"}
    fields = [make("Name", "text"), make("Items", "subform"), make("Notes", "textarea")]
    assert [item.api_name for item in listable_fields(fields)] == ["Name"]


def test_a_field_zoho_locks_is_not_editable_even_when_its_type_is():
    assert editable(make("Email", "email"))
    assert not editable(make("Email", "email", read_only=True))
    assert not editable(make("Invoice_No", "autonumber"))


def test_search_operators_follow_the_type():
    assert operators_for("text") == ("equals", "not_equal", "starts_with", "in")
    assert "between" in operators_for("datetime")
    assert operators_for("subform") == ()


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(None, "", id="none"),
        pytest.param("", "", id="empty-text"),
        pytest.param([], "", id="empty-list"),
        pytest.param(True, "Yes", id="true"),
        pytest.param(False, "No", id="false"),
        pytest.param(Decimal("250000.50"), "250000.50", id="decimal"),
        pytest.param("2024-01-15T15:26:49+05:30", "2024-01-15 15:26:49 +05:30", id="datetime"),
        pytest.param("2024-01-15", "2024-01-15", id="date"),
        pytest.param({"name": "Acme", "id": "1"}, "Acme", id="lookup"),
        pytest.param({"full_name": "Ann Lee", "id": "7"}, "Ann Lee", id="user-by-full-name"),
        pytest.param({"File_Name__s": "cv.pdf", "id": "9"}, "cv.pdf", id="file"),
        pytest.param({"id": "55"}, "55", id="record-without-name"),
        pytest.param(
            {"id": "L1", "Interested_Listings": {"name": "Flat 4", "id": "3"}},
            "Flat 4",
            id="linking-row-reads-as-its-record",
        ),
        pytest.param(["Red", None, "Blue"], "Red, Blue", id="list"),
        pytest.param({"rows_shown": [("1", "a"), ("2", "b")]}, "a, b", id="form-rows"),
    ],
)
def test_display_text_reads_any_zoho_value(value, shown):
    assert display_text(value) == shown


def test_display_text_shows_date_times_in_the_org_time_zone_when_given():
    shown = display_text("2024-01-10T04:00:00+00:00", time_zone=ZoneInfo("Asia/Kolkata"))
    assert shown == "2024-01-10 09:30:00 +05:30"


def test_the_record_forms_do_not_import_services():
    sources = [*ROOT.glob("crmadmin/forms/records/*.py"), ROOT / "crmadmin/forms/browse.py"]
    assert sources
    assert [path.name for path in sources if "crmadmin.services" in path.read_text()] == []


def test_services_never_import_forms_so_the_two_never_import_each_other():
    sources = [*ROOT.glob("crmadmin/services/**/*.py"), ROOT / "crmadmin/jobs.py"]
    assert len(sources) > 3
    assert [path.name for path in sources if "crmadmin.forms" in path.read_text()] == []


UTC_FORM = FormContext(connection_id=1, time_zone=ZoneInfo("UTC"))


@pytest.mark.parametrize("name", sorted(DATA_TYPES))
def test_a_types_input_rule_is_applied_by_the_form_field_it_builds(name):
    entry = DATA_TYPES[name]
    built = form_field_for(make("X", name), UTC_FORM, required=False)
    if entry.input_rule is not None:
        assert isinstance(built, InputRuleMixin)
        assert built.input_rule is entry.input_rule


def test_numbers_take_ascii_digits_and_names_no_control_characters():
    rules = {name: entry.input_rule for name, entry in DATA_TYPES.items() if entry.input_rule}
    numbers = ("integer", "bigint", "long", "double", "decimal", "currency", "percent")
    assert all(rules[name] is ascii_number for name in numbers)
    assert all(rules[name] is single_line for name in ("text", "email", "phone", "website"))
    assert rules["textarea"] is rules["mediumtext"] is multi_line


@pytest.mark.parametrize(
    ("data_type", "typed", "refused"),
    [
        ("bigint", "\u0663\u0663", True),
        ("integer", "-12", False),
        ("currency", "\uff11.5", True),
        ("text", "Anne-Marie O'Neil", False),
        ("text", "Anne\x00", True),
        ("text", "Anne\tMarie", True),
        ("textarea", "one\r\ntwo\tthree", False),
        ("textarea", "one\x07two", True),
    ],
)
def test_input_rules_refuse_what_zoho_refuses(data_type, typed, refused):
    built = form_field_for(make("X", data_type), UTC_FORM, required=False)
    if refused:
        with pytest.raises(ValidationError):
            built.clean(typed)
    else:
        built.clean(typed)


def test_display_text_shows_a_date_time_at_the_end_of_the_range_as_written():
    shown = display_text("0001-01-01T00:00:00+14:00", time_zone=ZoneInfo("America/New_York"))
    assert shown == "0001-01-01 00:00:00 +14:00"


KOLKATA = ZoneInfo("Asia/Kolkata")
LEAD_SOURCE = field_from_json(
    {
        "api_name": "Lead_Source",
        "field_label": "Lead Source",
        "data_type": "picklist",
        "pick_list_values": [
            {"actual_value": "Web", "display_value": "Web site"},
            {"actual_value": "Ads", "display_value": "Advertisement"},
        ],
    }
)


@pytest.mark.parametrize(
    ("meta", "raw", "sent"),
    [
        (make("Born", "date"), "2024-01-15", "2024-01-15"),
        (make("Seen", "datetime"), "2024-01-15 09:30", "2024-01-15T09:30:00+05:30"),
        (make("Spend", "currency"), "20.5", "20.5"),
        (make("Employees", "integer"), "42", "42"),
        (make("Opted_In", "boolean"), "Yes", "true"),
        (LEAD_SOURCE, "advertisement", "Ads"),
        (LEAD_SOURCE, "Web", "Web"),
        (make("Name", "text"), "O'Neil", "O'Neil"),
    ],
)
def test_search_value_writes_a_fitting_value_as_zohos_criteria_take_it(meta, raw, sent):
    assert search_value(meta, raw, time_zone=KOLKATA) == sent


@pytest.mark.parametrize(
    ("meta", "raw", "words"),
    [
        (make("Born", "date"), "15/01/2024", "Enter a date as year-month-day, e.g. 2024-01-15."),
        (make("Seen", "datetime"), "soon", "Enter a date and time"),
        (make("Employees", "integer"), "٤٢", "digits 0 to 9"),
        (make("Opted_In", "boolean"), "maybe", "Enter true or false."),
        (LEAD_SOURCE, "Radio", "“Radio” is not an option of Lead Source: Web site, Advertisement."),
        (make("Name", "text"), "a\x00b", "control characters"),
    ],
)
def test_search_value_refuses_a_value_that_does_not_fit_the_type(meta, raw, words):
    with pytest.raises(ValidationError) as refused:
        search_value(meta, raw, time_zone=KOLKATA)

    assert words in " ".join(refused.value.messages)


def test_a_bulk_edit_offers_exactly_the_registrys_bulk_types_each_sent_without_loaded_rows():
    from crmadmin.jobs import bulk_fields

    bulk = {name for name, entry in DATA_TYPES.items() if entry.bulk}
    fields = [
        field_from_json({"api_name": f"F_{name}", "field_label": name, "data_type": name})
        for name in DATA_TYPES
    ]

    assert {meta.data_type for meta in bulk_fields(fields)} == bulk
    assert {"text", "picklist", "lookup", "ownerlookup", "datetime"} <= bulk
    for name in bulk:  # a bulk value never needs the record's rows or a computed answer
        entry = DATA_TYPES[name]
        assert not entry.read_only and not entry.rows, name
        assert entry.json_form not in {"link_rows", "file_rows", "subform_rows", "not_sent"}, name
