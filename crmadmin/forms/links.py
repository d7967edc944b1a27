"""Forms for linking contacts to deals: parse what a person typed or pasted, and put Zoho's
answers (found / unknown / linked / refused) next to the input they concern."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core import signing

from crmadmin.services.linking import (
    MAX_DEALS,
    ContactRef,
    Deal,
    Pair,
    PairResult,
    Preview,
    RowResult,
    contact_missing,
    error_place,
    error_text,
    row_text,
)
from updater.errors import ZohoError
from updater.messages import user_message
from updater.metadata import ContactRole, Field

MAX_PAIRS = 5000
MAX_UPLOAD_BYTES = 1_000_000
SIGNING_SALT = "crmadmin.links.preview"
SPLIT = re.compile(r"\s*[,;\t]\s*")


@dataclass
class LinkRow:
    """One deal line of the page: what was typed, what Zoho said about it."""

    index: int
    external_id: str
    role_typed: str = ""
    role_id: str = ""
    deal: Deal | None = None
    state: str = ""  # "found" | "unknown" | "linked" | "failed"
    errors: list[str] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"deal-row-{self.index}"


def deal_lines_parse(text: str) -> tuple[list[tuple[str, str]], int]:
    """``id`` or ``id, role`` per line; blanks skipped, repeats dropped (first one wins).
    Returns the lines and how many repeats were dropped."""
    lines: dict[str, str] = {}
    repeats = 0
    for raw in text.splitlines():
        parts = SPLIT.split(raw.strip(), maxsplit=1)
        external_id = parts[0].strip()
        if not external_id:
            continue
        if external_id in lines:
            repeats += 1
            continue
        lines[external_id] = parts[1].strip() if len(parts) > 1 else ""
    return list(lines.items()), repeats


def role_match(typed: str, roles: Sequence[ContactRole]) -> ContactRole | None:
    wanted = typed.strip().casefold()
    return next((r for r in roles if wanted in (r.name.casefold(), r.id)), None)


def _field_choices(fields: Sequence[Field]) -> list[tuple[str, str]]:
    return [(item.api_name, f"{item.field_label} ({item.api_name})") for item in fields]


def _role_choices(roles: Sequence[ContactRole]) -> list[tuple[str, str]]:
    return [("", "No role"), *((role.id, role.name) for role in roles)]


class LinkForm(forms.Form):
    contact_by = forms.ChoiceField(
        label="Find the contact by",
        choices=[("external", "External ID"), ("id", "Zoho record id")],
        initial="external",
        widget=forms.RadioSelect,
    )
    contact_field = forms.ChoiceField(
        label="Contact external ID field", required=False,
        help_text="The Contacts fields Zoho marks as external IDs.",
    )  # fmt: skip
    contact_value = forms.CharField(
        label="Contact ID", max_length=255,
        help_text="The contact's external ID, or its Zoho record id.",
    )  # fmt: skip
    deal_field = forms.ChoiceField(label="Deal external ID field")
    deals = forms.CharField(
        label="Deal external IDs",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=f"One per line, up to {MAX_DEALS}. Add a role after a comma: "
        "“extdeal3, Decision Maker”.",
    )
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, contact_fields: Sequence[Field], deal_fields: Sequence[Field],
        roles: Sequence[ContactRole], connection_id: int, **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["contact_field"].choices = _field_choices(contact_fields)
        self.fields["deal_field"].choices = _field_choices(deal_fields)
        self.roles = list(roles)
        self.role_choices = _role_choices(roles)
        self.connection_id = connection_id
        self.rows: list[LinkRow] = []
        self.top_errors: list[dict[str, str]] = []
        self.repeats = 0
        self.contact_id = ""
        self.contact_name = ""
        self.mode = "input"  # "input" | "preview" | "results"
        self.notice = ""

    # -- cleaning -------------------------------------------------------------------------
    def clean_deals(self) -> list[tuple[str, str]]:
        lines, self.repeats = deal_lines_parse(self.cleaned_data["deals"])
        if not lines:
            raise forms.ValidationError("Enter at least one deal external ID.")
        if len(lines) > MAX_DEALS:
            raise forms.ValidationError(
                f"Enter at most {MAX_DEALS} deal IDs at once (you entered {len(lines)}). "
                "Use “Link many pairs” for more."
            )
        return lines

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("contact_by") == "external" and not data.get("contact_field"):
            self.add_error("contact_field", self._no_external_field_message())
        if "deals" in data and not self.errors:
            self.rows = [self._row(i, ext, role) for i, (ext, role) in enumerate(data["deals"])]
        return data

    def _no_external_field_message(self) -> str:
        if self.fields["contact_field"].choices:
            return "Choose the external ID field."
        return (
            "No Contacts field is marked as an external ID in Zoho. Find the contact by its "
            "record id, or ask your Zoho administrator to mark one."
        )

    def _row(self, index: int, external_id: str, typed: str) -> LinkRow:
        row = LinkRow(index=index, external_id=external_id, role_typed=typed)
        chosen = self.data.get(f"role_{index}") if self.is_unchanged() else None
        if chosen is not None and chosen in dict(self.role_choices):
            row.role_id = chosen
        elif typed:
            role = role_match(typed, self.roles)
            if role is None:
                names = ", ".join(r.name for r in self.roles) or "none defined"
                row.errors.append(f"No contact role “{typed}”. Roles: {names}.")
            else:
                row.role_id = role.id
        return row

    # -- the preview token: confirm only what was previewed --------------------------------
    def fingerprint(self) -> str:
        data = self.cleaned_data
        names = ("contact_by", "contact_field", "contact_value", "deal_field", "deals")
        parts = [str(self.connection_id), *(repr(data.get(name)) for name in names)]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def preview_token(self) -> str:
        # What the preview showed of each deal travels signed, so the result can repeat it.
        deals = [[r.deal.id, r.deal.name, r.deal.stage, r.deal.role] if r.deal else None
                 for r in self.rows]  # fmt: skip
        data = {"f": self.fingerprint(), "c": self.contact_id, "n": self.contact_name,
                "ok": self.can_confirm or self.mode == "results", "d": deals}  # fmt: skip
        return signing.dumps(data, salt=SIGNING_SALT)

    def _token_data(self) -> dict[str, str]:
        try:
            return signing.loads(self.data.get("previewed", ""), salt=SIGNING_SALT)
        except signing.BadSignature:
            return {}

    def is_unchanged(self) -> bool:
        """True when the input is exactly what the last preview showed."""
        return hasattr(self, "cleaned_data") and self._token_data().get("f") == self.fingerprint()

    # -- what the service needs ------------------------------------------------------------
    @property
    def contact(self) -> ContactRef:
        data = self.cleaned_data
        by_id = data["contact_by"] == "id"
        return ContactRef(value=data["contact_value"].strip(),
                          field=None if by_id else data["contact_field"])  # fmt: skip

    @property
    def deal_key(self) -> str:
        """The Deals external field the deal IDs belong to."""
        return self.cleaned_data["deal_field"]

    def preview_arguments(self) -> dict[str, Any]:
        external_ids = [row.external_id for row in self.rows]
        return {"contact": self.contact, "deal_field": self.deal_key, "external_ids": external_ids}

    def link_arguments(self) -> dict[str, Any]:
        rows = [(row.external_id, row.role_id) for row in self.rows]
        return {"contact": self.contact, "deal_field": self.deal_key, "rows": rows}

    def confirming(self) -> bool:
        """Confirm only the input the last preview showed, with nothing left to fix."""
        if not self.is_unchanged():
            self.notice = "The input changed after the preview. Check this preview, then confirm."
            return False
        token = self._token_data()
        if self.has_problems or not token.get("ok"):
            return False
        self.contact_id, self.contact_name = token.get("c", ""), token.get("n", "")
        for row, shown in zip(self.rows, token.get("d") or [], strict=False):
            if shown:
                row.deal = Deal(id=shown[0], external_id=row.external_id, name=shown[1],
                                stage=shown[2], role=shown[3])  # fmt: skip
        self.mode = "results"
        return True

    @property
    def has_problems(self) -> bool:
        return bool(self.errors or self.top_errors or any(row.errors for row in self.rows))

    # -- Zoho's answers, put next to their input -------------------------------------------
    def preview_apply(self, preview: Preview) -> None:
        if preview.contact is None:
            self.add_error("contact_value", contact_missing(self.contact))
            return
        self.contact_id, self.contact_name = preview.contact.id, preview.contact.name
        self.mode = "preview"
        for row in self.rows:
            row.deal = preview.deals.get(row.external_id)
            row.state = "found" if row.deal else "unknown"
            if row.deal is None:
                row.errors.append(f"No deal has {self.deal_key} “{row.external_id}”.")
            elif not row.role_id and not row.role_typed and row.deal.role_id:
                row.role_id = row.deal.role_id

    @property
    def row_problems(self) -> list[LinkRow]:
        return [row for row in self.rows if row.errors]

    @property
    def can_confirm(self) -> bool:
        return self.mode == "preview" and not self.has_problems

    @property
    def linked_count(self) -> int:
        return sum(row.state == "linked" for row in self.rows)

    def results_apply(self, results: Sequence[RowResult]) -> None:
        for result in results:
            row = self.rows[result.index]
            row.state = "linked" if result.ok else "failed"
            if not result.ok:
                row.errors.append(
                    row_text(result, deal_field=self.deal_key, external_id=row.external_id)
                )

    def zoho_error_apply(self, error: ZohoError) -> None:
        """The one place a Zoho error becomes a form error: contact input, deal row, the deal
        textarea, or the top of the page with what happened and what to do next."""
        place = error_place(error=error, contact=self.contact, deal_field=self.deal_key)
        if place.target == "row" and place.index is not None and place.index < len(self.rows):
            row = self.rows[place.index]
            row.state = "failed"
            text = error_text(
                error=error, place=place, contact=self.contact, deal_field=self.deal_key,
                external_id=row.external_id,
            )  # fmt: skip
            row.errors.append(text)
        elif place.target in ("contact", "deals"):
            name = "contact_value" if place.target == "contact" else "deals"
            self.add_error(name, error_text(error=error, place=place, contact=self.contact,
                                            deal_field=self.deal_key))  # fmt: skip
        else:
            words = user_message(error)
            self.top_errors.append(
                {"title": words.title, "detail": words.detail, "next_step": words.next_step}
            )


class BulkForm(forms.Form):
    contact_field = forms.ChoiceField(label="Contact external ID field")
    deal_field = forms.ChoiceField(label="Deal external ID field")
    pairs = forms.CharField(
        label="Pairs", required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text="One pair per line: contact external ID, deal external ID, role (optional). "
        "Commas or tabs (pasted from a spreadsheet).",
    )  # fmt: skip
    upload = forms.FileField(
        label="Or upload a CSV file", required=False,
        help_text="Same three columns; a header row is skipped.",
    )  # fmt: skip

    def __init__(
        self, *args: Any, contact_fields: Sequence[Field], deal_fields: Sequence[Field],
        roles: Sequence[ContactRole], **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["contact_field"].choices = _field_choices(contact_fields)
        self.fields["deal_field"].choices = _field_choices(deal_fields)
        self.roles = list(roles)
        self.top_errors: list[dict[str, str]] = []

    row_problems: tuple[()] = ()

    @property
    def has_problems(self) -> bool:
        return bool(self.errors or self.top_errors)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        text = self._upload_text(data.get("upload")) or data.get("pairs") or ""
        if self.errors:
            return data
        pairs, problems = self._pairs_parse(text)
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

    def _pairs_parse(self, text: str) -> tuple[list[Pair], list[str]]:
        dialect = "excel-tab" if "\t" in text and "," not in text else "excel"
        pairs: list[Pair] = []
        problems: list[str] = []
        for line, cells in enumerate(csv.reader(io.StringIO(text), dialect=dialect), start=1):
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if line == 1 and cells[0].casefold().startswith("contact"):
                continue  # a header row
            if len(cells) < 2 or not cells[0] or not cells[1]:
                problems.append(f"Line {line}: give a contact ID and a deal ID.")
                continue
            typed = cells[2] if len(cells) > 2 else ""
            role = role_match(typed, self.roles) if typed else None
            if typed and role is None:
                problems.append(f"Line {line}: no contact role “{typed}”.")
                continue
            pairs.append(Pair(line=line, contact=cells[0], deal=cells[1], role=typed,
                              role_id=role.id if role else ""))  # fmt: skip
        return pairs, problems[:20]


REPORT_HEADER = ["line", "contact_external_id", "deal_external_id", "role", "code", "message"]


def report_rows(results: Sequence[PairResult]) -> list[list[str]]:
    """The failures as CSV rows; cells a spreadsheet would run as formulas are defused."""
    rows = [[str(r.pair.line), r.pair.contact, r.pair.deal, r.pair.role, r.code, r.message]
            for r in results if not r.ok]  # fmt: skip
    return [[_cell(value) for value in row] for row in rows]


def _cell(value: str) -> str:
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
