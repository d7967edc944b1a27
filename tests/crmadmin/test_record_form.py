"""The metadata → form layer on its own: the type table, layout, signed state, fast widgets."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.core import signing

from crmadmin.datatypes import DATA_TYPES
from crmadmin.forms.records.builder import record_form_class, record_name_of
from crmadmin.forms.records.fields import LookupField, ReadOnlyField
from crmadmin.forms.records.state import FormState, state_dumps, state_loads, state_salt
from crmadmin.forms.records.types import FormContext
from tests.crmadmin.record_support import FIELDS, LAYOUTS, RECORD
from updater.metadata import field_from_json, layout_from_json

# Every data_type of zoho-api.md §2.3 that a record can carry.
DOCUMENTED_TYPES = [
    "text",
    "textarea",
    "email",
    "phone",
    "website",
    "picklist",
    "multiselectpicklist",
    "integer",
    "bigint",
    "double",
    "currency",
    "percent",
    "boolean",
    "date",
    "datetime",
    "lookup",
    "ownerlookup",
    "userlookup",
    "multiuserlookup",
    "multiselectlookup",
    "subform",
    "fileupload",
    "imageupload",
    "profileimage",
    "autonumber",
    "formula",
    "rollup_summary",
    "layout",
    "territories",
    "decimal",
]


@pytest.mark.parametrize("data_type", DOCUMENTED_TYPES)
def test_every_documented_data_type_has_a_registry_entry(data_type):
    assert data_type in DATA_TYPES


def form_class():
    context = FormContext(connection_id=1, time_zone=ZoneInfo("Asia/Kolkata"))
    fields = [field_from_json(entry) for entry in FIELDS]
    return record_form_class(fields=fields, layout=layout_from_json(LAYOUTS[0]), context=context)


def test_an_unknown_type_is_read_only_and_logged(caplog, db):
    context = FormContext(connection_id=2, time_zone=ZoneInfo("UTC"))
    meta = field_from_json({"api_name": "X", "field_label": "X", "data_type": "warp_drive"})
    form = record_form_class(fields=[meta], layout=None, context=context)(salt="s", record={})
    assert isinstance(form.fields["X"], ReadOnlyField)
    assert "Unknown Zoho data type 'warp_drive'" in caplog.text


def test_owner_and_user_fields_are_pickers_searching_the_org_users_with_the_records_user():
    form = form_class()(salt="s", record=RECORD)
    for name, clearable in (("Owner", False), ("Reviewer", True)):
        field = form.fields[name]
        assert isinstance(field, LookupField)
        assert (field.module, field.clearable) == ("users", clearable)
        assert field.widget.search_url == "/records/1/users/lookup/"
    assert form["Owner"].value() == RECORD["Owner"]  # shown by the name the record carries


def test_the_form_class_is_built_once_per_metadata_version():
    assert form_class() is form_class()


def test_each_form_has_its_own_fields_and_widgets_though_they_are_copied_shallowly():
    first, second = form_class()(salt="s", record=RECORD), form_class()(salt="s", record=RECORD)
    # What one form changes on its fields (a lookup's choices after a search, an attribute, an
    # error message) the other form, and the next form of the class, does not see.
    first.fields["Rating"].widget.attrs["autofocus"] = True
    first.fields["Rating"].error_messages["required"] = "changed"
    first.fields["Rating"].widget.choices = [("x", "x")]
    first.fields["Owner"].widget.choices = [{"id": "1", "name": "Picked"}]
    first.fields["Owner"].widget.widgets[0].attrs["autofocus"] = True
    first.fields["Owner"].fields[0].required = True
    for form in (second, form_class()(salt="s", record=RECORD)):
        rating = form.fields["Rating"]
        assert "autofocus" not in rating.widget.attrs
        assert rating.error_messages["required"] != "changed"
        assert ("x", "x") not in list(rating.widget.choices)
        assert len(list(rating.widget.choices)) > 1
        owner = form.fields["Owner"]
        assert getattr(owner.widget, "choices", None) != [{"id": "1", "name": "Picked"}]
        assert "autofocus" not in owner.widget.widgets[0].attrs
        assert owner.fields[0].required is False
    assert first.fields["Rating"] is not second.fields["Rating"]
    assert first.fields["Rating"].widget is not second.fields["Rating"].widget


@pytest.mark.parametrize(
    ("record", "name"),
    [
        ({"Full_Name": "Stefan Quinn", "Account_Name": {"id": "1", "name": "Keystone"}}, None),
        # A new contact: no Full_Name yet, and its account is another record's name.
        (
            {
                "First_Name": "Stefan",
                "Last_Name": "Quinn",
                "Account_Name": {"id": "1", "name": "K"},
            },
            "Stefan Quinn",
        ),
        ({"Last_Name": "Newman", "Company": "Zylker"}, "Newman"),
        ({"Deal_Name": "Big deal", "Account_Name": {"id": "1", "name": "Keystone"}}, None),
        ({"Account_Name": "Keystone"}, None),  # an account's own name
        ({"Vendor_Name": "Acme", "Email": "sales@acme.example"}, "Acme"),
        ({"Campaign_Name": "Spring", "Owner": {"id": "7", "name": "Patricia"}}, "Spring"),
        ({"id": "42", "Owner": {"id": "7", "name": "Patricia"}}, "42"),
    ],
)
def test_a_records_name_is_its_own_never_a_lookups(record, name):
    expected = name or next(value for value in record.values() if isinstance(value, str))
    assert record_name_of(record) == expected


def test_state_for_one_record_does_not_validate_for_another():
    state = FormState(modified_time="2024-01-15T15:26:49+05:30", original={"Company": "Zylker"})
    dumped = state_dumps(state, salt=state_salt(connection_id=1, module="Leads", record_id="1"))
    with pytest.raises(signing.BadSignature):
        state_loads(dumped, salt=state_salt(connection_id=1, module="Leads", record_id="2"))
    loaded = state_loads(dumped, salt=state_salt(connection_id=1, module="Leads", record_id="1"))
    assert loaded.original == {"Company": "Zylker"}


def test_datetimes_show_in_the_org_time_zone():
    form = form_class()(salt="s", record={**RECORD, "Call_Time": "2024-01-10T04:00:00+00:00"})
    assert 'value="2024-01-10T09:30:00"' in str(form["Call_Time"])
