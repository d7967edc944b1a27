"""The control page people use: a fault's count starts at 1, and "another user edits this record"
changes the fields they name (as Morgan Lee), from a plain HTML form."""

from __future__ import annotations

import re

import pytest

from sandbox.control import changes_parse
from tests.sandbox.conftest import http, ids


@pytest.fixture(autouse=True)
def clean(sb):
    sb.faults.clear()
    yield
    sb.faults.clear()


def test_a_new_faults_count_defaults_to_one(sb):
    page = http.get(f"{sb.url}/__sandbox__/").text

    assert re.search(r'<input name="count"[^>]* value="1"', page)


def test_a_fault_added_from_the_page_with_the_default_count_hits_once(sb, api):
    http.post(
        f"{sb.url}/__sandbox__/faults", data={"kind": "status", "status": "503", "count": "1"}
    )

    assert [f["count"] for f in sb.faults.active()] == [1]
    assert api.get(f"{api.base}/org").status_code == 503
    assert api.get(f"{api.base}/org").status_code == 200


def test_another_user_edits_the_fields_named_on_the_page(sb, api):
    contact = ids(api, "Contacts", 1, offset=60)[0]
    before = api.get(f"{api.base}/Contacts/{contact}").json()["data"][0]

    response = http.post(
        f"{sb.url}/__sandbox__/actions",
        data={
            "action": "edit_record",
            "module": "Contacts",
            "id": contact,
            "changes": "Title = Head of Sales\r\nEmail_Opt_Out = true\r\n",
        },
    )

    assert response.status_code == 200
    assert f"Morgan Lee edited Contacts {contact}: Title, Email_Opt_Out." in response.text
    after = api.get(f"{api.base}/Contacts/{contact}").json()["data"][0]
    assert (after["Title"], after["Email_Opt_Out"]) == ("Head of Sales", True)
    assert after["Modified_By"]["name"] == "Morgan Lee"
    assert after["Modified_Time"] > before["Modified_Time"]
    assert after["Last_Name"] == before["Last_Name"]  # fields not named stay as they were


def test_an_edit_record_fault_from_the_page_carries_its_changes(sb, api):
    contact = ids(api, "Contacts", 1, offset=61)[0]
    http.post(
        f"{sb.url}/__sandbox__/faults",
        data={
            "kind": "edit_record",
            "path": "PUT /crm/v8/Contacts",
            "count": "1",
            "module": "Contacts",
            "record_id": contact,
            "changes": "Department = Research",
        },
    )

    assert sb.faults.active()[0]["changes"] == {"Department": "Research"}


def test_an_edit_of_a_missing_record_says_so_on_the_page(sb):
    response = http.post(
        f"{sb.url}/__sandbox__/actions",
        data={"action": "edit_record", "module": "Contacts", "id": "404", "changes": ""},
    )

    assert response.status_code == 404
    assert "There is no Contacts record 404." in response.text


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("Title = Head of Sales", {"Title": "Head of Sales"}),
        ("Phone=+1 555 0100\n\nMobile =", {"Phone": "+1 555 0100", "Mobile": ""}),
        ('Account_Name = {"id": "42"}', {"Account_Name": {"id": "42"}}),
        ("Email_Opt_Out = false\nTag = null", {"Email_Opt_Out": False, "Tag": None}),
        ("Note = a = b", {"Note": "a = b"}),
    ],
)
def test_changes_are_field_equals_value_lines(text, changes):
    assert changes_parse(text) == changes


def test_a_line_without_an_equals_sign_is_refused():
    with pytest.raises(ValueError, match="Field = value"):
        changes_parse("Title Head of Sales")
