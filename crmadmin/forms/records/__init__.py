"""Zoho field and layout metadata → a Django form (one table: ``types.FIELD_TYPES``)."""

from crmadmin.forms.records.builder import RecordForm, record_form_class
from crmadmin.forms.records.layout import Section, layout_for
from crmadmin.forms.records.state import FormState, state_salt
from crmadmin.forms.records.types import FIELD_TYPES, FormContext

__all__ = [
    "FIELD_TYPES",
    "FormContext",
    "FormState",
    "RecordForm",
    "Section",
    "layout_for",
    "record_form_class",
    "state_salt",
]
