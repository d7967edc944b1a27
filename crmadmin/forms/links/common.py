"""What both link forms share: the external-field choices and where problems are shown."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from crmadmin.forms.links.parsing import field_choices
from updater.metadata import Field


class LinkFormBase(forms.Form):
    """Offers the Contacts and Deals external fields; Zoho's whole-request errors sit in
    ``non_field_errors`` (put there by ``crmadmin.forms.errors.apply_zoho_error``)."""

    row_problems: Sequence[object] = ()

    def external_fields_offer(
        self, *, contact_fields: Sequence[Field], deal_fields: Sequence[Field]
    ) -> None:
        self.fields["contact_field"].choices = field_choices(contact_fields)
        self.fields["deal_field"].choices = field_choices(deal_fields)

    @property
    def has_problems(self) -> bool:
        return bool(self.errors or self.row_problems)

    @property
    def field_problems(self) -> bool:
        """True when some input field (not the whole request) has an error."""
        return any(name != NON_FIELD_ERRORS for name in self.errors)
