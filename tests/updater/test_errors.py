from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.updater.answers import data, ok_entry, per_record
from tests.updater.answers import error_entry as whole
from updater.errors import (
    ApiError,
    AuthError,
    ConflictError,
    FieldError,
    NonJsonResponseError,
    NotApprovedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RecordLockedError,
    ServerError,
    TransportError,
    ValidationError,
    ZohoConnectionError,
    ZohoTimeout,
    error_from_response,
    errors_from_write_response,
    transport_errors_raised,
)


def on_field(api_name: str, **extra: Any) -> dict[str, Any]:
    return {"api_name": api_name, "json_path": f"$.data[0].{api_name}", **extra}


# (status, body) → (class, code, field api_name, json_path, message): every error documented on
# zoho-update-records.txt, then zoho-update-related-records-by-external-id.txt, then the token and
# rate-limit errors and the per-record shapes of zoho-api.md §4.
ERROR_TABLE = [
    # zoho-update-records.txt
    pytest.param(
        400,
        whole(
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            {"resource_path_index": 0},
        ),
        NotFoundError,
        "INVALID_MODULE",
        None,
        None,
        "the module name given seems to be invalid",
        id="update-invalid-module",
    ),
    pytest.param(
        400,
        whole("INVALID_MODULE", "The given module is not supported in API"),
        NotFoundError,
        "INVALID_MODULE",
        None,
        None,
        "The given module is not supported in API",
        id="update-module-not-supported",
    ),
    pytest.param(
        400,
        per_record(
            "INVALID_DATA", "the id given seems to be invalid", {"id": "3652397000003852095"}
        ),
        ValidationError,
        "INVALID_DATA",
        None,
        None,
        "the id given seems to be invalid",
        id="update-invalid-id",
    ),
    pytest.param(
        400,
        per_record("MANDATORY_NOT_FOUND", "required field not found", on_field("id")),
        ValidationError,
        "MANDATORY_NOT_FOUND",
        "id",
        "$.data[0].id",
        "required field not found",
        id="update-mandatory-id-missing",
    ),
    pytest.param(
        404,
        whole("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"),
        NotFoundError,
        "INVALID_URL_PATTERN",
        None,
        None,
        "Please check if the URL trying to access is a correct one",
        id="update-invalid-url-pattern",
    ),
    pytest.param(
        401,
        whole("OAUTH_SCOPE_MISMATCH", "Unauthorized"),
        AuthError,
        "OAUTH_SCOPE_MISMATCH",
        None,
        None,
        "Unauthorized",
        id="update-oauth-scope-mismatch",
    ),
    pytest.param(
        403,
        whole(
            "NO_PERMISSION",
            "Permission denied to update",
            {"permissions": ["Crm_Implied_Edit_Deals"]},
        ),
        PermissionDeniedError,
        "NO_PERMISSION",
        None,
        None,
        "Permission denied to update",
        id="update-no-permission",
    ),
    pytest.param(
        412,
        per_record(
            "ALREADY_MODIFIED",
            "record updated time has already passed if-unmodified-since time",
            {"Modified_Time": "2024-01-15T16:00:00+05:30", "id": "1"},
        ),
        ConflictError,
        "ALREADY_MODIFIED",
        None,
        None,
        "record updated time has already passed if-unmodified-since time",
        id="update-already-modified",
    ),
    pytest.param(
        500,
        whole("INTERNAL_ERROR", "Internal Server Error"),
        ServerError,
        "INTERNAL_ERROR",
        None,
        None,
        "Internal Server Error",
        id="update-internal-error",
    ),
    pytest.param(
        400,
        whole("INVALID_REQUEST_METHOD", "The http request method type is not a valid one"),
        ApiError,
        "INVALID_REQUEST_METHOD",
        None,
        None,
        "The http request method type is not a valid one",
        id="update-invalid-request-method",
    ),
    pytest.param(
        400,
        per_record(
            "AUTHORIZATION_FAILED",
            "User does not have sufficient privilege to update records",
            {"resource_path_index": 0},
        ),
        PermissionDeniedError,
        "AUTHORIZATION_FAILED",
        None,
        None,
        "User does not have sufficient privilege to update records",
        id="update-authorization-failed",
    ),
    pytest.param(
        400,
        per_record(
            "DUPLICATE_DATA",
            "duplicate data",
            on_field(
                "Email", duplicate_record={"id": "9", "module": {"api_name": "Leads", "id": "8"}}
            ),
        ),
        ValidationError,
        "DUPLICATE_DATA",
        "Email",
        "$.data[0].Email",
        "duplicate data",
        id="update-duplicate-data",
    ),
    pytest.param(
        400,
        per_record(
            "LIMIT_EXCEEDED",
            "Only 50 participants can be added to an event.",
            on_field("Participants", limit=50),
        ),
        ValidationError,
        "LIMIT_EXCEEDED",
        "Participants",
        "$.data[0].Participants",
        "Only 50 participants can be added to an event.",
        id="update-limit-exceeded",
    ),
    pytest.param(
        400,
        per_record("RECORD_LOCKED", "Cannot update record that is not approved yet"),
        RecordLockedError,
        "RECORD_LOCKED",
        None,
        None,
        "Cannot update record that is not approved yet",
        id="update-locked-processing",
    ),
    pytest.param(
        400,
        per_record("RECORD_LOCKED", "You cannot perform this operation as the record is locked."),
        RecordLockedError,
        "RECORD_LOCKED",
        None,
        None,
        "You cannot perform this operation as the record is locked.",
        id="update-locked",
    ),
    pytest.param(
        400,
        per_record("NOT_APPROVED", "Cannot update record that is not approved yet"),
        NotApprovedError,
        "NOT_APPROVED",
        None,
        None,
        "Cannot update record that is not approved yet",
        id="update-not-approved",
    ),
    pytest.param(
        400,
        per_record(
            "RECORD_LOCKED", "Sorry, you cannot perform this operation as the record is locked."
        ),
        RecordLockedError,
        "RECORD_LOCKED",
        None,
        None,
        "Sorry, you cannot perform this operation as the record is locked.",
        id="update-locked-dependent",
    ),
    pytest.param(
        400,
        per_record(
            "DEPENDENT_MISMATCH", "Call Duration can not be zero.", on_field("Call_Duration")
        ),
        ValidationError,
        "DEPENDENT_MISMATCH",
        "Call_Duration",
        "$.data[0].Call_Duration",
        "Call Duration can not be zero.",
        id="update-dependent-mismatch",
    ),
    # zoho-update-related-records-by-external-id.txt
    pytest.param(
        400,
        per_record(
            "INVALID_DATA", "The ID of the external field is invalid.", on_field("External_Deal_ID")
        ),
        ValidationError,
        "INVALID_DATA",
        "External_Deal_ID",
        "$.data[0].External_Deal_ID",
        "The ID of the external field is invalid.",
        id="related-invalid-external-id",
    ),
    pytest.param(
        400,
        whole(
            "INVALID_DATA",
            "You have specified an invalid external ID for the base module.",
            {"resource_path_index": 1},
        ),
        ValidationError,
        "INVALID_DATA",
        None,
        None,
        "You have specified an invalid external ID for the base module.",
        id="related-invalid-base-external-id",
    ),
    pytest.param(
        400,
        per_record(
            "MANDATORY_NOT_FOUND",
            "You have specified the external ID in the header for the "
            "related module but not in the request body.",
            on_field("External_Deal_ID"),
        ),
        ValidationError,
        "MANDATORY_NOT_FOUND",
        "External_Deal_ID",
        "$.data[0].External_Deal_ID",
        "You have specified the external ID in the header for the related module but "
        "not in the request body.",
        id="related-external-missing-in-body",
    ),
    pytest.param(
        400,
        whole("INVALID_REQUEST_METHOD", "The request method is incorrect."),
        ApiError,
        "INVALID_REQUEST_METHOD",
        None,
        None,
        "The request method is incorrect.",
        id="related-invalid-request-method",
    ),
    pytest.param(
        400,
        whole(
            "AUTHORIZATION_FAILED",
            "You do not have sufficient permission to get the related records.",
        ),
        PermissionDeniedError,
        "AUTHORIZATION_FAILED",
        None,
        None,
        "You do not have sufficient permission to get the related records.",
        id="related-authorization-failed",
    ),
    pytest.param(
        401,
        whole(
            "OAUTH_SCOPE_MISMATCH",
            "The access token you have used to make "
            "this API call does not have the required scope.",
        ),
        AuthError,
        "OAUTH_SCOPE_MISMATCH",
        None,
        None,
        "The access token you have used to make this API call does not have the required scope.",
        id="related-oauth-scope-mismatch",
    ),
    pytest.param(
        403,
        whole("NO_PERMISSION", "You do not have permission to get related records' data."),
        PermissionDeniedError,
        "NO_PERMISSION",
        None,
        None,
        "You do not have permission to get related records' data.",
        id="related-no-permission",
    ),
    pytest.param(
        404,
        whole("INVALID_URL_PATTERN", "The request URL is incorrect."),
        NotFoundError,
        "INVALID_URL_PATTERN",
        None,
        None,
        "The request URL is incorrect.",
        id="related-invalid-url-pattern",
    ),
    pytest.param(
        500,
        whole("INTERNAL_ERROR", "Unexpected and unhandled exception in the server."),
        ServerError,
        "INTERNAL_ERROR",
        None,
        None,
        "Unexpected and unhandled exception in the server.",
        id="related-internal-error",
    ),
    # Tokens, rate limits and per-record shapes (zoho-api.md §1.7, §4)
    pytest.param(
        401,
        whole("INVALID_TOKEN", "invalid oauth token"),
        AuthError,
        "INVALID_TOKEN",
        None,
        None,
        "invalid oauth token",
        id="invalid-token",
    ),
    pytest.param(
        401,
        whole("AUTHENTICATION_FAILURE", "Authentication failed"),
        AuthError,
        "AUTHENTICATION_FAILURE",
        None,
        None,
        "Authentication failed",
        id="authentication-failure",
    ),
    pytest.param(
        429,
        whole("TOO_MANY_REQUESTS", "too many requests"),
        RateLimitError,
        "TOO_MANY_REQUESTS",
        None,
        None,
        "too many requests",
        id="too-many-requests",
    ),
    pytest.param(
        400,
        per_record(
            "INVALID_DATA", "invalid data", on_field("Number_1", expected_data_type="integer")
        ),
        ValidationError,
        "INVALID_DATA",
        "Number_1",
        "$.data[0].Number_1",
        "invalid data",
        id="invalid-data-type",
    ),
    pytest.param(
        400,
        per_record("INVALID_DATA", "invalid data", on_field("Phone", maximum_length=30)),
        ValidationError,
        "INVALID_DATA",
        "Phone",
        "$.data[0].Phone",
        "invalid data",
        id="invalid-data-length",
    ),
    pytest.param(
        400,
        per_record(
            "MULTIPLE_OR_MULTI_ERRORS",
            "Multiple errors in the request",
            {"errors": [whole("DUPLICATE_DATA", "duplicate data", on_field("Email"))]},
        ),
        ValidationError,
        "MULTIPLE_OR_MULTI_ERRORS",
        "Email",
        "$.data[0].Email",
        "Multiple errors in the request",
        id="multiple-errors",
    ),
    pytest.param(
        503,
        whole("SOMETHING_NEW", "down for maintenance"),
        ServerError,
        "SOMETHING_NEW",
        None,
        None,
        "down for maintenance",
        id="unknown-code-falls-back-to-status",
    ),
    pytest.param(500, b"", ServerError, "HTTP_500", None, None, "HTTP 500", id="empty-body"),
]


