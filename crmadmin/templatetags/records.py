"""Template helpers for the record edit form: one field row with the page's extras, and Zoho values
in a person's words."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from crmadmin import templating
from crmadmin.problems import problem_for
from crmadmin.templating import cell_text, with_id

register = template.Library()


@register.simple_tag(takes_context=True)
def field_row(context: dict, form: Any, name: str) -> str:
    """One row through the project renderer (``{{ field.as_field_group }}``); on the record page
    with the URL that checks the field on its own as the user leaves it."""
    return templating.field_row(form, name, context.get("check_url_base") or "")


@register.simple_tag(takes_context=True)
def record_form(context: Any) -> str:
    """The record form (templates/jinja2/crmadmin/records/form.html) with this page's context."""
    form = engines["jinja2"].get_template("crmadmin/records/form.html")
    html = form.render(context.flatten(), request=context.get("request"))
    return mark_safe(html)  # noqa: S308 - Jinja2 escaped every value in it (autoescape is on)


@register.simple_tag(takes_context=True)
def zoho_value(context: dict, value: Any) -> str:
    """A Zoho value as a person reads it; date-times in the org's time zone."""
    return templating.zoho_value(value, context.get("form"))


@register.filter
def list_url(query: Any, path: str) -> str:
    """A link to the record list at ``path`` in the state ``query`` (a ``ListQuery``)."""
    return f"{path}?{urlencode(query.params())}"


register.filter("cell_text", cell_text, is_safe=True)
register.filter("with_id", with_id)


@register.simple_tag
def record_rows(table: Any, edit_url: str, can_bulk: bool) -> str:
    """The list's rows (``<tr>``s), drawn by Jinja2: a 200-row page has a thousand cells."""
    rows = engines["jinja2"].get_template("crmadmin/records/rows.html")
    html = rows.render({"rows": table.rows, "edit_url": edit_url, "can_bulk": can_bulk})
    return mark_safe(html)  # noqa: S308 - Jinja2 escaped every value in it (autoescape is on)


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
