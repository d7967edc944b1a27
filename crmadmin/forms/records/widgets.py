"""Widgets rendered in Python (format_html), not through per-widget templates: a 300-field form
renders hundreds of them, and these are the ones the default widgets cannot express."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join


class LookupWidget(forms.MultiWidget):
    """A search box that asks `records:lookup` for options as the user types (htmx), and the
    record id it chose. Without JavaScript the id box is a plain text input that works alone."""

    def __init__(self, *, search_url: str, attrs: Mapping[str, Any] | None = None) -> None:
        self.search_url = search_url
        widgets = {"label": forms.TextInput(), "": forms.TextInput()}
        super().__init__(widgets, attrs)

    def id_for_label(self, id_: str) -> str:
        return id_

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, Mapping):
            return [value.get("name") or "", value.get("id") or ""]
        return ["", value or ""]

    def render(self, name, value, attrs=None, renderer=None):
        label, record_id = value if isinstance(value, list | tuple) else self.decompress(value)
        attrs = dict(attrs or {})
        field_id = attrs.pop("id", f"id_{name}")
        options_id = f"{field_id}-options"
        aria = {key: val for key, val in attrs.items() if key.startswith("aria-")}
        aria_html = format_html_join(" ", '{}="{}"', aria.items())
        return format_html(
            '<div class="lookup">'
            '<input type="search" name="{name}_label" id="{id}" value="{label}" '
            'autocomplete="off" placeholder="Type to search…" role="combobox" '
            'aria-autocomplete="list" aria-expanded="false" aria-controls="{opts}" {aria} '
            'hx-get="{url}" hx-trigger="input changed delay:250ms, search" '
            'hx-target="#{opts}" hx-vals=\'{{"field": "{name}"}}\' '
            'hx-swap="innerHTML" hx-sync="this:replace" '
            'hx-params="{name}_label,field" data-lookup-input="{name}">'
            '<input type="text" name="{name}" id="{id}-id" value="{rid}" class="lookup-id" '
            'inputmode="numeric" pattern="[0-9]*" aria-label="Record ID" title="Record ID">'
            '<div id="{opts}" class="lookup-options" role="listbox" data-lookup-for="{name}">'
            "</div></div>",
            name=name,
            id=field_id,
            label=label or "",
            opts=options_id,
            aria=aria_html,
            url=self.search_url,
            rid=record_id or "",
        )


class RowsWidget(forms.Widget):
    """Linked rows (multi-select lookup, multi-user lookup, files, images) shown as a list with a
    "remove" checkbox each, plus a way to add: ids typed in, or users picked from a list."""

    def __init__(
        self,
        *,
        add: str = "",
        user_choices: tuple[tuple[str, str], ...] = (),
        search_url: str = "",
    ) -> None:
        super().__init__()
        self.add = add  # "ids", "users" or "" (no adding: files are shown and removed only)
        self.user_choices = user_choices
        self.search_url = search_url

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", lambda key: data.get(key) or [])
        return {"remove": getlist(f"{name}__remove"), "add": getlist(f"{name}__add")}

    def render(self, name, value, attrs=None, renderer=None):
        rows, removed, added = _rows_state(value)
        field_id = (attrs or {}).get("id", f"id_{name}")
        items = format_html_join(
            "",
            '<li><label class="row-remove">'
            '<input type="checkbox" name="{0}__remove" value="{1}"{3}> Remove</label>'
            ' <span class="row-label">{2}</span></li>',
            (
                (name, row_id, text, " checked" if row_id in removed else "")
                for row_id, text in rows
            ),
        )
        empty = format_html('<li class="muted small">{}</li>', "None yet.") if not rows else ""
        return format_html(
            '<div class="rows" id="{id}"><ul class="row-list">{items}{empty}</ul>{adder}</div>',
            id=field_id,
            items=items,
            empty=empty,
            adder=self._adder(name, field_id, added),
        )

    def _adder(self, name: str, field_id: str, added: list[str]) -> str:
        if self.add == "users":
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (uid, " selected" if uid in added else "", label)
                    for uid, label in self.user_choices
                ),
            )
            return format_html(
                '<label class="small" for="{id}-add">Add users</label>'
                '<select multiple name="{name}__add" id="{id}-add" size="4">{options}</select>',
                id=field_id,
                name=name,
                options=options,
            )
        if self.add == "ids":
            return format_html(
                '<label class="small" for="{id}-add">Add records (IDs, separated by commas)'
                '</label><input type="text" name="{name}__add" id="{id}-add" value="{val}" '
                'autocomplete="off">',
                id=field_id,
                name=name,
                val=", ".join(added),
            )
        return ""


def _rows_state(value: Any) -> tuple[list[tuple[str, str]], set[str], list[str]]:
    """(rows as (id, text), ids marked for removal, ids to add) from initial or posted data."""
    if isinstance(value, Mapping) and "rows_shown" in value:
        return list(value["rows_shown"]), set(value.get("remove", ())), list(value.get("add", ()))
    return [], set(), []


class ReadOnlyWidget(forms.Widget):
    """A value shown, never posted: formula, auto-number, rollup, read-only, unknown types."""

    def value_from_datadict(self, data, files, name):
        return None

    def render(self, name, value, attrs=None, renderer=None):
        # Imported here: the registry imports the field factories, which import these widgets.
        from crmadmin.datatypes import display_text

        field_id = (attrs or {}).get("id", f"id_{name}")
        text = display_text(value)
        if not text:
            return format_html('<p class="readonly muted" id="{}">—</p>', field_id)
        return format_html('<p class="readonly" id="{}">{}</p>', field_id, text)
