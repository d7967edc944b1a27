"""Lookup search: records whose name starts with what a person typed, and users by name or
email, as options {id, name, detail} for the edit form's lookup pickers; and the same search
resolving a name typed without the picker (no JavaScript) into one record, several, or none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crmadmin.datatypes import display_text
from updater.client import ZohoClient
from updater.errors import ZohoError
from updater.metadata import Field, User, fields_list, users_list
from updater.records import Condition, criteria_build, records_search

USERS = "users"  # the module name the user pickers search (the org's users, not records)

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
    """Records whose name starts with `text`, as options {id, name, detail}. A person's full
    name ("Ann Sm") is searched by its first word, then kept where the whole name starts so."""
    name_field = name_field_for(module, fields)
    words = text.split()
    if module in PERSON_MODULES and len(words) > 1:
        needle = " ".join(words).casefold()
        found = lookup_records(client=client, module=module, fields=fields, text=words[0])
        return [option for option in found if option["name"].casefold().startswith(needle)]
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
    """The org's users whose name or email holds ``text``, as options {id, name, detail}; a
    user without a name goes by their email (the picker puts ``name`` in the box)."""
    needle = text.casefold()
    matches = [
        {"id": user.id, "name": user.full_name or user.email, "detail": user.email}
        for user in users
        if needle in user.full_name.casefold() or needle in user.email.casefold()
    ]
    return matches[:limit]


def module_readable(module: str, allowed: set[str] | None) -> bool:
    """May a user whose grant allows ``allowed`` modules (None: every one) search ``module``?
    The org's users are no module: every editor with the connection picks owners from them."""
    return allowed is None or module.lower() == USERS or module in allowed


def lookup_options(
    *, client: ZohoClient, options: Mapping[str, Any], module: str, text: str
) -> list[dict[str, str]]:
    """The picker's options for ``text``: users (the org's active users, fetched and cached on
    the first search), or records of ``module`` (cached metadata)."""
    if module.lower() == USERS:
        return lookup_users(users_list(client=client, **options), text)
    fields = fields_list(client=client, module=module, **options)
    return lookup_records(client=client, module=module, fields=fields, text=text)


@dataclass(frozen=True)
class Resolution:
    """What a typed name came to: ``chosen`` (one record), ``options`` (several to choose
    from), neither (no record has that name), ``forbidden`` (the user may not read the
    module: nothing was searched) or ``error`` (Zoho could not answer)."""

    module: str
    text: str
    chosen: dict[str, str] | None = None
    options: tuple[dict[str, str], ...] = ()
    forbidden: bool = False
    error: ZohoError | None = None


def names_resolve(
    *,
    client: ZohoClient,
    options: Mapping[str, Any],
    allowed: set[str] | None,
    wanted: Mapping[str, tuple[str, str, str]],
) -> dict[str, Resolution]:
    """Resolve names typed without the picker: ``wanted`` maps a form field to (module, text,
    the id picked from an earlier list of several, or ""). The search is the picker's own; an
    exact name (any case) wins over names that only start with the text."""
    resolved = {}
    for name, (module, text, pick) in wanted.items():
        if not module_readable(module, allowed):
            resolved[name] = Resolution(module=module, text=text, forbidden=True)
            continue
        try:
            found = lookup_options(client=client, options=options, module=module, text=text)
        except ZohoError as error:
            resolved[name] = Resolution(module=module, text=text, error=error)
            continue
        resolved[name] = _resolution(module, text, pick, found)
    return resolved


def _resolution(module: str, text: str, pick: str, found: list[dict[str, str]]) -> Resolution:
    picked = [option for option in found if option["id"] == pick]
    needle = text.casefold()
    exact = [
        option
        for option in found
        if needle in (option["name"].casefold(), option.get("detail", "").casefold())
    ]
    matches = picked or exact or found
    if len(matches) == 1:
        return Resolution(module=module, text=text, chosen=matches[0])
    return Resolution(module=module, text=text, options=tuple(matches))
