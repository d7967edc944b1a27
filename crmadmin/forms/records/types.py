"""Form-field factories, one per kind of Zoho field (zoho-api.md §2.3 for every limit).

Every factory takes the field's metadata, the form context and whether the layout marks it
required, and returns a Django form field named after the field's ``api_name``. Which factory a
``data_type`` uses is its entry in the type registry, ``crmadmin.datatypes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.urls import reverse

from crmadmin.forms.records.fields import (
    FileRowsField,
    LookupField,
    ReadOnlyField,
    RichTextField,
    RowsField,
    RuledCharField,
    RuledDecimalField,
    RuledEmailField,
    RuledIntegerField,
    RuledRegexField,
    SubformField,
    ZohoDateTimeField,
)
from crmadmin.forms.records.widgets import (
    FileRowsWidget,
    LookupWidget,
    ReadOnlyWidget,
    RichTextWidget,
    RowsWidget,
)
from updater.metadata import Field

# Zoho's own limits where metadata gives no length (zoho-api.md §2.3).
TEXTAREA_LENGTHS = {"small": 2000, "large": 32000, "rich_text": 50000}
PHONE = re.compile(r"^\+?[0-9][0-9 ()./\-#*;,xXeEtT]*$")
WEBSITE = re.compile(
    r"^(https?://)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(:\d{1,5})?([/?#]\S*)?$", re.I
)
BIGINT = re.compile(r"^-?[0-9]{1,18}$")
# What Zoho calls the org's users as a linked module; records:lookup searches them by name or email.
USERS = "users"


@dataclass(frozen=True)
class FormContext:
    """What a form needs beyond field metadata: whose org and its time zone. The org's users
    are not here: user fields search them with the lookup picker, only when asked."""

    connection_id: int
    time_zone: ZoneInfo
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def search_url(self, module: str | None) -> str:
        if not module:
            return ""
        return reverse("records:lookup", args=[self.connection_id, module])


Factory = Callable[[Field, FormContext, bool], forms.Field]


def _common(meta: Field, required: bool) -> dict[str, Any]:
    return {
        "label": meta.field_label or meta.api_name,
        "required": required,
        "help_text": meta.tooltip or "",
    }


def text(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    return RuledCharField(max_length=meta.length or 255, strip=False, **_common(meta, required))


def textarea(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    kind = (meta.raw.get("textarea") or {}).get("type") or "small"
    limit = meta.length or TEXTAREA_LENGTHS.get(kind, 2000)
    if kind == "rich_text":  # HTML, edited as rich text, cleaned by nh3 when shown and sent
        return RichTextField(
            max_length=limit, widget=RichTextWidget, strip=False, **_common(meta, required)
        )
    rows = 3 if kind == "small" else 6
    widget = forms.Textarea(attrs={"rows": rows, "data-kind": kind})
    return RuledCharField(max_length=limit, widget=widget, strip=False, **_common(meta, required))


def email(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    return RuledEmailField(max_length=meta.length or 100, **_common(meta, required))


def phone(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    return RuledRegexField(
        PHONE,
        max_length=meta.length or 30,
        widget=forms.TextInput(attrs={"type": "tel"}),
        error_messages={"invalid": "Enter a phone number: digits, spaces, + ( ) - . only."},
        **_common(meta, required),
    )


def website(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    return RuledRegexField(
        WEBSITE,
        max_length=meta.length or 255,
        error_messages={"invalid": "Enter a web address, e.g. www.example.com."},
        **_common(meta, required),
    )


def integer(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    limit = 10 ** min(meta.length or 9, 9) - 1
    return RuledIntegerField(min_value=-limit, max_value=limit, **_common(meta, required))


def bigint(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    return RuledRegexField(
        BIGINT,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": "Enter a whole number of at most 18 digits."},
        **_common(meta, required),
    )


def _number(meta: Field, required: bool, *, digits: int, places: int) -> forms.Field:
    step = "any" if places == 0 else str(Decimal(1).scaleb(-places))
    return RuledDecimalField(
        max_digits=digits + places,
        decimal_places=places,
        widget=forms.NumberInput(attrs={"step": step}),
        **_common(meta, required),
    )


def double(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    places = meta.decimal_place if meta.decimal_place is not None else 9
    return _number(meta, required, digits=meta.length or 16, places=min(places, 9))


def currency(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    places = meta.precision if meta.precision is not None else (meta.decimal_place or 2)
    return _number(meta, required, digits=meta.length or 16, places=places)


def percent(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    places = meta.decimal_place if meta.decimal_place is not None else 2
    return _number(meta, required, digits=min(meta.length or 5, 5), places=places)


def boolean(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    return forms.BooleanField(**_common(meta, False))


def date(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(widget=widget, input_formats=["%Y-%m-%d"], **_common(meta, required))


def datetime_(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    common = _common(meta, required)
    offset = datetime.now(ctx.time_zone).strftime("%z")
    zone = f"Time in {ctx.time_zone.key} (UTC{offset[:3]}:{offset[3:]})."
    common["help_text"] = f"{common['help_text']} {zone}".strip()
    return ZohoDateTimeField(time_zone=ctx.time_zone, **common)


def _options(meta: Field) -> list[tuple[str, str]]:
    return [(option.actual_value, option.display_value) for option in meta.pick_list_values]


def picklist(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    options = [(value, label) for value, label in _options(meta) if value != "-None-"]
    return forms.ChoiceField(choices=[("", "-None-"), *options], **_common(meta, required))


def multiselectpicklist(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    widget = forms.CheckboxSelectMultiple(attrs={"class": "choice-list"})
    return forms.MultipleChoiceField(
        choices=_options(meta), widget=widget, **_common(meta, required)
    )


def lookup(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    module = meta.lookup_module or ""
    return LookupField(search_url=ctx.search_url(module), module=module, **_common(meta, required))


def user(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    """Owner and user lookups: one of the org's users, picked with the lookup picker, which
    searches the org's users by name or email as the person types (the list is fetched then,
    never to draw the form); the box shows the user the record names. Owner can never be
    emptied; other user lookups may be."""
    widget = LookupWidget(
        search_url=ctx.search_url(USERS),
        placeholder="Type a name or email…",
        options_label="Matching users",
    )
    return LookupField(
        search_url=ctx.search_url(USERS),
        module=USERS,
        clearable=meta.data_type != "ownerlookup",
        pick_text="Pick a user from the list.",
        widget=widget,
        **_common(meta, required),
    )


def multiselectlookup(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    """Records added with the lookup picker (by name), never by typed ids."""
    target = (meta.multi_lookup.connected_module if meta.multi_lookup else None) or ""
    widget = RowsWidget(search_url=ctx.search_url(target))
    return RowsField(inner=_inner(meta), module=target, widget=widget, **_common(meta, False))


def multiuserlookup(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    """Users added with the lookup picker, searching the org's users by name or email."""
    # Zoho names the org's users "users" as the linked module; records:lookup searches them.
    target = (meta.multi_lookup.connected_module if meta.multi_lookup else None) or USERS
    widget = RowsWidget(search_url=ctx.search_url(target))
    return RowsField(inner=_inner(meta), module=target, widget=widget, **_common(meta, False))


def files(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    image = meta.data_type == "imageupload"
    widget = FileRowsWidget(image=image)
    return FileRowsField(image=image, widget=widget, **_common(meta, False))


def subform(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    return SubformField(label=meta.field_label, help_text=meta.tooltip or "")


def read_only(meta: Field, ctx: FormContext, required: bool) -> forms.Field:
    rich = (meta.raw.get("textarea") or {}).get("type") == "rich_text"
    return ReadOnlyField(
        label=meta.field_label or meta.api_name,
        help_text=meta.tooltip or "",
        widget=ReadOnlyWidget(html=rich),
    )


def _inner(meta: Field) -> str | None:
    links = meta.multi_lookup
    return (links.connected_lookup_api_name or links.lookup_api_name or None) if links else None
