"""The widgets Django's own cannot express, each rendered by its template under
templates/crmadmin/widgets/ (through settings.FORM_RENDERER, like every other widget)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms


class LookupWidget(forms.MultiWidget):
    """A search box that asks `records:lookup` for options as the user types (htmx), and the
    record id it chose. Without JavaScript the id box is a plain text input that works alone."""

    template_name = "crmadmin/widgets/lookup.html"

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

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        label, record_id = value if isinstance(value, list | tuple) else self.decompress(value)
        attrs = dict(attrs or {})
        field_id = attrs.pop("id", f"id_{name}")
        # Only the row's aria-* attributes reach the search box (required/disabled do not).
        aria = {key: val for key, val in attrs.items() if key.startswith("aria-")}
        return {
            "widget": {
                "name": name,
                "id": field_id,
                "options_id": f"{field_id}-options",
                "label": label or "",
                "record_id": record_id or "",
                "search_url": self.search_url,
                "attrs": aria,
            }
        }


class RowsWidget(forms.Widget):
    """Linked rows (multi-select lookup, multi-user lookup, files, images) shown as a list with a
    "remove" checkbox each, plus a way to add: ids typed in, or users picked from a list."""

    template_name = "crmadmin/widgets/rows.html"

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

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        rows, removed, added = _rows_state(value)
        return {
            "widget": {
                "name": name,
                "id": (attrs or {}).get("id", f"id_{name}"),
                "rows": [(row_id, text, row_id in removed) for row_id, text in rows],
                "add": self.add,
                "users": [(uid, label, uid in added) for uid, label in self.user_choices]
                if self.add == "users"
                else [],
                "added": ", ".join(added),
            }
        }


def _rows_state(value: Any) -> tuple[list[tuple[str, str]], set[str], list[str]]:
    """(rows as (id, text), ids marked for removal, ids to add) from initial or posted data."""
    if isinstance(value, Mapping) and "rows_shown" in value:
        return list(value["rows_shown"]), set(value.get("remove", ())), list(value.get("add", ()))
    return [], set(), []


class ReadOnlyWidget(forms.Widget):
    """A value shown, never posted: formula, auto-number, rollup, read-only, unknown types."""

    template_name = "crmadmin/widgets/readonly.html"
    read_only = True  # the field row shows a plain label, never a <label for> or a field check

    def value_from_datadict(self, data, files, name):
        return None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # Imported here: the registry imports the field factories, which import these widgets.
        from crmadmin.datatypes import display_text

        return {
            "widget": {"id": (attrs or {}).get("id", f"id_{name}"), "text": display_text(value)}
        }
