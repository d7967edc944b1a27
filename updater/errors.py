"""Everything that can go wrong talking to Zoho: one error tree and the one mapper.

Transport errors mean no usable response came back; API errors carry Zoho's ``status``, ``code``,
``message``, ``details`` and field errors; OAuth errors come from the accounts server. The mapper
(``error_from_response``) decides the class from Zoho's ``code`` first and the HTTP status second.
Write endpoints report per-record failures inside ``data[]`` of a 2xx/207 answer, so the mapper
walks that array too (zoho-api.md §4.1, §4.3). A body that is not JSON still becomes a typed error.

The errors carry codes and facts (``retry_after``, ``needs_reconnect``), never a person's words:
those live in ``crmadmin.problems``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, as Zoho reported it (``details.api_name`` / ``json_path``)."""

    api_name: str | None
    code: str
    message: str
    json_path: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


# Codes that a token refresh cannot cure: the connection must be granted again.
RECONNECT_CODES = frozenset({"OAUTH_SCOPE_MISMATCH", "AUTHENTICATION_FAILURE"})


class ZohoError(Exception):
    """Root of every error the updater raises."""

    def __init__(self, *, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    @property
    def needs_reconnect(self) -> bool:
        """True when only a new sign-in to Zoho (a fresh grant) can fix this."""
        return False


class TransportError(ZohoError):
    """No usable response came back: timeout, connection failure, unreadable answer."""

    def __init__(self, *, kind: str, message: str) -> None:
        super().__init__(message=message)
        self.kind = kind


class ZohoTimeout(TransportError):
    def __init__(self, *, message: str = "Zoho did not answer in time") -> None:
        super().__init__(kind="timeout", message=message)


class ZohoConnectionError(TransportError):
    def __init__(self, *, message: str = "Could not connect to Zoho") -> None:
        super().__init__(kind="connection", message=message)


class UnsafeDomainError(ZohoError):
    """An API domain that is not a Zoho API host: the access token must never go there."""

    def __init__(self, *, domain: str) -> None:
        super().__init__(message=f"{domain!r} is not a Zoho API domain; refusing to send a token")
        self.domain = domain


class OAuthError(ZohoError):
    """The token endpoint refused (it answers HTTP 200 with ``{"error": ...}``)."""

    def __init__(self, *, error: str, message: str, description: str = "") -> None:
        super().__init__(message=message)
        self.error = error
        self.description = description

    def __str__(self) -> str:
        return f"{self.error}: {self.message}"

    @property
    def needs_reconnect(self) -> bool:
        return True


class InvalidCodeError(OAuthError):
    """The grant code or refresh token was already used, expired or revoked."""


class InvalidClientError(OAuthError):
    """Unknown client id: usually the wrong data centre's accounts server."""


class InvalidClientSecretError(OAuthError):
    """The client secret does not match the client id."""


class TokenThrottledError(OAuthError):
    """Too many token requests ("Access Denied"): Zoho allows 10 per refresh token per 10 min."""


class ApiError(ZohoError):
    """The CRM API answered with an error."""

    def __init__(
        self,
        *,
        status: int,
        code: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        field_errors: list[FieldError] | None = None,
        record_index: int | None = None,
    ) -> None:
        super().__init__(message=message)
        self.status = status
        self.code = code
        self.details: Mapping[str, Any] = details or {}
        self.field_errors: list[FieldError] = list(field_errors or [])
        self.record_index = record_index

    def __str__(self) -> str:
        names = [error.api_name for error in self.field_errors if error.api_name]
        where = f" on {', '.join(names)}" if names else ""
        return f"{self.code}{where}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
            f"message={self.message!r}, record_index={self.record_index})"
        )


class AuthError(ApiError):
    """The access token was refused (INVALID_TOKEN, AUTHENTICATION_FAILURE, scope mismatch)."""

    @property
    def needs_reconnect(self) -> bool:
        # INVALID_TOKEN is cured by refreshing the access token; these codes only by a new grant.
        return self.code in RECONNECT_CODES


class PermissionDeniedError(ApiError):
    """The Zoho user may not do this (NO_PERMISSION, AUTHORIZATION_FAILED)."""


class NotFoundError(ApiError):
    """Wrong URL or module (INVALID_URL_PATTERN, INVALID_MODULE)."""


class RateLimitError(ApiError):
    """429: API credits or concurrency exhausted."""

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after = retry_after


class ConflictError(ApiError):
    """412 ALREADY_MODIFIED: someone saved the record after it was loaded. Never retried."""


class ValidationError(ApiError):
    """Zoho refused the data (INVALID_DATA, MANDATORY_NOT_FOUND, DUPLICATE_DATA, ...)."""


class RecordLockedError(ApiError):
    """RECORD_LOCKED: approval, merge or a lock on a dependent record."""


class NotApprovedError(ApiError):
    """NOT_APPROVED: the record waits for Zia image validation or record approval."""


class ServerError(ApiError):
    """INTERNAL_ERROR or any 5xx."""


class NonJsonResponseError(ApiError):
    """The body was not JSON (an HTML error page, a truncated answer)."""

    def __init__(self, *, status: int, body_excerpt: str) -> None:
        super().__init__(
            status=status,
            code="NON_JSON_RESPONSE",
            message=f"Zoho answered HTTP {status} with a body that is not JSON: {body_excerpt!r}",
        )
        self.body_excerpt = body_excerpt


# -- Reading an answer: a trimmed body excerpt, a JSON-object body, Retry-After -------------

EXCERPT_LENGTH = 300


def body_excerpt(raw: bytes | str) -> str:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH] + "…"


def body_parse(raw: bytes | str | None) -> dict[str, Any] | None:
    """Parse a JSON object body; None for an empty body; ValueError when it is not a JSON object."""
    if raw is None or not raw.strip():
        return None
    parsed = json.loads(raw)
    if not isinstance(parsed, dict):
        raise ValueError("JSON body is not an object")
    return parsed


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """``Retry-After`` as seconds, from either delta-seconds or an HTTP date."""
    value = (headers or {}).get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


# -- requests' exceptions → transport errors (callers never see a requests exception) -------


@contextmanager
def transport_errors_raised(*, service: str = "Zoho") -> Iterator[None]:
    """Raise ZohoTimeout / ZohoConnectionError / TransportError for a failed ``requests`` call;
    ``service`` names who did not answer ("Zoho", "Zoho accounts")."""
    try:
        yield
    except requests.Timeout as error:
        raise ZohoTimeout(message=f"{service} did not answer in time") from error
    except requests.ConnectionError as error:
        raise ZohoConnectionError(message=f"Could not connect to {service}") from error
    except requests.RequestException as error:
        raise TransportError(kind="invalid_response", message=type(error).__name__) from error


# -- The one mapper -------------------------------------------------------------------------

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
    # Files API refusals (OAS8 files.json): the file, not the request, is at fault.
    "FILE_SIZE_MORE_THAN_ALLOWED_SIZE": ValidationError,
    "VIRUS_DETECTED": ValidationError,
    "failure_in_attachment_handling": ValidationError,
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
    # 413 too large, 415 a type the Files API does not take (zoho-api.md §4.3): the input's fault.
    if status in (400, 413, 415, 422):
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
