"""JSON responses and the Zoho error envelope (zoho-api.md §4.1)."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

# code → (HTTP status, message) for whole-request errors, with the wording of Zoho's pages.
MESSAGES: dict[str, tuple[int, str]] = {
    "INVALID_MODULE": (400, "the module name given seems to be invalid"),
    "INVALID_URL_PATTERN": (404, "Please check if the URL trying to access is a correct one"),
    "INVALID_REQUEST_METHOD": (400, "The http request method type is not a valid one"),
    "OAUTH_SCOPE_MISMATCH": (401, "Unauthorized"),
    "INVALID_TOKEN": (401, "invalid oauth token"),
    "AUTHENTICATION_FAILURE": (401, "Authentication failed"),
    "NO_PERMISSION": (403, "Permission denied to update"),
    "AUTHORIZATION_FAILED": (400, "User does not have sufficient privilege to update records"),
    "INTERNAL_ERROR": (500, "Internal Server Error"),
    "REQUIRED_PARAM_MISSING": (400, "One of the expected parameter is missing"),
    "EXPECTED_PARAM_MISSING": (400, "One of the expected parameter is missing"),
    "LIMIT_EXCEEDED": (400, "Record count exceeded"),
    "INVALID_DATA": (400, "invalid data"),
    "INVALID_QUERY": (400, "invalid query formed"),
    "DISCRETE_PAGINATION_LIMIT_EXCEEDED": (
        400,
        "The maximum number of records that can be fetched using page is 2000",
    ),
    "PAGINATION_LIMIT_EXCEEDED": (400, "pagination limit exceeded"),
    "TOKEN_BOUND_DATA_MISMATCH": (400, "the page_token does not match the given parameters"),
    "EXPIRED_VALUE": (400, "the page_token has expired"),
    # Zoho words this for cvid + search (record_count.json); page + page_token follows it.
    "AMBIGUITY_DURING_PROCESSING": (
        400,
        "Please use either page or page_token. Combination of both the params is not allowed",
    ),
    "LIMIT_REACHED": (400, "search results exceed the limit of 2000 records"),
    "TOO_MANY_REQUESTS": (429, "too many requests"),
}


class ApiError(Exception):
    """A whole-request error: the envelope is the entire response body."""

    def __init__(
        self,
        code: str,
        details: dict[str, Any] | None = None,
        message: str | None = None,
        status: int | None = None,
    ) -> None:
        default_status, default_message = MESSAGES.get(code, (400, code.lower()))
        self.code = code
        self.details = details or {}
        self.message = message or default_message
        self.status = status or default_status
        super().__init__(f"{code}: {self.message}")

    def response(self) -> Response:
        return json_response(envelope(self.code, self.details, self.message), self.status)


def envelope(
    code: str, details: dict[str, Any], message: str, status: str = "error"
) -> dict[str, Any]:
    return {"code": code, "details": details, "message": message, "status": status}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        headers=headers,
        content_type="application/json;charset=UTF-8",
    )


def no_content() -> Response:
    """204 with an empty body and no Content-Type, as Zoho sends for empty lists and searches
    (Zoho's official SDK reads a text/plain answer as a file download)."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response
