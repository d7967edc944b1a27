"""Write the links a person confirmed: one PUT per ≤100 deal rows, or remove one.

The link itself is Zoho's "Update Related Records Using External ID" call
(reference/zoho-update-related-records-by-external-id.txt): ``PUT /Contacts/{ext}/Deals`` with
``X-EXTERNAL: Contacts.<field>,Deals.<field>``, or ``PUT /Contacts/{id}/Deals`` with only
``Deals.<field>`` when the contact is given by record id.
"""

from __future__ import annotations

from crmadmin.services.linking.types import CONTACTS, DEALS, ROLE_FIELD, ContactRef, RowResult
from updater.client import ZohoClient
from updater.errors import RecordResult
from updater.relations import related_link, related_link_by_external, related_unlink


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
        deal_id=result.record_id or "",
        details=result.details,
    )
