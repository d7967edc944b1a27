"""One error tree for everything that can go wrong talking to Zoho, and the one mapper.

``tree`` holds the classes, ``mapper`` the one response → error mapper (``error_from_response``)
and the per-record walk of write answers, ``bodies`` the reading of an answer's body and headers,
``transport`` the translation of ``requests`` exceptions. Import from ``updater.errors``.
"""

from __future__ import annotations

from updater.errors.bodies import EXCERPT_LENGTH, body_excerpt, body_parse, retry_after_seconds
from updater.errors.mapper import (
    CODE_CLASSES,
    RecordResult,
    class_for,
    error_from_entry,
    error_from_response,
    errors_from_write_response,
    field_errors_from,
)
from updater.errors.transport import transport_errors_raised
from updater.errors.tree import (
    ApiError,
    AuthError,
    ConflictError,
    FieldError,
    InvalidClientError,
    InvalidClientSecretError,
    InvalidCodeError,
    NonJsonResponseError,
    NotApprovedError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    RateLimitError,
    RecordLockedError,
    ServerError,
    TokenThrottledError,
    TransportError,
    UnsafeDomainError,
    ValidationError,
    ZohoConnectionError,
    ZohoError,
    ZohoTimeout,
)

__all__ = [
    "CODE_CLASSES",
    "EXCERPT_LENGTH",
    "ApiError",
    "AuthError",
    "ConflictError",
    "FieldError",
    "InvalidClientError",
    "InvalidClientSecretError",
    "InvalidCodeError",
    "NonJsonResponseError",
    "NotApprovedError",
    "NotFoundError",
    "OAuthError",
    "PermissionDeniedError",
    "RateLimitError",
    "RecordLockedError",
    "RecordResult",
    "ServerError",
    "TokenThrottledError",
    "TransportError",
    "UnsafeDomainError",
    "ValidationError",
    "ZohoConnectionError",
    "ZohoError",
    "ZohoTimeout",
    "body_excerpt",
    "body_parse",
    "class_for",
    "error_from_entry",
    "error_from_response",
    "errors_from_write_response",
    "field_errors_from",
    "retry_after_seconds",
    "transport_errors_raised",
]
