from __future__ import annotations

import pytest

from tests.updater.test_errors import ERROR_TABLE
from updater.errors import (
    FieldError,
    InvalidClientError,
    TokenThrottledError,
    UnsafeDomainError,
    ZohoConnectionError,
    ZohoTimeout,
    error_from_response,
)
from updater.messages import GENERIC, field_message, user_message


@pytest.mark.parametrize(("status", "body"), [param.values[:2] for param in ERROR_TABLE])
def test_every_documented_error_has_its_own_words(status: int, body: object) -> None:
    message = user_message(error_from_response(status=status, body=body))

    assert message is not GENERIC
    assert message.title and message.detail and message.next_step


def _locked(text: str):
    body = {"data": [{"code": "RECORD_LOCKED", "details": {}, "message": text, "status": "error"}]}
    return user_message(error_from_response(status=400, body=body))


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
    assert title_words in user_message(error).title


def test_invalid_client_message_points_at_the_data_centre() -> None:
    message = user_message(InvalidClientError(error="invalid_client", message="m"))

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
def test_field_message_gives_short_text_for_the_field(error: FieldError, text: str) -> None:
    assert field_message(error, label="Lead Source") == text
