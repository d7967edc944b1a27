"""The widgets Django's own cannot express, each rendered by its template under
templates/jinja2/crmadmin/widgets/ (Jinja2, through settings.FORM_RENDERER, like every other
widget)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms


class LookupWidget(forms.MultiWidget):
    """The lookup picker (a WAI-ARIA combobox, driven by static/crmadmin/records.js): a search
    box that asks ``records:lookup`` for options as the user types (htmx), the chosen record's
    id and the name that id belongs to (hidden). Without JavaScript the name typed in the box
    is resolved on save; when several records have it, ``choices`` lists them as radios.
    ``placeholder`` and ``options_label`` name what is searched (records, or the org's users)."""

    template_name = "crmadmin/widgets/lookup.html"
    picker = True  # the row is not checked on its own when it changes (the picker does it)

    def __init__(
        self,
        *,
        search_url: str,
        attrs: Mapping[str, Any] | None = None,
        placeholder: str = "Type a name…",
        options_label: str = "Matching records",
    ) -> None:
        self.search_url = search_url
        self.placeholder = placeholder
        self.options_label = options_label
        self.choices: list[dict[str, str]] = []  # records named alike, set by RecordForm
        self.choose_text = ""
        widgets = {
            "label": forms.TextInput(),
            "": forms.HiddenInput(),
            "idname": forms.HiddenInput(),
            "pick": forms.HiddenInput(),
        }
        super().__init__(widgets, attrs)

    def id_for_label(self, id_: str) -> str:
        return id_

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, Mapping):
            name = value.get("name") or ""
            return [name, value.get("id") or "", name, ""]
        return ["", value or "", "", ""]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        if not isinstance(value, list | tuple):
            value = self.decompress(value)
        label, record_id, id_name, pick = [*value, "", "", "", ""][:4]
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
                "id_name": id_name or "",
                "search_url": self.search_url,
                "placeholder": self.placeholder,
                "options_label": self.options_label,
                "attrs": aria,
                "choices": [{**choice, "checked": choice["id"] == pick} for choice in self.choices],
                "choose_text": self.choose_text,
            }
        }


class RowsWidget(forms.Widget):
    """Linked rows (multi-select lookup, multi-user lookup, files, images) shown as a list with a
    "remove" checkbox each; lookups add records with the lookup picker: each record picked
    becomes a row with hidden ``__add``/``__add_name`` inputs and a remove button, and a name
    typed without JavaScript is resolved on save (several: ``choices`` lists them)."""

    template_name = "crmadmin/widgets/rows.html"

    def __init__(self, *, search_url: str = "") -> None:
        super().__init__()
        self.search_url = search_url  # no search: rows are shown and removed only (files)
        self.choices: list[dict[str, str]] = []
        self.choose_text = ""

    @property
    def picker(self) -> bool:
        return bool(self.search_url)

    def id_for_label(self, id_: str) -> str:
        # The row's label names the picker box, where the user adds a record.
        return f"{id_}-add" if self.search_url and id_ else id_

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", lambda key: data.get(key) or [])
        return {
            "remove": getlist(f"{name}__remove"),
            "add": getlist(f"{name}__add"),
            "names": getlist(f"{name}__add_name"),
            "text": data.get(f"{name}__add_label") or "",
            "pick": data.get(f"{name}__pick") or "",
        }

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        rows, removed, added = _rows_state(value)
        attrs = attrs or {}
        field_id = attrs.get("id", f"id_{name}")
        pick = value.get("pick", "") if isinstance(value, Mapping) else ""
        return {
            "widget": {
                "name": name,
                "id": field_id,
                "options_id": f"{field_id}-add-options",
                "rows": [(row_id, text, row_id in removed) for row_id, text in rows],
                "added": added,
                "search_url": self.search_url,
                "text": value.get("text", "") if isinstance(value, Mapping) else "",
                "choices": [{**choice, "checked": choice["id"] == pick} for choice in self.choices],
                "choose_text": self.choose_text,
                # The row's help and error describe the picker box.
                "attrs": {key: val for key, val in attrs.items() if key.startswith("aria-")},
            }
        }


class FileRowsWidget(RowsWidget):
    """A file or image field's files, each with "Remove" and a link (an image's also a preview)
    to ``file_url`` + its file id, a crmadmin view that checks the user's grant, and a file input
    for new files, uploaded on save. The form is multipart (also when htmx posts it)."""

    template_name = "crmadmin/widgets/files.html"
    # Not checked on its own when it changes: swapping the row in would empty the file input.
    picker = True

    def __init__(self, *, image: bool = False) -> None:
        super().__init__()
        self.image = image
        self.file_url = ""  # set per page: RecordForm.file_links
        # Files uploaded to Zoho for a save that did not happen, kept to attach on the next
        # (RecordForm.kept_files): {"token", "id", "name", "size"} each, set per form.
        self.kept: list[dict[str, str]] = []

    def id_for_label(self, id_: str) -> str:
        return f"{id_}-upload" if id_ else id_  # the label names the file input

    def value_from_datadict(self, data, files, name):
        getlist = getattr(files, "getlist", lambda key: [])
        return {
            **super().value_from_datadict(data, files, name),
            "uploads": getlist(f"{name}__upload"),
        }

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        previews = value.get("previews", {}) if isinstance(value, Mapping) else {}
        widget = context["widget"]
        widget["files"] = []
        for row_id, text, removed in widget["rows"]:
            url = (
                f"{self.file_url}{previews[row_id]}/"
                if self.file_url and row_id in previews
                else ""
            )
            widget["files"].append(
                {
                    "row_id": row_id,
                    "text": text,
                    "removed": removed,
                    "url": url,
                    "preview": url if self.image else "",
                }
            )
        widget["kept"] = self.kept
        widget["accept"] = "image/*" if self.image else ""
        widget["image"] = self.image
        return context


def _rows_state(value: Any) -> tuple[list[tuple[str, str]], set[str], list[tuple[str, str]]]:
    """(rows as (id, text), ids marked for removal, records to add as (id, name)) from initial
    or posted data."""
    if isinstance(value, Mapping) and "rows_shown" in value:
        added = [str(item) for item in value.get("add", ())]
        names = [str(item) for item in value.get("names", ())]
        names += added[len(names) :]
        return (
            list(value["rows_shown"]),
            set(value.get("remove", ())),
            list(zip(added, names, strict=False)),
        )
    return [], set(), []


class RichTextWidget(forms.Textarea):
    """A textarea holding HTML; ``static/crmadmin/richtext.js`` puts a rich text editor (Squire)
    with its toolbar over it and writes the editor's HTML back into it as the user types.
    Without JavaScript the textarea is the input."""

    template_name = "crmadmin/widgets/richtext.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"rows": 8, "data-kind": "rich_text", **(attrs or {})})


class ReadOnlyWidget(forms.Widget):
    """A value shown, never posted: formula, auto-number, rollup, read-only, unknown types."""

    template_name = "crmadmin/widgets/readonly.html"
    read_only = True  # the field row shows a plain label, never a <label for> or a field check

    def __init__(self, attrs: dict[str, Any] | None = None, *, html: bool = False) -> None:
        super().__init__(attrs)
        self.html = html  # a rich text value: shown as its cleaned HTML

    def value_from_datadict(self, data, files, name):
        return None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # Imported here: the registry imports the field factories, which import these widgets.
        from crmadmin.datatypes import display_html, display_text

        text = display_html(value) if self.html else display_text(value)
        widget_id = (attrs or {}).get("id", f"id_{name}")
        return {"widget": {"id": widget_id, "text": text, "html": self.html}}
