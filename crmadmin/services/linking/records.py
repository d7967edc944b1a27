"""Zoho records (plain dicts) turned into the linking service's contacts and deals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from crmadmin.services.linking.types import ROLE_FIELD, Contact, Deal, LinkedContact


def same_value(found: Any, wanted: str) -> bool:
    return str(found or "").strip().casefold() == wanted.strip().casefold()


def contact_of(record: Mapping[str, Any]) -> Contact:
    return Contact(
        id=str(record.get("id", "")),
        name=_contact_name(record),
        email=str(record.get("Email") or ""),
    )


def linked_contact_of(record: Mapping[str, Any]) -> LinkedContact:
    return LinkedContact(**contact_of(record).__dict__, role=role_of(record)[0])


def role_of(record: Mapping[str, Any]) -> tuple[str, str]:
    """(name, id) of ``Contact_Role``, which arrives as ``{"name", "id"}`` or a bare id."""
    role = record.get(ROLE_FIELD)
    if isinstance(role, Mapping):
        return str(role.get("name") or ""), str(role.get("id") or "")
    return "", str(role or "")


def deal_of(record: Mapping[str, Any], *, external_id: str) -> Deal:
    role, role_id = role_of(record)
    return Deal(
        id=str(record.get("id", "")),
        external_id=external_id,
        name=str(record.get("Deal_Name") or ""),
        stage=str(record.get("Stage") or ""),
        role=role,
        role_id=role_id,
    )


def with_role(deal: Deal, linked: Deal | None) -> Deal:
    if linked is None:
        return deal
    return replace(deal, role=linked.role, role_id=linked.role_id)


def _contact_name(record: Mapping[str, Any]) -> str:
    full = record.get("Full_Name") or " ".join(
        str(record.get(part) or "") for part in ("First_Name", "Last_Name")
    )
    return str(full).strip() or str(record.get("id", ""))
