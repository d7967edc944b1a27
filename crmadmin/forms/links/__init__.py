"""Forms for linking contacts to deals: ``link`` (one contact, up to 100 deals, preview then
confirm), ``bulk`` (many pairs, CSV report), ``parsing`` (what was typed or pasted), ``token``
(the signed preview). Import from ``crmadmin.forms.links``."""

from __future__ import annotations

from crmadmin.forms.links.bulk import (
    MAX_PAIRS,
    MAX_UPLOAD_BYTES,
    REPORT_HEADER,
    BulkForm,
    report_rows,
)
from crmadmin.forms.links.link import LinkForm, LinkRow
from crmadmin.forms.links.parsing import deal_lines_parse, pairs_parse, role_match

__all__ = [
    "MAX_PAIRS",
    "MAX_UPLOAD_BYTES",
    "REPORT_HEADER",
    "BulkForm",
    "LinkForm",
    "LinkRow",
    "deal_lines_parse",
    "pairs_parse",
    "report_rows",
    "role_match",
]
