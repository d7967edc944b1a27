"""The catalogue entry for a whole error; a few codes have variants told apart by message."""

from __future__ import annotations

from updater.errors import ApiError, OAuthError, TransportError, UnsafeDomainError, ZohoError
from updater.messages.catalogue import CATALOGUE, GENERIC, STATUS_FALLBACK, UserMessage


def catalogue_key(error: ZohoError) -> str:
    """The catalogue entry for an error; a few codes have variants told apart by message."""
    if isinstance(error, TransportError):
        return error.kind
    if isinstance(error, UnsafeDomainError):
        return "UNSAFE_DOMAIN"
    if isinstance(error, OAuthError):
        return error.error.lower().replace("access_denied", "access denied")
    if not isinstance(error, ApiError):
        return ""
    text = error.message.lower()
    if error.code == "RECORD_LOCKED":
        if text.startswith("sorry"):
            return "RECORD_LOCKED:dependent"
        if "not approved" in text:
            return "RECORD_LOCKED:processing"
    if error.code == "INVALID_MODULE" and "not supported" in text:
        return "INVALID_MODULE:unsupported"
    if error.code in CATALOGUE:
        return error.code
    if error.status >= 500:
        return "INTERNAL_ERROR"
    return STATUS_FALLBACK.get(error.status, error.code)


def user_message(error: ZohoError) -> UserMessage:
    return CATALOGUE.get(catalogue_key(error), GENERIC)
