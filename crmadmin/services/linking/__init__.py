"""Link contacts to deals by external ID: find both sides for a preview, link in calls of at
most 100 deals, or remove one link; and read a record's side of the link (its deals or contacts).

The link itself is Zoho's "Update Related Records Using External ID" call
(reference/zoho-update-related-records-by-external-id.txt): ``PUT /Contacts/{ext}/Deals`` with
``X-EXTERNAL: Contacts.<field>,Deals.<field>``, or ``PUT /Contacts/{id}/Deals`` with only
``Deals.<field>`` when the contact is given by record id. Many pairs at once are linked by
``crmadmin.services.linking.bulk``. Every link and unlink is written to the audit
(``links_audit_write``), on the contact's and each deal's history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from crmadmin.models import AuditEntry, Connection
from updater.client import ZohoClient
from updater.errors import RecordResult
from updater.metadata import Field, fields_list
from updater.records import MAX_IN_VALUES, MAX_WRITE_RECORDS, Condition, record_get, records_search
from updater.relations import (
    related_link,
    related_link_by_external,
    related_list_get,
    related_unlink,
)

CONTACTS = "Contacts"
DEALS = "Deals"
ROLE_FIELD = "Contact_Role"
MAX_DEALS = MAX_WRITE_RECORDS
CONTACT_FIELDS = ["Full_Name", "First_Name", "Last_Name", "Email"]
DEAL_FIELDS = ["Deal_Name", "Stage", "Amount"]
# Our own budget for one search's criteria: Zoho documents no length limit, but the criteria
# travel in the query string and proxies refuse long URLs.
CRITERIA_MAX_CHARS = 1800


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
    details: Mapping[str, Any] = field(default_factory=dict)
    deal_id: str = ""  # Zoho's id of the related deal, when its answer names it


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
    deal_id: str = ""


@dataclass(frozen=True)
class LinkWrite:
    """One contact-deal pair a link or unlink call wrote (or tried to), for the audit."""

    deal_id: str
    deal_label: str  # how a person knows the deal: its name and external ID
    ok: bool
    code: str  # Zoho's answer for this pair, e.g. "SUCCESS", "INVALID_DATA"
    message: str = ""


# -- Zoho records (plain dicts) turned into contacts and deals ------------------------------


def _same_value(found: Any, wanted: str) -> bool:
    return str(found or "").strip().casefold() == wanted.strip().casefold()


def _contact_of(record: Mapping[str, Any]) -> Contact:
    return Contact(
        id=str(record.get("id", "")),
        name=_contact_name(record),
        email=str(record.get("Email") or ""),
    )


def _linked_contact_of(record: Mapping[str, Any]) -> LinkedContact:
    return LinkedContact(**_contact_of(record).__dict__, role=_role_of(record)[0])


def _role_of(record: Mapping[str, Any]) -> tuple[str, str]:
    """(name, id) of ``Contact_Role``, which arrives as ``{"name", "id"}`` or a bare id."""
    role = record.get(ROLE_FIELD)
    if isinstance(role, Mapping):
        return str(role.get("name") or ""), str(role.get("id") or "")
    return "", str(role or "")


def _deal_of(record: Mapping[str, Any], *, external_id: str) -> Deal:
    role, role_id = _role_of(record)
    return Deal(
        id=str(record.get("id", "")),
        external_id=external_id,
        name=str(record.get("Deal_Name") or ""),
        stage=str(record.get("Stage") or ""),
        role=role,
        role_id=role_id,
    )


def _with_role(deal: Deal, linked: Deal | None) -> Deal:
    if linked is None:
        return deal
    return replace(deal, role=linked.role, role_id=linked.role_id)


def _contact_name(record: Mapping[str, Any]) -> str:
    full = record.get("Full_Name") or " ".join(
        str(record.get(part) or "") for part in ("First_Name", "Last_Name")
    )
    return str(full).strip() or str(record.get("id", ""))


# -- finding both sides before anything is written (the preview) ---------------------------


def external_fields(*, client: ZohoClient, module: str, metadata: Mapping[str, Any]) -> list[Field]:
    """The fields metadata marks ``external`` (zoho-api.md §3.8), in Zoho's order."""
    fields = fields_list(client=client, module=module, **metadata)
    return [item for item in fields if item.external]


