"""The one place an ``updater`` error becomes form errors.

Usage (any Django form; field names are Zoho api_names)::

    try:
        updater.records.record_update(...)
    except ZohoError as error:
        apply_zoho_error(form, error, labels={"Email": "Work email"})
        return render(request, template, {"form": form}, status=422)

``apply_zoho_error(form, error, *, labels=None) -> None``

- Each field error (``error.field_errors``: INVALID_DATA, MANDATORY_NOT_FOUND, DUPLICATE_DATA,
  DEPENDENT_MISMATCH, LIMIT_EXCEEDED …) lands on the form field of the same api_name, in
  ``updater.messages.field_message`` words. A ``json_path`` into a subform row
  (``$.data[0].Items[2].Qty``) lands on that row when the form has ``subforms`` (RecordForm).
  DUPLICATE_DATA adds a link to the duplicate record when the form knows its connection.
- Everything else (RECORD_LOCKED, NOT_APPROVED, NO_PERMISSION, OAUTH_SCOPE_MISMATCH, a bad id,
  rate limits, timeouts, a connection that needs reconnecting …) becomes a non-field error:
  ``updater.messages.user_message`` title, detail and next step.
- ``labels`` maps api_names to the words a person sees; by default the form field's label.
- The error is also kept on ``form.zoho_error`` so a template can offer e.g. a reconnect link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from updater.errors import ApiError, FieldError, RateLimitError, ZohoError
from updater.messages import RECORD_LEVEL, field_message, user_message

SUBFORM_PATH = re.compile(
    r"^\$\.data\[\d+\]\.(?P<subform>\w+)\[(?P<row>\d+)\](?:\.(?P<field>\w+))?"
)


def apply_zoho_error(
    form: forms.BaseForm, error: ZohoError, *, labels: Mapping[str, str] | None = None
) -> None:
    """Put ``error`` where a person looks for it on ``form`` (see the module docstring)."""
    form.zoho_error = error
    field_errors = list(error.field_errors) if isinstance(error, ApiError) else []
    placed = [fe for fe in field_errors if _place_field_error(form, fe, labels or {})]
    if placed and len(placed) == len(field_errors):
        return
    form.add_error(None, record_message(error, has_fields=bool(placed)))


def record_message(error: ZohoError, *, has_fields: bool = False) -> Any:
    """The non-field words for ``error``: title, detail and next step."""
    code = getattr(error, "code", "")
    message = user_message(error)
    if isinstance(error, ApiError) and not has_fields and code in RECORD_LEVEL:
        message = RECORD_LEVEL[code]
    detail = message.detail
    if isinstance(error, RateLimitError) and error.retry_after:
        detail = f"{detail} Zoho asks to wait {round(error.retry_after)} seconds."
    return format_html(
        '<strong class="error-title">{}.</strong> {} <span class="next-step">{}</span>',
        message.title.rstrip("."),
        detail,
        message.next_step,
    )


def _place_field_error(form: forms.BaseForm, fe: FieldError, labels: Mapping[str, str]) -> bool:
    if _place_subform_error(form, fe, labels):
        return True
    name = fe.api_name
    if not name or name not in form.fields:
        return False
    label = labels.get(name) or str(form.fields[name].label or name)
    form.add_error(name, _field_text(form, fe, label))
    return True


def _field_text(form: forms.BaseForm, fe: FieldError, label: str) -> Any:
    text = field_message(fe, label=label)
    if fe.code == "LIMIT_EXCEEDED" and fe.message and "limit" not in fe.details:
        text = fe.message
    duplicate = fe.details.get("duplicate_record") if fe.code == "DUPLICATE_DATA" else None
    url = _duplicate_url(form, duplicate) if isinstance(duplicate, Mapping) else None
    if url:
        return format_html('{} <a href="{}">Open the other record</a>.', text, url)
    return text


def _duplicate_url(form: forms.BaseForm, duplicate: Mapping[str, Any]) -> str | None:
    context = getattr(form, "context", None)
    connection_id = getattr(context, "connection_id", None) or getattr(form, "connection_id", None)
    module = (duplicate.get("module") or {}).get("api_name") or getattr(form, "module", None)
    if not (connection_id and module and duplicate.get("id")):
        return None
    try:
        return reverse("records:edit", args=[connection_id, module, str(duplicate["id"])])
    except NoReverseMatch:
        return None


def _place_subform_error(form: forms.BaseForm, fe: FieldError, labels: Mapping[str, str]) -> bool:
    match = SUBFORM_PATH.match(fe.json_path or "")
    subforms = getattr(form, "subforms", None) or {}
    if not match or match["subform"] not in subforms:
        return False
    rows = subforms[match["subform"]]
    positions = [index for index, _ in rows.rows_with_index()]
    payload_row = int(match["row"])
    if payload_row >= len(positions):
        return False
    row_form = rows.formset.forms[positions[payload_row]]
    name = match["field"] or fe.api_name
    if name in row_form.fields:
        label = labels.get(name) or str(row_form.fields[name].label or name)
        row_form.add_error(name, _field_text(form, fe, label))
    else:
        row_form.add_error(None, _field_text(form, fe, name or "This row"))
    form.add_error(
        None, f"Row {positions[payload_row] + 1} of {rows.field.field_label} needs attention."
    )
    return True
