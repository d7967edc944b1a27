"""One catalogue of a person's words for every error: what happened, and what to do next.

``catalogue`` holds the words, ``for_errors`` picks the entry for a whole error
(``user_message``), ``for_fields`` the short text next to one field (``field_message``).
Import from ``updater.messages``.
"""

from __future__ import annotations

from updater.messages.catalogue import (
    ADMIN,
    CATALOGUE,
    GENERIC,
    LINK_TEXTS,
    RECONNECT,
    RECORD_LEVEL,
    RETRY,
    STATUS_FALLBACK,
    UserMessage,
)
from updater.messages.for_errors import catalogue_key, user_message
from updater.messages.for_fields import TYPE_HINTS, field_message

__all__ = [
    "ADMIN",
    "CATALOGUE",
    "GENERIC",
    "LINK_TEXTS",
    "RECONNECT",
    "RECORD_LEVEL",
    "RETRY",
    "STATUS_FALLBACK",
    "TYPE_HINTS",
    "UserMessage",
    "catalogue_key",
    "field_message",
    "user_message",
]
