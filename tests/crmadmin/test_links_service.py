"""The linking service's pure parts: parsing typed deal lines, chunking search criteria, and
deciding which input an error belongs to."""

from __future__ import annotations

import pytest

from crmadmin.forms.links import deal_lines_parse
from crmadmin.problems import Place, error_place
from crmadmin.services.linking import (
    ContactRef,
    criteria_chunks,
)
from updater.errors import ServerError, ZohoTimeout, error_from_response

CONTACT = ContactRef(value="extcontact3", field="External_Contact_ID")


def test_deal_lines_take_an_optional_role_and_drop_blanks_and_repeats():
    lines, repeats = deal_lines_parse("extdeal3, Decision Maker\n\n  extdeal4 \nextdeal3\tx\n")
    assert lines == [("extdeal3", "Decision Maker"), ("extdeal4", "")]
    assert repeats == 1


def test_criteria_chunks_hold_at_most_100_values():
    chunks = list(criteria_chunks([f"d{n}" for n in range(250)]))
    assert [len(chunk) for chunk in chunks] == [100, 100, 50]


def test_criteria_chunks_also_keep_the_query_string_short():
    chunks = list(criteria_chunks(["x" * 500] * 8))
    assert all(sum(len(value) + 1 for value in chunk) <= 1800 for chunk in chunks)
    assert sum(len(chunk) for chunk in chunks) == 8


@pytest.mark.parametrize(
    ("body", "place"),
    [
        (
            {
                "code": "INVALID_DATA",
                "details": {
                    "api_name": "External_Deal_ID",
                    "json_path": "$.data[2].External_Deal_ID",
                },
                "message": "invalid",
                "status": "error",
            },
            Place("row", 2),
        ),
        (
            {
                "code": "INVALID_DATA",
                "details": {"resource_path_index": 1},
                "message": "the id given seems to be invalid",
                "status": "error",
            },
            Place("contact"),
        ),
        (
            {
                "code": "MANDATORY_NOT_FOUND",
                "details": {"api_name": "External_Deal_ID"},
                "message": "required field not found",
                "status": "error",
            },
            Place("deals"),
        ),
        (
            {"code": "NO_PERMISSION", "details": {}, "message": "denied", "status": "error"},
            Place("top"),
        ),
    ],
)
def test_error_place_names_the_input_an_error_is_about(body, place):
    error = error_from_response(status=400, body=body)
    assert error_place(error=error, contact=CONTACT, deal_field="External_Deal_ID") == place


def test_errors_without_a_response_belong_at_the_top():
    for error in (ZohoTimeout(), ServerError(status=500, code="INTERNAL_ERROR", message="x")):
        assert error_place(error=error, contact=CONTACT, deal_field="D").target == "top"
