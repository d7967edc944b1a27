"""A form renderer that writes the common widgets in Python.

Django renders every widget through a template (input, attrs, option…), about 1 ms per widget;
a 300-field Zoho form spends most of its time there. The templates below are re-written with
format_html, byte for byte the same output; anything else falls back to the templates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: Mapping[str, Any]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        elif value is not False and value is not None:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> SafeString:
    value = widget["value"]
    value_html = format_html(' value="{}"', value) if value is not None else ""
    return mark_safe(  # noqa: S308 - every part is escaped above
        format_html('<input type="{}" name="{}"', widget["type"], widget["name"])
        + value_html + _attrs(widget["attrs"]) + ">"
    )


def _textarea(widget: Mapping[str, Any]) -> SafeString:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return mark_safe(  # noqa: S308 - every part is escaped
        format_html('<textarea name="{}"', widget["name"]) + _attrs(widget["attrs"])
        + f">\n{value}</textarea>"
    )


def _select(widget: Mapping[str, Any]) -> SafeString:
    options = []
    for group_name, group_choices, _ in widget["optgroups"]:
        if group_name:
            options.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in group_choices:
            options.append(
                format_html('\n  <option value="{}"', option["value"]) + _attrs(option["attrs"])
                + format_html(">{}</option>\n", option["label"])
            )  # fmt: skip
        if group_name:
            options.append("\n  </optgroup>")
    return mark_safe(  # noqa: S308 - every part is escaped
        format_html('<select name="{}"', widget["name"]) + _attrs(widget["attrs"]) + ">"
        + "".join(options) + "\n</select>"
    )  # fmt: skip


def _choices(widget: Mapping[str, Any]) -> SafeString:
    """checkbox_select.html / radio.html (multiple_input.html + input_option.html)."""
    attrs = widget["attrs"]
    parts = [format_html('<div id="{}"', attrs["id"]) if attrs.get("id") else "<div"]
    if attrs.get("class"):
        parts.append(format_html(' class="{}"', attrs["class"]))
    parts.append(">")
    for group, options, _ in widget["optgroups"]:
        if group:
            parts.append(format_html("\n  <div><label>{}</label>", group))
        for option in options:
            label_for = option["attrs"].get("id")
            opening = format_html('<label for="{}">', label_for) if label_for else "<label>"
            parts.append(f"<div>\n    {opening}{_input(option)}\n "
                         f"{conditional_escape(option['label'])}</label>\n\n</div>")  # fmt: skip
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped


FAST: dict[str, Callable[[Mapping[str, Any]], SafeString]] = {
    "django/forms/widgets/text.html": _input,
    "django/forms/widgets/number.html": _input,
    "django/forms/widgets/email.html": _input,
    "django/forms/widgets/url.html": _input,
    "django/forms/widgets/date.html": _input,
    "django/forms/widgets/datetime.html": _input,
    "django/forms/widgets/hidden.html": _input,
    "django/forms/widgets/checkbox.html": _input,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/checkbox_select.html": _choices,
    "django/forms/widgets/radio.html": _choices,
}


class FastWidgetRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        fast = FAST.get(template_name)
        if fast is not None and "widget" in context:
            return fast(context["widget"])
        return super().render(template_name, context, request)