@pytest.mark.parametrize(
    ("status", "body", "error_class", "code", "api_name", "json_path", "message"), ERROR_TABLE
)
def test_error_from_response_maps_each_documented_error(
    status: int,
    body: Any,
    error_class: type[ApiError],
    code: str,
    api_name: str | None,
    json_path: str | None,
    message: str,
) -> None:
    error = error_from_response(status=status, body=body)

    assert type(error) is error_class
    assert (error.status, error.code, error.message) == (status, code, message)
    first = error.field_errors[0] if error.field_errors else None
    assert (first.api_name if first else None) == api_name
    assert (first.json_path if first else None) == json_path


def test_error_from_response_reads_a_raw_json_body_like_a_parsed_one() -> None:
    raw = b'{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}'

    error = error_from_response(status=401, body=raw)

    assert type(error) is AuthError
    assert error.code == "INVALID_TOKEN"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<html><body><h1>502 Bad Gateway</h1></body></html>", id="html-page"),
        pytest.param(b'{"data":[{"code":"SUCC', id="truncated-json"),
        pytest.param("[1, 2]", id="json-but-not-an-object"),
    ],
)
def test_error_from_response_types_a_body_that_is_not_json(body: bytes | str) -> None:
    error = error_from_response(status=502, body=body)

    assert isinstance(error, NonJsonResponseError)
    assert error.status == 502
    assert error.code == "NON_JSON_RESPONSE"
    assert error.body_excerpt
    assert "HTTP 502" in str(error)


