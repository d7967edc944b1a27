"""Link contacts to deals by external ID: resolve both sides for a preview, link in calls of at
most 100, and report one result per row.

``types`` holds the data, ``records`` turns Zoho records into it, ``resolve`` finds both sides
(the preview), ``confirm`` writes the links and ``bulk`` links many pairs; ``crmadmin.problems``
says which input an error belongs to and in which words. Import from ``crmadmin.services.linking``.
"""

from __future__ import annotations

from crmadmin.services.linking.bulk import pairs_link
from crmadmin.services.linking.confirm import deal_unlink, link_rows
from crmadmin.services.linking.resolve import (
    CRITERIA_MAX_CHARS,
    contact_deals,
    contact_find,
    criteria_chunks,
    deal_contacts,
    deals_find,
    external_fields,
    link_preview,
    related_for,
)
from crmadmin.services.linking.types import (
    CONTACT_FIELDS,
    CONTACTS,
    DEAL_FIELDS,
    DEALS,
    MAX_DEALS,
    ROLE_FIELD,
    Contact,
    ContactRef,
    Deal,
    LinkedContact,
    Pair,
    PairResult,
    Preview,
    Related,
    RowResult,
)

__all__ = [
    "CONTACTS",
    "CONTACT_FIELDS",
    "CRITERIA_MAX_CHARS",
    "DEALS",
    "DEAL_FIELDS",
    "MAX_DEALS",
    "ROLE_FIELD",
    "Contact",
    "ContactRef",
    "Deal",
    "LinkedContact",
    "Pair",
    "PairResult",
    "Preview",
    "Related",
    "RowResult",
    "contact_deals",
    "contact_find",
    "criteria_chunks",
    "deal_contacts",
    "deal_unlink",
    "deals_find",
    "external_fields",
    "link_preview",
    "link_rows",
    "pairs_link",
    "related_for",
]
