"""The forms for linking contacts to deals: the link form (one contact and up to 100 deal lines,
previewed, then confirmed, with Zoho's answers next to the input they concern) and the bulk form
(many pairs pasted or uploaded as CSV, and the CSV report of the pairs that failed).

What the preview showed of each deal travels signed in the link form, so the result page can
repeat it without asking Zoho again, and a changed input (or a tampered token) sends the person
back to a fresh preview.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS

from crmadmin.problems import (
    LINK_TEXTS,
    apply_zoho_error,
    contact_missing,
    deal_missing,
    error_place,
    error_text,
    link_problem,
    result_place,
    row_text,
)
from crmadmin.services.linking import (
    MAX_DEALS,
    ContactRef,
    Deal,
    Pair,
    Preview,
    RowResult,
)
from updater.errors import ZohoError
from updater.metadata import ContactRole, Field

MAX_PAIRS = 5000
MAX_UPLOAD_BYTES = 1_000_000
MAX_PROBLEMS_SHOWN = 20
# An external ID is a Zoho text field: 255 characters at most (zoho-api.md §2.3).
MAX_CELL_CHARS = 255
CELL_TOO_LONG = f"a cell is longer than {MAX_CELL_CHARS} characters; no external ID is that long."
SPLIT = re.compile(r"\s*[,;\t]\s*")
SIGNING_SALT = "crmadmin.links.preview"
FINGERPRINT_FIELDS = ("contact_by", "contact_field", "contact_value", "deal_field", "deals")


# -- what a person typed or pasted, read into rows ----------------------------------------


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


def pairs_parse(text: str, roles: Sequence[ContactRole]) -> tuple[list[Pair], list[str]]:
    """CSV or tab-separated (contact, deal, role) lines; a header row is skipped. Returns the
    pairs and the first problems, one sentence per bad line."""
    dialect = "excel-tab" if "\t" in text and "," not in text else "excel"
    pairs: list[Pair] = []
    problems: list[str] = []
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    for line, cells in enumerate(_rows_read(reader, problems), start=1):
        cells = [cell.strip() for cell in cells]
        if any(len(cell) > MAX_CELL_CHARS for cell in cells):
            problems.append(f"Line {line}: {CELL_TOO_LONG}")
            continue
        if not any(cells):
            continue
        if line == 1 and cells[0].casefold().startswith("contact"):
            continue  # a header row
        if len(cells) < 2 or not cells[0] or not cells[1]:
            problems.append(f"Line {line}: give a contact ID and a deal ID.")
            continue
        typed = cells[2] if len(cells) > 2 else ""
        role = role_match(typed, roles) if typed else None
        if typed and role is None:
            problems.append(f"Line {line}: no contact role “{typed}”.")
            continue
        pairs.append(
            Pair(
                line=line,
                contact=cells[0],
                deal=cells[1],
                role=typed,
                role_id=role.id if role else "",
            )
        )
    return pairs, problems[:MAX_PROBLEMS_SHOWN]


def _rows_read(reader: Any, problems: list[str]) -> Iterator[list[str]]:
    """The reader's rows until one it cannot read (mostly a cell past the csv module's limit
    of 131,072 characters): that line becomes a problem and reading stops."""
    try:
        yield from reader
    except csv.Error as error:
        too_long = "field larger than field limit" in str(error)
        problem = CELL_TOO_LONG if too_long else "this line is not valid CSV."
        problems.append(f"Line {reader.line_num}: {problem}")


def role_match(typed: str, roles: Sequence[ContactRole]) -> ContactRole | None:
    wanted = typed.strip().casefold()
    return next((r for r in roles if wanted in (r.name.casefold(), r.id)), None)


def _field_choices(fields: Sequence[Field]) -> list[tuple[str, str]]:
    return [(item.api_name, f"{item.field_label} ({item.api_name})") for item in fields]


def _role_choices(roles: Sequence[ContactRole]) -> list[tuple[str, str]]:
    return [("", "No role"), *((role.id, role.name) for role in roles)]


# -- the preview token: confirm only the input the last preview showed --------------------


def _fingerprint(*, connection_id: int, cleaned_data: dict[str, Any]) -> str:
    parts = [str(connection_id), *(repr(cleaned_data.get(name)) for name in FINGERPRINT_FIELDS)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _token_dumps(data: dict[str, Any]) -> str:
    return signing.dumps(data, salt=SIGNING_SALT)


def _token_loads(token: str) -> dict[str, Any]:
    """The signed data, or {} when the token is missing, tampered with or from elsewhere."""
    try:
        return signing.loads(token, salt=SIGNING_SALT)
    except signing.BadSignature:
        return {}


# -- the forms ------------------------------------------------------------------------------


class LinkFormBase(forms.Form):
    """Offers the Contacts and Deals external fields; Zoho's whole-request errors sit in
    ``non_field_errors`` (put there by ``crmadmin.problems.apply_zoho_error``)."""

    row_problems: Sequence[object] = ()

    def external_fields_offer(
        self, *, contact_fields: Sequence[Field], deal_fields: Sequence[Field]
    ) -> None:
        self.fields["contact_field"].choices = _field_choices(contact_fields)
        self.fields["deal_field"].choices = _field_choices(deal_fields)

    @property
    def has_problems(self) -> bool:
        return bool(self.errors or self.row_problems)

    @property
    def field_problems(self) -> bool:
        """True when some input field (not the whole request) has an error."""
        return any(name != NON_FIELD_ERRORS for name in self.errors)


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
    note: str = ""  # a failed row whose reason sits elsewhere (the top, the contact input)

    @property
    def dom_id(self) -> str:
        return f"deal-row-{self.index}"


class LinkForm(LinkFormBase):
    contact_by = forms.ChoiceField(
        label="Find the contact by",
        choices=[("external", "External ID"), ("id", "Zoho record id")],
        initial="external",
        widget=forms.RadioSelect,
    )
    contact_field = forms.ChoiceField(
        label="Contact external ID field",
        required=False,
        help_text="The Contacts fields Zoho marks as external IDs.",
    )
    contact_value = forms.CharField(
        label="Contact ID",
        max_length=255,
        help_text="The contact's external ID, or its Zoho record id.",
    )
    deal_field = forms.ChoiceField(label="Deal external ID field")
    deals = forms.CharField(
        label="Deal external IDs",
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=f"One per line, up to {MAX_DEALS}. Add a role after a comma: "
        "“extdeal3, Decision Maker”.",
    )
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        contact_fields: Sequence[Field],
        deal_fields: Sequence[Field],
        roles: Sequence[ContactRole],
        connection_id: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.external_fields_offer(contact_fields=contact_fields, deal_fields=deal_fields)
        self.roles = list(roles)
        self.role_choices = _role_choices(roles)
        self.connection_id = connection_id
        self.rows: list[LinkRow] = []
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
        return _fingerprint(connection_id=self.connection_id, cleaned_data=self.cleaned_data)

    def preview_token(self) -> str:
        deals = [
            [r.deal.id, r.deal.name, r.deal.stage, r.deal.role] if r.deal else None
            for r in self.rows
        ]
        ok = self.can_confirm or self.mode == "results"
        return _token_dumps(
            {
                "f": self.fingerprint(),
                "c": self.contact_id,
                "n": self.contact_name,
                "ok": ok,
                "d": deals,
            }
        )

    def is_unchanged(self) -> bool:
        """True when the input is exactly what the last preview showed."""
        return hasattr(self, "cleaned_data") and self._token().get("f") == self.fingerprint()

    def _token(self) -> dict[str, Any]:
        return _token_loads(self.data.get("previewed", ""))

    def confirming(self) -> bool:
        """Confirm only the input the last preview showed, with nothing left to fix."""
        if not self.is_unchanged():
            self.notice = "The input changed after the preview. Check this preview, then confirm."
            return False
        token = self._token()
        if self.has_problems or not token.get("ok"):
            return False
        self.contact_id, self.contact_name = token.get("c", ""), token.get("n", "")
        for row, shown in zip(self.rows, token.get("d") or [], strict=False):
            if shown:
                row.deal = Deal(
                    id=shown[0],
                    external_id=row.external_id,
                    name=shown[1],
                    stage=shown[2],
                    role=shown[3],
                )
        self.mode = "results"
        return True

    # -- what the service needs ------------------------------------------------------------
    @property
    def contact(self) -> ContactRef:
        data = self.cleaned_data
        by_id = data["contact_by"] == "id"
        return ContactRef(
            value=data["contact_value"].strip(), field=None if by_id else data["contact_field"]
        )

    @property
    def deal_key(self) -> str:
        """The Deals external field the deal IDs belong to."""
        return self.cleaned_data["deal_field"]

    @property
    def external_ids(self) -> list[str]:
        return [row.external_id for row in self.rows]

    @property
    def deal_rows(self) -> list[tuple[str, str]]:
        """(deal external id, role id) per row, as ``link_rows`` takes them."""
        return [(row.external_id, row.role_id) for row in self.rows]

    # -- Zoho's answers, put next to their input -------------------------------------------
    @property
    def row_problems(self) -> list[LinkRow]:  # type: ignore[override]
        return [row for row in self.rows if row.errors]

    @property
    def can_confirm(self) -> bool:
        return self.mode == "preview" and not self.has_problems

    @property
    def linked_count(self) -> int:
        return sum(row.state == "linked" for row in self.rows)

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
                row.errors.append(
                    deal_missing(deal_field=self.deal_key, external_id=row.external_id)
                )
            elif not row.role_id and not row.role_typed and row.deal.role_id:
                row.role_id = row.deal.role_id

    def results_apply(self, results: Sequence[RowResult]) -> None:
        """Zoho's answer for each row next to the input it is about: a deal's own refusal on its
        row; a refusal of the contact at the contact input; a request-wide one once at the top
        (the rows it stopped say where to look)."""
        shown: set[tuple[str, str]] = set()
        for result in results:
            row = self.rows[result.index]
            row.state = "linked" if result.ok else "failed"
            if result.ok:
                continue
            place = result_place(result, contact=self.contact, deal_field=self.deal_key)
            if place.target == "row":
                row.errors.append(
                    row_text(
                        result,
                        deal_field=self.deal_key,
                        external_id=row.external_id,
                        previewed=row.deal is not None,
                    )
                )
                continue
            row.note = LINK_TEXTS[
                "not_linked_contact" if place.target == "contact" else "not_linked"
            ]
            if (place.target, result.code) in shown:
                continue
            shown.add((place.target, result.code))
            if place.target == "contact":
                self.add_error("contact_value", contact_missing(self.contact))
            elif place.target == "deals":
                self.add_error("deals", row_text(result, deal_field=self.deal_key, external_id=""))
            else:
                self.add_error(None, link_problem(result.code, result.message).html)

    def zoho_error_apply(self, error: ZohoError) -> None:
        """A Zoho error next to its input: the contact, a deal row, or the deal textarea; an
        error about the whole request goes through the shared ``apply_zoho_error``."""
        place = error_place(error=error, contact=self.contact, deal_field=self.deal_key)
        words = {
            "error": error,
            "place": place,
            "contact": self.contact,
            "deal_field": self.deal_key,
        }
        if place.target == "row" and place.index is not None and place.index < len(self.rows):
            row = self.rows[place.index]
            row.state = "failed"
            row.errors.append(
                error_text(**words, external_id=row.external_id, previewed=row.deal is not None)
            )
        elif place.target in ("contact", "deals"):
            name = "contact_value" if place.target == "contact" else "deals"
            self.add_error(name, error_text(**words))
        else:
            apply_zoho_error(self, error)


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