def test_non_json_error_keeps_only_a_trimmed_excerpt_of_a_long_body() -> None:
    body = b"<html>" + b"x" * 5000 + b"</html>"

    error = error_from_response(status=500, body=body)

    assert isinstance(error, NonJsonResponseError)
    assert len(error.body_excerpt) <= 301
    assert error.body_excerpt.startswith("<html>xxx")


def test_str_of_an_api_error_reads_like_a_sentence_naming_the_field() -> None:
    error = error_from_response(
        status=400, body=per_record("INVALID_DATA", "invalid data", on_field("Email"))
    )

    assert str(error) == "INVALID_DATA on Email: invalid data"


def test_str_of_an_error_without_a_field_names_code_and_message() -> None:
    error = error_from_response(status=401, body=whole("INVALID_TOKEN", "invalid oauth token"))

    assert str(error) == "INVALID_TOKEN: invalid oauth token"


def test_api_error_constructor_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        ApiError(400, "INVALID_DATA", "invalid data")  # type: ignore[misc]


def test_per_record_error_carries_the_index_of_the_failing_record() -> None:
    body = {
        "data": [
            ok_entry("ok", id="1"),
            whole("INVALID_DATA", "invalid data", on_field("Email")),
        ]
    }

    error = error_from_response(status=400, body=body)

    assert error.record_index == 1


