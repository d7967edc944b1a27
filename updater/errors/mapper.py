"""The one mapper: an HTTP answer → the matching ApiError subclass, and per-record results.

It decides the class from Zoho's ``code`` first and the HTTP status second. Write endpoints
report per-record failures inside ``data[]`` of a 2xx/207 answer, so the mapper walks that array
too (zoho-api.md §4.1, §4.3). A body that is not JSON still becomes a typed error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from updater.errors.bodies import body_excerpt, body_parse, retry_after_seconds
from updater.errors.tree import (
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
    ValidationError,
)

CODE_CLASSES: dict[str, type[ApiError]] = {
    "INVALID_TOKEN": AuthError,
    "INVALID_OAUTHTOKEN": AuthError,
    "AUTHENTICATION_FAILURE": AuthError,
    "OAUTH_SCOPE_MISMATCH": AuthError,
    "NO_PERMISSION": PermissionDeniedError,
    "AUTHORIZATION_FAILED": PermissionDeniedError,
    "INVALID_URL_PATTERN": NotFoundError,
    "INVALID_MODULE": NotFoundError,
    "TOO_MANY_REQUESTS": RateLimitError,
    "ALREADY_MODIFIED": ConflictError,
    "RECORD_LOCKED": RecordLockedError,
    "NOT_APPROVED": NotApprovedError,
    "INTERNAL_ERROR": ServerError,
    # A request Zoho cannot route at all: a bug on our side, not something the user can fix.
    "INVALID_REQUEST_METHOD": ApiError,
    "API_NOT_SUPPORTED": ApiError,
    "INVALID_DATA": ValidationError,
    "MANDATORY_NOT_FOUND": ValidationError,
    "REQUIRED_DATA_NOT_FOUND": ValidationError,
    "DUPLICATE_DATA": ValidationError,
    "MULTIPLE_OR_MULTI_ERRORS": ValidationError,
    "DEPENDENT_FIELD_MISSING": ValidationError,
    "DEPENDENT_MISMATCH": ValidationError,
    "LIMIT_EXCEEDED": ValidationError,
    "AMBIGUITY_DURING_PROCESSING": ValidationError,
    "EXPECTED_FIELD_MISSING": ValidationError,
    "NOT_ALLOWED": ValidationError,
    "RESERVED_KEYWORD_NOT_ALLOWED": ValidationError,
    "PATTERN_NOT_MATCHED": ValidationError,
    "REQUIRED_PARAM_MISSING": ValidationError,
    "EXPECTED_PARAM_MISSING": ValidationError,
    "INVALID_QUERY": ValidationError,
}


def class_for(*, code: str | None, status: int) -> type[ApiError]:
    """Zoho's code decides; the HTTP status is the fallback for codes we do not know."""
    if code in CODE_CLASSES:
        return CODE_CLASSES[code]
    if status == 401:
        return AuthError
    if status == 403:
        return PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status == 412:
        return ConflictError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    if status in (400, 422):
        return ValidationError
    return ApiError


@dataclass(frozen=True)
class RecordResult:
    """The outcome for one record of a write call, in input order."""

    index: int
    record_id: str | None
    ok: bool
    code: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    error: ApiError | None = None


def field_errors_from(*, code: str, message: str, details: Mapping[str, Any]) -> list[FieldError]:
    """Field-level errors hidden in one error entry's ``details``."""
    if code == "MULTIPLE_OR_MULTI_ERRORS":
        nested = details.get("errors") or []
        return [
            error
            for entry in nested
            if isinstance(entry, Mapping)
            for error in field_errors_from(
                code=str(entry.get("code", code)),
                message=str(entry.get("message", message)),
                details=entry.get("details") or {},
            )
        ]
    if code == "AMBIGUITY_DURING_PROCESSING":
        return _listed_fields(code, message, details.get("ambiguity_due_to"))
    if code == "EXPECTED_FIELD_MISSING":
        return _listed_fields(code, message, details.get("expected_fields"))
    if "api_name" in details:
        return [_field_error(code, message, details)]
    return []


