"""The project's Jinja2 environment (the ``jinja2`` entry of settings.TEMPLATES; the form
renderer uses the same engine) and the helpers its templates and the Django templates share.

Django templates draw the pages; Jinja2 draws what repeats hundreds of times per page: the record
form with every row and widget (crmadmin/forms/renderer.py) and the rows of the record list
(issue #16: Django's template language spent most of those pages' time there). Jinja2 templates
live in ``templates/jinja2/``; autoescaping is always on; a missing name or attribute is empty, as
in a Django template, also down a chain (``form.zoho_error.needs_reconnect``).
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

import jinja2
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator


def environment(**options: Any) -> jinja2.Environment:
    options.pop("autoescape", None)  # Django's backend asks for it too: always on here
    options["undefined"] = jinja2.ChainableUndefined
    env = jinja2.Environment(autoescape=True, **options)
    env.globals.update(zoho_value=zoho_value, row_of=row_of, django_include=django_include, url=url)
    env.filters.update(cell_text=cell_text, with_id=with_id)
    return env


def field_row(form: Any, name: str, check_url_base: str = "") -> str:
    """One form row through the project renderer; on a record page (``check_url_base``) with
    the URL that checks the field on its own as the user leaves it."""
    bf = form[name]
    if not check_url_base:
        return bf.as_field_group()
    return bf.render(context={"field": bf, "row": row_of(form, name, check_url_base)})


def row_of(form: Any, name: str, check_url_base: str = "") -> Any:
    """One row's context for the ``field_row`` macro (the record form draws its rows with it in
    one template pass); with ``check_url_base``, the URL that checks the field on its own."""
    return form[name].row_context(f"{check_url_base}{name}/" if check_url_base else "")


@jinja2.pass_context
def django_include(context: Any, template_name: str, **values: Any) -> str:
    """A Django template (a rarely drawn part, such as the conflict panel) inside a Jinja2 one,
    with the request's context processors (``perms``)."""
    return render_to_string(template_name, values, request=context.get("request"))


def url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def zoho_value(value: Any, form: Any = None) -> str:
    """A Zoho value as a person reads it; date-times in the form's org's time zone."""
    from crmadmin.datatypes import display_text

    time_zone = getattr(getattr(form, "context", None), "time_zone", None)
    return display_text(value, time_zone=time_zone) or "—"


def cell_text(value: Any, length: int = 80) -> str:
    """Django's ``truncatechars`` with a fast way out for the usual short cell (a 200-row list has
    a thousand cells; the full path looks up the translated ellipsis for each)."""
    text = unicodedata.normalize("NFC", str(value))
    return text if len(text) <= int(length) else Truncator(text).chars(length)


def with_id(url: str, record_id: Any) -> str:
    """A record's URL from the list's one reversed URL with the ``ROW_ID`` placeholder (one
    ``reverse`` per page, not per row)."""
    head, _, tail = url.rpartition("ROW_ID")
    return f"{head}{quote(str(record_id), safe='')}{tail}"
