"""Template helpers for the record edit form: one field row with the page's extras, and Zoho values
in a person's words."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote, urlencode

from django import template
from django.utils.text import Truncator

from crmadmin.forms.renderer import zoho_value as value_text
from crmadmin.problems import problem_for

register = template.Library()


@register.simple_tag(takes_context=True)
def field_row(context: dict, form: Any, name: str) -> str:
    """One row through the project renderer (``{{ field.as_field_group }}``); on the record page
    with the URL that checks the field on its own as the user leaves it."""
    bf = form[name]
    if "check_url_base" not in context:
        return bf.as_field_group()
    return bf.render(
        context={**bf.get_context(), "check_url": f"{context['check_url_base']}{name}/"}
    )


@register.simple_tag(takes_context=True)
def zoho_value(context: dict, value: Any) -> str:
    """A Zoho value as a person reads it; date-times in the org's time zone."""
    return value_text(value, context.get("form"))


@register.filter
def list_url(query: Any, path: str) -> str:
    """A link to the record list at ``path`` in the state ``query`` (a ``ListQuery``)."""
    return f"{path}?{urlencode(query.params())}"


@register.filter(is_safe=True)
def cell_text(value: Any, length: int = 80) -> str:
    """Django's ``truncatechars`` with a fast way out for the usual short cell (a 200-row list has
    a thousand cells; the full path looks up the translated ellipsis for each)."""
    text = unicodedata.normalize("NFC", str(value))
    return text if len(text) <= int(length) else Truncator(text).chars(length)


@register.filter
def with_id(url: str, record_id: Any) -> str:
    """A record's URL from the list's one reversed URL with the ``ROW_ID`` placeholder (one
    ``reverse`` per page, not per row)."""
    head, _, tail = url.rpartition("ROW_ID")
    return f"{head}{quote(str(record_id), safe='')}{tail}"


@register.filter
def field_label(form: Any, name: str) -> str:
    name = name.removesuffix("__resolve").removesuffix("__append")
    if name in getattr(form, "fields", {}):
        return str(form.fields[name].label or name)
    return name


@register.filter
def record_error(error: Any) -> str:
    """A record page's error (its load failed) in words: title, detail, next step."""
    return problem_for(error, record=True).html
