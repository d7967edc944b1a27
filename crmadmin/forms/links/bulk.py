"""The bulk link form: many (contact, deal, role) pairs pasted or uploaded as CSV, and the CSV
report of the pairs that failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from crmadmin.forms.links.common import LinkFormBase
from crmadmin.forms.links.parsing import pairs_parse
from crmadmin.services.linking import PairResult
from updater.metadata import ContactRole, Field

MAX_PAIRS = 5000
MAX_UPLOAD_BYTES = 1_000_000
REPORT_HEADER = ["line", "contact_external_id", "deal_external_id", "role", "code", "message"]


class BulkForm(LinkFormBase):
    contact_field = forms.ChoiceField(label="Contact external ID field")
    deal_field = forms.ChoiceField(label="Deal external ID field")
    pairs = forms.CharField(
        label="Pairs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text="One pair per line: contact external ID, deal external ID, role (optional). "
        "Commas or tabs (pasted from a spreadsheet).",
    )
    upload = forms.FileField(
        label="Or upload a CSV file",
        required=False,
        help_text="Same three columns; a header row is skipped.",
    )

    def __init__(
        self,
        *args: Any,
        contact_fields: Sequence[Field],
        deal_fields: Sequence[Field],
        roles: Sequence[ContactRole],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.external_fields_offer(contact_fields=contact_fields, deal_fields=deal_fields)
        self.roles = list(roles)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        text = self._upload_text(data.get("upload")) or data.get("pairs") or ""
        if self.errors:
            return data
        pairs, problems = pairs_parse(text, self.roles)
        if problems:
            self.add_error("pairs" if not data.get("upload") else "upload", problems)
        elif not pairs:
            self.add_error("pairs", "Paste at least one pair, or upload a CSV file.")
        elif len(pairs) > MAX_PAIRS:
            self.add_error("pairs", f"At most {MAX_PAIRS} pairs at once (you gave {len(pairs)}).")
        data["pair_rows"] = pairs
        return data

    def _upload_text(self, upload: Any) -> str:
        if not upload:
            return ""
        if upload.size > MAX_UPLOAD_BYTES:
            self.add_error("upload", "The file is larger than 1 MB; split it into smaller files.")
            return ""
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.add_error("upload", "Save the file as CSV in UTF-8, then upload it again.")
            return ""


def report_rows(results: Sequence[PairResult]) -> list[list[str]]:
    """The failures as CSV rows; cells a spreadsheet would run as formulas are defused."""
    rows = [
        [str(r.pair.line), r.pair.contact, r.pair.deal, r.pair.role, r.code, r.message]
        for r in results
        if not r.ok
    ]
    return [[_cell(value) for value in row] for row in rows]


def _cell(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