def test_rate_limit_error_reads_retry_after_from_headers() -> None:
    error = error_from_response(
        status=429, body=whole("TOO_MANY_REQUESTS", "slow down"), headers={"Retry-After": "7"}
    )

    assert isinstance(error, RateLimitError)
    assert error.retry_after == 7.0


def test_errors_from_write_response_gives_one_result_per_record_on_207() -> None:
    body = data(
        ok_entry("record updated", id="1"),
        whole("DUPLICATE_DATA", "duplicate data", on_field("Email", id="2")),
        ok_entry("record updated", id="3"),
    )

    results = errors_from_write_response(status=207, body=body)

    assert [(result.index, result.ok, result.code) for result in results] == [
        (0, True, "SUCCESS"),
        (1, False, "DUPLICATE_DATA"),
        (2, True, "SUCCESS"),
    ]
    assert isinstance(results[1].error, ValidationError)
    assert results[1].error.field_errors == [
        FieldError(
            api_name="Email",
            code="DUPLICATE_DATA",
            message="duplicate data",
            json_path="$.data[0].Email",
            details=on_field("Email", id="2"),
        )
    ]


def test_errors_from_write_response_walks_a_resource_key_other_than_data() -> None:
    body = {"contact_roles": [whole("DUPLICATE_DATA", "duplicate data", on_field("name"))]}

    results = errors_from_write_response(status=400, body=body)

    assert results[0].ok is False
    assert results[0].error is not None
    assert results[0].error.field_errors[0].api_name == "name"


@pytest.mark.parametrize(
    ("raised", "error_class", "kind", "message"),
    [
        (requests.ConnectTimeout(), ZohoTimeout, "timeout", "Zoho accounts did not answer in time"),
        (
            requests.ConnectionError(),
            ZohoConnectionError,
            "connection",
            "Could not connect to Zoho accounts",
        ),
        (requests.TooManyRedirects(), TransportError, "invalid_response", "TooManyRedirects"),
    ],
)
def test_transport_errors_raised_turns_requests_exceptions_into_transport_errors(
    raised: requests.RequestException, error_class: type[TransportError], kind: str, message: str
) -> None:
    with pytest.raises(error_class) as caught, transport_errors_raised(service="Zoho accounts"):
        raise raised

    assert type(caught.value) is error_class
    assert (caught.value.kind, str(caught.value)) == (kind, message)
    assert caught.value.__cause__ is raised


def test_transport_errors_raised_names_zoho_by_default_and_lets_other_errors_through() -> None:
    with (
        pytest.raises(ZohoTimeout, match=r"^Zoho did not answer in time$"),
        transport_errors_raised(),
    ):
        raise requests.ReadTimeout()
    with pytest.raises(KeyError), transport_errors_raised():
        raise KeyError("not a requests error")


@pytest.mark.parametrize(
    ("status", "body", "needs_reconnect"),
    [
        (401, whole("OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL"), True),
        (401, whole("AUTHENTICATION_FAILURE", "Authentication failed"), True),
        (401, whole("INVALID_TOKEN", "invalid oauth token"), False),
        (403, whole("NO_PERMISSION", "permission denied"), False),
        (500, "<html>Bad gateway</html>", False),
    ],
)
def test_only_errors_a_new_grant_cures_need_a_reconnect(status, body, needs_reconnect) -> None:
    assert error_from_response(status=status, body=body).needs_reconnect is needs_reconnect
