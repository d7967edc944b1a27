"""Which input a Zoho error belongs to on the link pages (the contact, one deal row, the deal
list, or the top), and a person's words for it from ``updater.messages.LINK_TEXTS``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crmadmin.services.linking import ROLE_FIELD, ContactRef, RowResult
from updater.errors import ApiError, RecordResult, ZohoError
from updater.messages import LINK_TEXTS

ROW_PATH = re.compile(r"^\$\.data\[(\d+)\]")


@dataclass(frozen=True)
class Place:
    """Where an error belongs on the page: the contact input, one deal row, or the top."""

    target: str  # "contact" | "row" | "deals" | "top"
    index: int | None = None


def error_place(*, error: ZohoError, contact: ContactRef, deal_field: str) -> Place:
    """Which input an error is about: a ``json_path``/record index into ``data[]`` names a deal
    row; an INVALID_DATA that names no row is about the contact in the URL."""
    if not isinstance(error, ApiError):
        return Place("top")
    index = _row_index(error)
    if index is not None:
        return Place("row", index)
    api_names = {e.api_name for e in error.field_errors} | {error.details.get("api_name")}
    if error.code == "MANDATORY_NOT_FOUND" or deal_field in api_names or ROLE_FIELD in api_names:
        return Place("deals")
    if error.code == "INVALID_DATA":
        return Place("contact")
    return Place("top")


def contact_missing(contact: ContactRef) -> str:
    if contact.by_id:
        return LINK_TEXTS["contact_missing_by_id"].format(value=contact.value)
    return LINK_TEXTS["contact_missing"].format(field=contact.field, value=contact.value)


def deal_missing(*, deal_field: str, external_id: str) -> str:
    return LINK_TEXTS["deal_missing"].format(field=deal_field, value=external_id)


def row_text(result: RowResult | RecordResult, *, deal_field: str, external_id: str) -> str:
    """A person's words for one row that Zoho refused."""
    return _row_words(result.code, result.message, result.details, deal_field, external_id)


def error_text(
    *, error: ZohoError, place: Place, contact: ContactRef, deal_field: str, external_id: str = ""
) -> str:
    """A person's words for an error that belongs to the contact input or to a deal row."""
    if place.target == "contact":
        return contact_missing(contact)
    if isinstance(error, ApiError):
        return _row_words(error.code, error.message, error.details, deal_field, external_id)
    return str(error)


def _row_words(
    code: str, message: str, details: Mapping[str, Any], deal_field: str, external_id: str
) -> str:
    if details.get("api_name") == ROLE_FIELD:
        return LINK_TEXTS["role_unknown"]
    if code == "INVALID_DATA" and external_id:
        return deal_missing(deal_field=deal_field, external_id=external_id)
    if code == "INVALID_DATA":
        return LINK_TEXTS["deal_refused"].format(field=deal_field)
    if code == "MANDATORY_NOT_FOUND":
        return LINK_TEXTS["deal_field_missing"].format(field=deal_field)
    return f"{message[:1].upper()}{message[1:]}." if message else code


def _row_index(error: ApiError) -> int | None:
    if error.record_index is not None:
        return error.record_index
    paths = [e.json_path for e in error.field_errors] + [error.details.get("json_path")]
    for path in paths:
        match = ROW_PATH.match(str(path or ""))
        if match:
            return int(match.group(1))
    return None
