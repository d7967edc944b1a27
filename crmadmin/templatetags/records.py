"""Template helpers for the record edit form: one field row with the page's extras, and Zoho values
in a person's words."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.forms import BoundField

from crmadmin.forms.errors import record_message
from crmadmin.forms.records.fields import ZohoDateTimeField
from crmadmin.forms.records.widgets import display_text

register = template.Library()


@register.simple_tag(takes_context=True)
def field_row(context: dict, form: Any, name: str, **extra: Any) -> str:
    """One row through the project renderer (``{{ field.as_field_group }}``), with the page's
    extras as context: on the record page the URL that checks the field on its own as the user
    leaves it; ``cell=True`` for a subform cell (the column header is its label)."""
    bf = form[name]
    if "check_url_base" in context and not extra.get("cell"):
        extra["check_url"] = f"{context['check_url_base']}{name}/"
    if not extra:
        return bf.as_field_group()
    return bf.render(context={**bf.get_context(), **extra})


@register.simple_tag(takes_context=True)
def zoho_value(context: dict, value: Any) -> str:
    """A Zoho value as a person reads it; date-times in the org's time zone."""
    form = context.get("form")
    time_zone = getattr(getattr(form, "context", None), "time_zone", None)
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if time_zone is not None and value.tzinfo is not None:
            value = value.astimezone(time_zone)
        return value.strftime("%Y-%m-%d %H:%M:%S %z").strip()
    if isinstance(value, dict) and "rows_shown" in value:
        return ", ".join(text for _, text in value["rows_shown"]) or "—"
    return display_text(value) or "—"


@register.filter
def is_datetime_field(bf: BoundField) -> bool:
    return isinstance(bf.field, ZohoDateTimeField)


@register.filter
def field_label(form: Any, name: str) -> str:
    name = name.removesuffix("__resolve").removesuffix("__append")
    if name in getattr(form, "fields", {}):
        return str(form.fields[name].label or name)
    return name


@register.filter
def record_error(error: Any) -> str:
    return record_message(error)
