"""Find both sides of a link before anything is written: the contact, the deals by external id,
and the contact's current role on each (the preview), or a record's side of the link."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crmadmin.services.linking.records import (
    contact_of,
    deal_of,
    linked_contact_of,
    same_value,
    with_role,
)
from crmadmin.services.linking.types import (
    CONTACT_FIELDS,
    CONTACTS,
    DEAL_FIELDS,
    DEALS,
    ROLE_FIELD,
    Contact,
    ContactRef,
    Deal,
    LinkedContact,
    Preview,
    Related,
)
from updater.client import ZohoClient
from updater.metadata import Field, fields_list
from updater.records import MAX_IN_VALUES, Condition, record_get, records_search
from updater.relations import related_list_get

# Our own budget for one search's criteria: Zoho documents no length limit, but the criteria
# travel in the query string and proxies refuse long URLs.
CRITERIA_MAX_CHARS = 1800


def external_fields(*, client: ZohoClient, module: str, metadata: Mapping[str, Any]) -> list[Field]:
    """The fields metadata marks ``external`` (zoho-api.md §3.8), in Zoho's order."""
    fields = fields_list(client=client, module=module, **metadata)
    return [item for item in fields if item.external]


def contact_find(*, client: ZohoClient, contact: ContactRef) -> Contact | None:
    """One search on the external field, or one GET by id. Search ``equals`` behaves like
    "contains" (zoho-api.md §3.3), so only an exact match counts."""
    if contact.by_id:
        record = record_get(client=client, module=CONTACTS, record_id=contact.value)
        return contact_of(record) if record else None
    condition = Condition(field=contact.field or "", operator="equals", value=contact.value)
    page = records_search(
        client=client,
        module=CONTACTS,
        criteria=condition,
        fields=[*CONTACT_FIELDS, contact.field or ""],
    )
    exact = [
        record for record in page.records if same_value(record.get(contact.field), contact.value)
    ]
    return contact_of(exact[0]) if exact else None


def deals_find(*, client: ZohoClient, field: str, values: list[str]) -> dict[str, Deal]:
    """Deals by external id with one ``in`` search per ≤100 values (fewer when long)."""
    found: dict[str, Deal] = {}
    for chunk in criteria_chunks(values):
        condition = Condition(field=field, operator="in", value=chunk)
        page = records_search(
            client=client, module=DEALS, criteria=condition, fields=[*DEAL_FIELDS, field]
        )
        wanted = set(chunk)
        for record in page.records:
            external_id = str(record.get(field) or "")
            if external_id in wanted:
                found[external_id] = deal_of(record, external_id=external_id)
    return found


def criteria_chunks(values: list[str]) -> Iterable[list[str]]:
    chunk: list[str] = []
    size = 0
    for value in values:
        if chunk and (len(chunk) >= MAX_IN_VALUES or size + len(value) + 1 > CRITERIA_MAX_CHARS):
            yield chunk
            chunk, size = [], 0
        chunk.append(value)
        size += len(value) + 1
    if chunk:
        yield chunk


def contact_deals(*, client: ZohoClient, contact_id: str, deal_field: str | None) -> list[Deal]:
    """The deals linked to a contact with the contact's role on each (the Deals related list)."""
    fields = [*DEAL_FIELDS, ROLE_FIELD, *([deal_field] if deal_field else [])]
    page = related_list_get(
        client=client, module=CONTACTS, record_id=contact_id, related_list=DEALS, fields=fields
    )
    return [
        deal_of(record, external_id=str(record.get(deal_field) or "") if deal_field else "")
        for record in page.records
    ]


def deal_contacts(*, client: ZohoClient, deal_id: str) -> list[LinkedContact]:
    """The contacts on a deal with their roles (``GET /Deals/{id}/Contact_Roles``, §2.5)."""
    page = related_list_get(
        client=client,
        module=DEALS,
        record_id=deal_id,
        related_list="Contact_Roles",
        fields=[*CONTACT_FIELDS, ROLE_FIELD],
    )
    return [linked_contact_of(record) for record in page.records]


def related_for(
    *, client: ZohoClient, module: str, record_id: str, metadata: Mapping[str, Any]
) -> Related:
    if module == DEALS:
        return Related(module=DEALS, contacts=deal_contacts(client=client, deal_id=record_id))
    external = external_fields(client=client, module=DEALS, metadata=metadata)
    deal_field = external[0].api_name if external else None
    deals = contact_deals(client=client, contact_id=record_id, deal_field=deal_field)
    return Related(module=CONTACTS, deals=deals, deal_field=deal_field)


def link_preview(
    *, client: ZohoClient, contact: ContactRef, deal_field: str, external_ids: list[str]
) -> Preview:
    """Resolve both sides: the contact, every deal, and the contact's current role on each."""
    found = contact_find(client=client, contact=contact)
    deals = deals_find(client=client, field=deal_field, values=external_ids) if found else {}
    if found and deals:
        roles = {
            deal.id: deal
            for deal in contact_deals(client=client, contact_id=found.id, deal_field=None)
        }
        deals = {key: with_role(deal, roles.get(deal.id)) for key, deal in deals.items()}
    return Preview(contact=found, deals=deals)
