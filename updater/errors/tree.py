"""The error tree: every error the updater raises descends from ``ZohoError``.

Transport errors mean no usable response came back; API errors carry Zoho's ``status``, ``code``,
``message``, ``details`` and field errors; OAuth errors come from the accounts server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One problem with one field, as Zoho reported it (``details.api_name`` / ``json_path``)."""

    api_name: str | None
    code: str
    message: str
    json_path: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


class ZohoError(Exception):
    """Root of every error the updater raises."""

    def __init__(self, *, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


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
