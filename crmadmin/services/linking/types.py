"""What the linking service passes around: the contact as typed, the records Zoho found, and
one result per row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from updater.records import MAX_WRITE_RECORDS

CONTACTS = "Contacts"
DEALS = "Deals"
ROLE_FIELD = "Contact_Role"
MAX_DEALS = MAX_WRITE_RECORDS
CONTACT_FIELDS = ["Full_Name", "First_Name", "Last_Name", "Email"]
DEAL_FIELDS = ["Deal_Name", "Stage", "Amount"]


@dataclass(frozen=True)
class ContactRef:
    """The contact as the person gave it: an external field and value, or a record id."""

    value: str
    field: str | None = None

    @property
    def by_id(self) -> bool:
        return self.field is None


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    email: str = ""


@dataclass(frozen=True)
class LinkedContact(Contact):
    """A contact on a deal, with its role there."""

    role: str = ""


@dataclass(frozen=True)
class Deal:
    id: str
    external_id: str
    name: str
    stage: str
    role: str = ""  # the contact's current role on this deal
    role_id: str = ""


@dataclass(frozen=True)
class Preview:
    contact: Contact | None
    deals: Mapping[str, Deal]  # by external id; an id missing here is unknown


@dataclass(frozen=True)
class Related:
    """A record's side of the link: a contact's deals, or a deal's contacts."""

    module: str
    deals: list[Deal] = field(default_factory=list)
    contacts: list[LinkedContact] = field(default_factory=list)
    deal_field: str | None = None


@dataclass(frozen=True)
class RowResult:
    index: int
    ok: bool
    code: str
    message: str
    deal_id: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pair:
    """One row of a bulk link: (contact external id, deal external id, role)."""

    line: int
    contact: str
    deal: str
    role: str = ""  # as typed
    role_id: str = ""


@dataclass(frozen=True)
class PairResult:
    pair: Pair
    ok: bool
    code: str
    message: str