def _listed_fields(code: str, message: str, entries: Any) -> list[FieldError]:
    return [
        _field_error(code, message, entry) for entry in entries or [] if isinstance(entry, Mapping)
    ]


def _field_error(code: str, message: str, source: Mapping[str, Any]) -> FieldError:
    """One field's error from a mapping that names it (``api_name``, maybe ``json_path``)."""
    return FieldError(
        api_name=source.get("api_name"),
        code=code,
        message=message,
        json_path=source.get("json_path"),
        details=dict(source),
    )


def error_from_entry(
    *,
    status: int,
    entry: Mapping[str, Any],
    record_index: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> ApiError:
    """Build the error for one Zoho error object ``{"code", "details", "message", "status"}``."""
    code = str(entry.get("code") or f"HTTP_{status}")
    message = str(entry.get("message") or f"HTTP {status}")
    details = entry.get("details")
    details = details if isinstance(details, Mapping) else {}
    error_class = class_for(code=entry.get("code"), status=status)
    arguments: dict[str, Any] = {
        "status": status,
        "code": code,
        "message": message,
        "details": details,
        "field_errors": field_errors_from(code=code, message=message, details=details),
        "record_index": record_index,
    }
    if issubclass(error_class, RateLimitError):
        return error_class(retry_after=retry_after_seconds(headers), **arguments)
    return error_class(**arguments)


def _record_entries(body: Mapping[str, Any]) -> list[Any] | None:
    """The per-record array of a write answer: ``data``, or the resource's own key."""
    data = body.get("data")
    if isinstance(data, list):
        return data
    for value in body.values():
        if (
            isinstance(value, list)
            and value
            and isinstance(value[0], Mapping)
            and "code" in value[0]
        ):
            return value
    return None


def error_from_response(
    *,
    status: int,
    body: bytes | str | Mapping[str, Any] | None,
    headers: Mapping[str, str] | None = None,
) -> ApiError:
    """The one mapper: an HTTP answer (any body) → the matching ApiError subclass."""
    if isinstance(body, bytes | str):
        try:
            parsed = body_parse(body)
        except ValueError:
            return NonJsonResponseError(status=status, body_excerpt=body_excerpt(body))
    else:
        parsed = dict(body) if body is not None else None
    if not parsed:
        return error_from_entry(status=status, entry={}, headers=headers)
    if "code" in parsed:
        return error_from_entry(status=status, entry=parsed, headers=headers)
    for index, entry in enumerate(_record_entries(parsed) or []):
        if isinstance(entry, Mapping) and _is_failure(entry):
            return error_from_entry(status=status, entry=entry, record_index=index, headers=headers)
    return error_from_entry(status=status, entry={}, headers=headers)


def _is_failure(entry: Mapping[str, Any]) -> bool:
    return entry.get("status") == "error" or (
        "status" not in entry and entry.get("code") not in (None, "SUCCESS")
    )


def errors_from_write_response(
    *, status: int, body: Mapping[str, Any] | None, index_offset: int = 0
) -> list[RecordResult]:
    """Walk ``data[]`` of a write answer: one RecordResult per input record, in order."""
    entries = _record_entries(body or {}) or []
    return [
        _record_result(status=status, entry=entry, index=index_offset + position)
        for position, entry in enumerate(entries)
        if isinstance(entry, Mapping)
    ]


def _record_result(*, status: int, entry: Mapping[str, Any], index: int) -> RecordResult:
    details = entry.get("details")
    details = details if isinstance(details, Mapping) else {}
    record_id = details.get("id")
    error: ApiError | None = None
    if _is_failure(entry):
        error = error_from_entry(status=status, entry=entry, record_index=index)
        code, message = error.code, error.message
    else:
        code, message = str(entry.get("code", "SUCCESS")), str(entry.get("message", ""))
    return RecordResult(
        index=index,
        record_id=str(record_id) if record_id is not None else None,
        ok=error is None,
        code=code,
        message=message,
        details=details,
        error=error,
    )
