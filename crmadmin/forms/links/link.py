"""The link form: one contact and up to 100 deal lines, previewed, then confirmed, with Zoho's
answers (found / unknown / linked / refused) next to the input they concern."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms

from crmadmin.forms.links.common import LinkFormBase
from crmadmin.forms.links.parsing import deal_lines_parse, role_choices, role_match
from crmadmin.forms.links.token import fingerprint, token_dumps, token_loads
from crmadmin.problems import (
    apply_zoho_error,
    contact_missing,
    deal_missing,
    error_place,
    error_text,
    row_text,
)
from crmadmin.services.linking import (
    MAX_DEALS,
    ContactRef,
    Deal,
    Preview,
    RowResult,
)
from updater.errors import ZohoError
from updater.metadata import ContactRole, Field


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
        self.role_choices = role_choices(roles)
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
        return fingerprint(connection_id=self.connection_id, cleaned_data=self.cleaned_data)

    def preview_token(self) -> str:
        deals = [
            [r.deal.id, r.deal.name, r.deal.stage, r.deal.role] if r.deal else None
            for r in self.rows
        ]
        ok = self.can_confirm or self.mode == "results"
        return token_dumps(
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
        return token_loads(self.data.get("previewed", ""))

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

    def preview_arguments(self) -> dict[str, Any]:
        external_ids = [row.external_id for row in self.rows]
        return {"contact": self.contact, "deal_field": self.deal_key, "external_ids": external_ids}

    def link_arguments(self) -> dict[str, Any]:
        rows = [(row.external_id, row.role_id) for row in self.rows]
        return {"contact": self.contact, "deal_field": self.deal_key, "rows": rows}

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
        for result in results:
            row = self.rows[result.index]
            row.state = "linked" if result.ok else "failed"
            if not result.ok:
                row.errors.append(
                    row_text(result, deal_field=self.deal_key, external_id=row.external_id)
                )

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
            row.errors.append(error_text(**words, external_id=row.external_id))
        elif place.target in ("contact", "deals"):
            name = "contact_value" if place.target == "contact" else "deals"
            self.add_error(name, error_text(**words))
        else:
            apply_zoho_error(self, error)
