"""Lookup search: records whose name starts with what a person typed, and users by name or
email, as options {id, name, detail} for the edit form's lookup boxes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from crmadmin.datatypes import display_text
from updater.client import ZohoClient
from updater.metadata import Field, User
from updater.records import Condition, criteria_build, records_search

# The field people know a record by, for lookups (Contacts and Leads: First + Last name).
NAME_FIELDS = {
    "Accounts": "Account_Name",
    "Deals": "Deal_Name",
    "Products": "Product_Name",
    "Vendors": "Vendor_Name",
    "Campaigns": "Campaign_Name",
    "Solutions": "Solution_Title",
    "Events": "Event_Title",
    "Price_Books": "Price_Book_Name",
}
PERSON_MODULES = frozenset({"Contacts", "Leads"})


def name_field_for(module: str, fields: Sequence[Field]) -> str:
    """The field a record is known by: a known name field, else the first mandatory text field."""
    if module in NAME_FIELDS:
        return NAME_FIELDS[module]
    names = {item.api_name for item in fields}
    if "Name" in names:
        return "Name"
    for item in fields:
        if item.system_mandatory and item.data_type == "text":
            return item.api_name
    return "Subject" if "Subject" in names else "id"


def lookup_conditions(module: str, name_field: str, text: str) -> tuple[list[Condition], str]:
    if module in PERSON_MODULES:
        return [
            Condition("Last_Name", "starts_with", text),
            Condition("First_Name", "starts_with", text),
        ], "or"
    return [Condition(name_field, "starts_with", text)], "and"


def lookup_records(
    *, client: ZohoClient, module: str, fields: Sequence[Field], text: str, limit: int = 10
) -> list[dict[str, str]]:
    """Records whose name starts with `text`, as options {id, name, detail}."""
    name_field = name_field_for(module, fields)
    conditions, join = lookup_conditions(module, name_field, text)
    wanted = ["First_Name", "Last_Name", "Email"] if module in PERSON_MODULES else [name_field]
    page = records_search(
        client=client,
        module=module,
        criteria=criteria_build(conditions=conditions, join=join),
        fields=wanted,
        per_page=limit,
    )
    return [_option(record, module, name_field) for record in page.records[:limit]]


def _option(record: Mapping[str, Any], module: str, name_field: str) -> dict[str, str]:
    if module in PERSON_MODULES:
        name = " ".join(filter(None, (record.get("First_Name"), record.get("Last_Name"))))
        return {"id": str(record.get("id")), "name": name, "detail": record.get("Email") or ""}
    name = display_text(record.get(name_field)) or str(record.get("id"))
    return {"id": str(record.get("id")), "name": name, "detail": ""}


def lookup_users(users: Iterable[User], text: str, limit: int = 10) -> list[dict[str, str]]:
    needle = text.casefold()
    matches = [
        {"id": user.id, "name": user.full_name, "detail": user.email}
        for user in users
        if needle in user.full_name.casefold() or needle in user.email.casefold()
    ]
    return matches[:limit]
