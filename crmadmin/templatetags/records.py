"""Template helpers for the record edit form: one field row, widgets with aria attributes, and
Zoho values in a person's words."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.forms import BoundField

from crmadmin.datatypes import display_text
from crmadmin.forms.records.fields import ReadOnlyField, SubformField
from crmadmin.problems import problem_for

register = template.Library()


@register.inclusion_tag("crmadmin/_field_row.html", takes_context=True)
def field_row(context: dict, form: Any, name: str) -> dict[str, Any]:
    bf = form[name]
    companions = [
        form[extra] for extra in (f"{name}__append", f"{name}__resolve") if extra in form.fields
    ]
    field = bf.field
    return {
        "bf": bf,
        "form": form,
        "companions": companions,
        "readonly": isinstance(field, ReadOnlyField) and not isinstance(field, SubformField),
        "subform": form.subforms.get(name) if hasattr(form, "subforms") else None,
        "check_url": context.get("check_url_base", "") + f"{name}/"
        if "check_url_base" in context
        else "",
        "conflict": (getattr(form, "form_state", None) and form.form_state.conflicts.get(name)),
    }


@register.simple_tag
def widget(bf: BoundField) -> str:
    """The field's widget with aria-invalid and aria-describedby pointing at help and errors."""
    described = []
    if bf.help_text:
        described.append(f"{bf.auto_id}-help")
    if bf.errors:
        described.append(f"{bf.auto_id}-error")
    attrs: dict[str, Any] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bf.errors:
        attrs["aria-invalid"] = "true"
    return bf.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def zoho_value(context: dict, value: Any) -> str:
    """A Zoho value as a person reads it; date-times in the org's time zone."""
    form = context.get("form")
    time_zone = getattr(getattr(form, "context", None), "time_zone", None)
    return display_text(value, time_zone=time_zone) or "—"


@register.filter
def list_url(query: Any, path: str) -> str:
    """A link to the record list at ``path`` in the state ``query`` (a ``ListQuery``)."""
    return f"{path}?{urlencode(query.params())}"


@register.filter
def field_label(form: Any, name: str) -> str:
    name = name.removesuffix("__resolve").removesuffix("__append")
    if name in getattr(form, "fields", {}):
        return str(form.fields[name].label or name)
    return name


@register.filter
def bound(form: Any, name: str) -> BoundField:
    return form[name]


@register.filter
def record_error(error: Any) -> str:
    """A record page's error (its load failed) in words: title, detail, next step."""
    return problem_for(error, record=True).html