def contact_find(*, client: ZohoClient, contact: ContactRef) -> Contact | None:
    """One search on the external field, or one GET by id. Search ``equals`` behaves like
    "contains" (zoho-api.md §3.3), so only an exact match counts."""
    if contact.by_id:
        record = record_get(client=client, module=CONTACTS, record_id=contact.value)
        return _contact_of(record) if record else None
    condition = Condition(field=contact.field or "", operator="equals", value=contact.value)
    page = records_search(
        client=client,
        module=CONTACTS,
        criteria=condition,
        fields=[*CONTACT_FIELDS, contact.field or ""],
    )
    exact = [
        record for record in page.records if _same_value(record.get(contact.field), contact.value)
    ]
    return _contact_of(exact[0]) if exact else None


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
                found[external_id] = _deal_of(record, external_id=external_id)
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
        _deal_of(record, external_id=str(record.get(deal_field) or "") if deal_field else "")
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
    return [_linked_contact_of(record) for record in page.records]


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
        deals = {key: _with_role(deal, roles.get(deal.id)) for key, deal in deals.items()}
    return Preview(contact=found, deals=deals)


# -- writing the links a person confirmed ---------------------------------------------------


def link_rows(
    *, client: ZohoClient, contact: ContactRef, deal_field: str, rows: list[tuple[str, str]]
) -> list[RowResult]:
    """One PUT per ≤100 rows of (deal external id, role id). Raises the whole request's
    ApiError; per-row failures come back as failed RowResults in input order."""
    body = [_row_body(deal_field, external_id, role_id) for external_id, role_id in rows]
    if contact.by_id:
        results = related_link(
            client=client,
            module=CONTACTS,
            record_id=contact.value,
            related_list=DEALS,
            related_module=DEALS,
            related_external_field=deal_field,
            rows=body,
        )
    else:
        results = related_link_by_external(
            client=client,
            module=CONTACTS,
            external_field=contact.field or "",
            external_value=contact.value,
            related_list=DEALS,
            related_external_field=deal_field,
            rows=body,
        )
    return [_row_result(result) for result in results]


def deal_unlink(*, client: ZohoClient, contact_id: str, deal_id: str) -> RowResult:
    results = related_unlink(
        client=client,
        module=CONTACTS,
        record_id=contact_id,
        related_list=DEALS,
        related_ids=[deal_id],
    )
    if not results:
        return RowResult(index=0, ok=True, code="SUCCESS", message="relation removed")
    return _row_result(results[0])


def _row_body(deal_field: str, external_id: str, role_id: str) -> dict[str, str]:
    body = {deal_field: external_id}
    if role_id:
        body[ROLE_FIELD] = role_id
    return body


def _row_result(result: RecordResult) -> RowResult:
    return RowResult(
        index=result.index,
        ok=result.ok,
        code=result.code,
        message=result.message,
        details=result.details,
        deal_id=str(result.record_id or result.details.get("id") or ""),
    )


# -- the audit: every link and unlink, on each side whose record id is known -----------------


def links_audit_write(
    *,
    user: Any,
    connection: Connection,
    action: str,
    contact_id: str,
    contact_label: str,
    writes: list[LinkWrite],
    job: Any = None,
) -> list[AuditEntry]:
    """One entry on the contact listing every deal of the call, and one on each deal naming the
    contact. A contact given only by external ID (bulk link) has no record id here: its entry
    keeps the external ID as its name, so the audit still holds the write. ``job``: the bulk
    link job the write belongs to (the history page links to it)."""
    linking = action == AuditEntry.Action.LINK

    def change(label: str, related_id: str, shown: str, write: LinkWrite) -> dict[str, Any]:
        shown = shown or related_id
        return {
            "api_name": DEALS if label == "Deal" else CONTACTS,
            "label": label,
            "before": None if linking else shown,
            "after": shown if linking else None,
            "related_id": related_id,
            "code": write.code,
            "message": write.message,
        }

    def entry(module: str, record_id: str, name: str, changes: list[dict], ok: bool, code: str):
        return AuditEntry(
            user=user,
            connection=connection,
            module=module,
            record_id=record_id,
            record_name=name[:255],
            action=action,
            changes=changes,
            response_code=code[:50],
            succeeded=ok,
            job=job,
        )

    if not writes:
        return []
    failed = [write for write in writes if not write.ok]
    code = failed[0].code if failed else writes[0].code
    entries = [
        entry(
            CONTACTS,
            contact_id,
            contact_label,
            [change("Deal", w.deal_id, w.deal_label, w) for w in writes],
            not failed,
            code,
        )
    ]
    entries += [
        entry(
            DEALS,
            write.deal_id,
            write.deal_label,
            [change("Contact", contact_id, contact_label, write)],
            write.ok,
            write.code,
        )
        for write in writes
        if write.deal_id
    ]
    return AuditEntry.objects.bulk_create(entries)


def deal_label(*, name: str, deal_field: str, external_id: str) -> str:
    """“Big deal (External_Deal_ID D-1)”, or just the external ID when the name is unknown."""
    key = f"{deal_field} {external_id}".strip()
    return f"{name} ({key})" if name else key
