"""crmadmin.problems: every Zoho error gets its own words and lands where a person looks for it
(a form field by api_name, a subform row, a link-page input, or the top)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django import forms
from django.template.loader import render_to_string

from crmadmin.problems import (
    GENERIC,
    Place,
    apply_zoho_error,
    contact_missing,
    error_place,
    error_text,
    field_text,
    hold_problem,
    link_place,
    not_sent_text,
    problem_for,
    row_text,
    stopped_by_line_text,
)
from crmadmin.services.linking import ContactRef
from tests.updater.answers import error_entry as whole
from tests.updater.answers import per_record
from tests.updater.test_errors import ERROR_TABLE
from updater.errors import (
    FieldError,
    InvalidClientError,
    InvalidCodeError,
    RecordResult,
    TokenThrottledError,
    UnsafeDomainError,
    ZohoConnectionError,
    ZohoTimeout,
    error_from_response,
)


@pytest.mark.parametrize(("status", "body"), [param.values[:2] for param in ERROR_TABLE])
def test_every_documented_error_has_its_own_words(status: int, body: object) -> None:
    problem = problem_for(error_from_response(status=status, body=body))

    assert (problem.title, problem.detail) != (GENERIC.title, GENERIC.detail)
    assert problem.title and problem.detail and problem.next_step


def _locked(text: str):
    body = {"data": [{"code": "RECORD_LOCKED", "details": {}, "message": text, "status": "error"}]}
    return problem_for(error_from_response(status=400, body=body))


def test_the_three_record_locked_texts_each_get_their_own_words() -> None:
    processing = _locked("Cannot update record that is not approved yet")
    locked = _locked("You cannot perform this operation as the record is locked.")
    dependent = _locked("Sorry, you cannot perform this operation as the record is locked.")

    assert len({processing, locked, dependent}) == 3
    assert "Zia" in processing.detail
    assert "multi-select lookup" in dependent.detail


@pytest.mark.parametrize(
    ("error", "title_words"),
    [
        (ZohoTimeout(), "did not answer"),
        (ZohoConnectionError(), "Could not reach"),
        (UnsafeDomainError(domain="https://evil.example.com"), "Unsafe"),
        (InvalidClientError(error="invalid_client", message="m"), "does not know"),
        (TokenThrottledError(error="Access Denied", message="m"), "Too many"),
    ],
)
def test_transport_and_oauth_errors_have_words(error, title_words: str) -> None:
    assert title_words in problem_for(error).title


def test_invalid_client_message_points_at_the_data_centre() -> None:
    message = problem_for(InvalidClientError(error="invalid_client", message="m"))

    assert "data centre" in message.next_step


def field_error(code: str, **details: object) -> FieldError:
    return FieldError(
        api_name="X", code=code, message="invalid data", json_path="$.data[0].X", details=details
    )


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (field_error("INVALID_DATA", expected_data_type="integer"), "Enter a whole number."),
        (field_error("INVALID_DATA", expected_data_type="email"), "Enter a valid email address."),
        (field_error("INVALID_DATA", maximum_length=30), "Enter at most 30 characters."),
        (
            field_error("INVALID_DATA", supported_values=["Hot", "Cold"]),
            "Choose one of: Hot, Cold.",
        ),
        (field_error("DUPLICATE_DATA"), "Another record already has this value."),
        (field_error("MANDATORY_NOT_FOUND"), "Lead Source is required."),
        (field_error("LIMIT_EXCEEDED", limit=50), "Enter at most 50 values."),
        (
            FieldError(
                api_name="Call_Duration",
                code="DEPENDENT_MISMATCH",
                message="Call Duration can not be zero.",
            ),
            "Call Duration can not be zero.",
        ),
        (field_error("INVALID_DATA"), "Lead Source has a value Zoho does not accept."),
    ],
)
def test_field_text_gives_short_text_for_the_field(error: FieldError, text: str) -> None:
    assert field_text(error, label="Lead Source") == text


def test_a_rate_limit_keeps_the_seconds_zoho_asks_to_wait() -> None:
    error = error_from_response(
        status=429,
        body={"code": "TOO_MANY_REQUESTS", "details": {}, "message": "limit", "status": "error"},
        headers={"Retry-After": "30"},
    )

    problem = problem_for(error)

    assert problem.title == "Zoho is busy"
    assert problem.detail.endswith("Zoho asks to wait 30 seconds.")


def test_a_value_error_that_names_no_field_is_about_the_record_on_a_record_page() -> None:
    body = per_record("INVALID_DATA", "the id given seems to be invalid", {"id": "1"})
    error = error_from_response(status=400, body=body)

    assert problem_for(error, record=True).title == "This record was not found in Zoho"
    assert problem_for(error).title == "Some values were not accepted"


@pytest.mark.parametrize(
    ("error", "needs_reconnect"),
    [
        (error_from_response(status=401, body=whole("OAUTH_SCOPE_MISMATCH", "refused")), True),
        (error_from_response(status=401, body=whole("AUTHENTICATION_FAILURE", "refused")), True),
        (error_from_response(status=401, body=whole("INVALID_TOKEN", "refused")), False),
        (InvalidCodeError(error="invalid_code", message="m"), True),
        (ZohoTimeout(), False),
    ],
)
def test_the_problem_says_whether_only_a_reconnect_helps(error, needs_reconnect: bool) -> None:
    problem = problem_for(error)

    assert problem.needs_reconnect is needs_reconnect
    assert problem.code == getattr(error, "code", "")


def test_the_sentence_forms_read_title_detail_and_next_step() -> None:
    problem = problem_for(ZohoConnectionError())

    assert problem.sentence == (
        "Could not reach Zoho. There was a network problem talking to Zoho. Try again in a moment."
    )
    assert problem.summary == "Could not reach Zoho. There was a network problem talking to Zoho."
    assert problem.short == "Could not reach Zoho. Try again in a moment."
    assert str(problem.html) == (
        '<strong class="error-title">Could not reach Zoho.</strong> There was a network problem '
        'talking to Zoho. <span class="next-step">Try again in a moment.</span>'
    )


class LeadForm(forms.Form):
    Email = forms.CharField(label="Work email", required=False)
    Lead_Source = forms.CharField(label="Lead Source", required=False)


def test_a_field_error_lands_on_the_field_of_the_same_api_name() -> None:
    form = LeadForm(data={"Email": "x", "Lead_Source": "y"})
    form.is_valid()
    body = per_record(
        "INVALID_DATA",
        "invalid data",
        {"api_name": "Email", "json_path": "$.data[0].Email", "expected_data_type": "email"},
    )

    apply_zoho_error(form, error_from_response(status=400, body=body))

    assert form.errors == {"Email": ["Enter a valid email address."]}
    assert form.zoho_error.code == "INVALID_DATA"


def test_an_error_on_a_field_the_form_lacks_goes_to_the_top_with_its_words() -> None:
    form = LeadForm(data={})
    form.is_valid()
    body = per_record("MANDATORY_NOT_FOUND", "required field not found", {"api_name": "Phone"})

    apply_zoho_error(form, error_from_response(status=400, body=body))

    [top] = form.non_field_errors()
    assert "Zoho did not receive the record" not in top  # never a false cause
    assert "A required value is missing" in top
    assert "Zoho names Phone, which this form does not show." in top
    assert "highlighted" not in top


def test_an_error_about_the_whole_request_goes_to_the_top() -> None:
    form = LeadForm(data={})
    form.is_valid()

    apply_zoho_error(form, error_from_response(status=403, body=whole("NO_PERMISSION", "refused")))

    [top] = form.non_field_errors()
    assert "You do not have permission" in top
    assert "Ask your Zoho CRM administrator." in top
    assert not form.has_error("Email")


CONTACT = ContactRef(value="extcontact3", field="External_Contact_ID")


def test_link_words_name_what_the_person_typed() -> None:
    row_error = error_from_response(
        status=400,
        body=per_record(
            "INVALID_DATA",
            "the related id given seems to be invalid",
            {"api_name": "External_Deal_ID", "json_path": "$.data[0].External_Deal_ID"},
        ),
    )
    contact_error = error_from_response(status=400, body=whole("INVALID_DATA", "refused"))

    row = error_place(error=row_error, contact=CONTACT, deal_field="External_Deal_ID")
    contact = error_place(error=contact_error, contact=CONTACT, deal_field="External_Deal_ID")

    assert row == Place("row", 0)
    assert contact == Place("contact")
    words = {"contact": CONTACT, "deal_field": "External_Deal_ID"}
    assert error_text(error=row_error, place=row, external_id="extdeal9", **words) == (
        "No deal has External_Deal_ID “extdeal9”."
    )
    assert error_text(error=contact_error, place=contact, **words) == (
        "No contact has External_Contact_ID “extcontact3”."
    )
    assert contact_missing(ContactRef(value="42")) == "No contact has the record id “42”."


def test_a_refused_role_and_a_stopped_run_have_their_own_words() -> None:
    refused = RecordResult(
        index=0,
        record_id=None,
        ok=False,
        code="INVALID_DATA",
        message="invalid data",
        details={"api_name": "Contact_Role"},
    )

    assert row_text(refused, deal_field="D", external_id="x") == (
        "Zoho does not know this contact role; choose another one."
    )
    assert not_sent_text(ZohoTimeout()) == (
        "Not linked: Zoho did not answer in time. Reload the record to check, then try again."
    )
    assert stopped_by_line_text(7) == "Not linked: line 7 stopped this call."


@pytest.mark.parametrize(
    ("may_change", "hint"),
    [
        (True, "Reconnect “Zylker CRM” with the right scopes"),
        (False, "Ask a crmadmin administrator to reconnect “Zylker CRM”."),
    ],
)
def test_the_problem_partial_shows_words_and_the_reconnect_hint(may_change: bool, hint: str):
    problem = problem_for(
        error_from_response(status=401, body=whole("OAUTH_SCOPE_MISMATCH", "refused"))
    )
    context = {
        "problem": problem,
        "connection": SimpleNamespace(name="Zylker CRM"),
        "perms": {"crmadmin": {"change_connection": may_change}},
    }

    html = render_to_string("crmadmin/_problem.html", context)

    assert "<h2>This connection lacks a permission</h2>" in html
    assert "<strong>What to do:</strong> Reconnect this Zoho account" in html
    assert hint in html


def test_the_problem_partial_offers_no_reconnect_when_it_would_not_help() -> None:
    context = {
        "problem": problem_for(ZohoTimeout()),
        "connection": SimpleNamespace(name="Zylker CRM"),
        "user": SimpleNamespace(is_staff=True),
        "heading": 3,
    }

    html = render_to_string("crmadmin/_problem.html", context)

    assert "<h3>Zoho did not answer in time</h3>" in html
    assert "Reconnect" not in html


# -- #10.5: every code of the related-records page, and where it lands ------------------------

BASE_WORDS = "You have specified an invalid external ID for the base module."
RELATED_WORDS = "The ID of the external field is invalid."
LINK_PLACES = [
    # (code, message, details, index in data[] or None for a whole-request error, place)
    ("INVALID_DATA", BASE_WORDS, {}, None, Place("contact")),
    ("INVALID_DATA", BASE_WORDS, {}, 0, Place("contact")),
    ("INVALID_DATA", "invalid", {"api_name": "External_Contact_ID"}, 1, Place("contact")),
    ("INVALID_DATA", "invalid", {"resource_path_index": 1}, None, Place("contact")),
    (
        "INVALID_DATA",
        "relation",
        {"api_name": "Deals", "resource_path_index": 2},
        None,
        Place("top"),
    ),
    ("INVALID_DATA", RELATED_WORDS, {"api_name": "External_Deal_ID"}, 3, Place("row", 3)),
    (
        "INVALID_DATA",
        RELATED_WORDS,
        {"api_name": "External_Deal_ID", "json_path": "$.data[2].External_Deal_ID"},
        None,
        Place("row", 2),
    ),
    ("INVALID_DATA", "invalid", {"api_name": "Contact_Role"}, 1, Place("row", 1)),
    ("MANDATORY_NOT_FOUND", "required", {"api_name": "External_Deal_ID"}, 0, Place("row", 0)),
    ("MANDATORY_NOT_FOUND", "required", {"api_name": "External_Deal_ID"}, None, Place("deals")),
    *(
        (code, "words", {}, index, Place("top"))
        for code in (
            "INVALID_REQUEST_METHOD",
            "AUTHORIZATION_FAILED",
            "OAUTH_SCOPE_MISMATCH",
            "NO_PERMISSION",
            "INVALID_URL_PATTERN",
            "INTERNAL_ERROR",
            "REQUIRED_PARAM_MISSING",
        )
        for index in (None, 0)
    ),
]


@pytest.mark.parametrize(("code", "message", "details", "index", "place"), LINK_PLACES)
def test_each_link_answer_lands_on_the_input_it_is_about(code, message, details, index, place):
    assert (
        link_place(
            code=code,
            message=message,
            details=details,
            index=index,
            contact=CONTACT,
            deal_field="External_Deal_ID",
        )
        == place
    )


def test_a_contact_given_by_id_that_zoho_refuses_lands_on_the_contact_input() -> None:
    by_id = ContactRef(value="111")
    place = link_place(
        code="INVALID_DATA",
        message="the id given seems to be invalid",
        details={"id": "111"},
        index=None,
        contact=by_id,
        deal_field="External_Deal_ID",
    )
    assert place == Place("contact")


def test_a_previewed_deal_zoho_refuses_keeps_zohos_words_not_a_false_cause() -> None:
    refused = RecordResult(
        index=0,
        record_id=None,
        ok=False,
        code="INVALID_DATA",
        message=RELATED_WORDS,
        details={"api_name": "External_Deal_ID"},
    )
    text = row_text(refused, deal_field="External_Deal_ID", external_id="d1", previewed=True)
    assert "No deal has" not in text
    assert "(The ID of the external field is invalid)" in text
    assert ".." not in text


# -- #10.7: Zoho's own reason, "highlighted" only when a field is ----------------------------


@pytest.mark.parametrize(
    ("body", "kept", "never"),
    [
        (
            per_record("LIMIT_EXCEEDED", "Only 25 tags can be added to a record.", {"limit": 25}),
            ["The limit is 25.", "Zoho says: “Only 25 tags can be added to a record.”"],
            "50 participants",
        ),
        (
            per_record("DEPENDENT_MISMATCH", "Stage Closed Lost needs Probability 0", {}),
            ["Zoho says: “Stage Closed Lost needs Probability 0.”"],
            "call duration",
        ),
    ],
)
def test_a_record_level_error_keeps_zohos_specifics(body, kept, never) -> None:
    form = LeadForm(data={})
    form.is_valid()

    apply_zoho_error(form, error_from_response(status=400, body=body))

    [top] = form.non_field_errors()
    assert all(words in top for words in kept)
    assert never not in top.lower()
    assert "highlighted" not in top
    assert ".." not in top


def test_the_highlighted_fields_are_named_only_when_one_is() -> None:
    body = per_record(
        "DEPENDENT_MISMATCH",
        "Call Duration can not be zero.",
        {"api_name": "Email", "json_path": "$.data[0].Email"},
    )
    highlighted = problem_for(error_from_response(status=400, body=body), highlighted=True)
    assert highlighted.next_step == "Correct the highlighted fields and save again."
    assert "highlighted" not in problem_for(error_from_response(status=400, body=body)).next_step


# -- #10.8: a record Zoho holds --------------------------------------------------------------


@pytest.mark.parametrize("hold", ["locked", "awaiting_approval", "in_merge"])
def test_each_hold_says_what_the_user_can_and_cannot_do(hold) -> None:
    problem = hold_problem(hold)
    assert "cannot" in problem.detail and "You can still read it" in problem.detail
    assert problem.button.startswith("Cannot save: ")
    assert hold_problem("") is None
