"""Form fields for Zoho values whose shape Django's own fields do not know. Each accepts the
record's JSON as its initial value (``prepare_value``) and cleans to a value
``updater.payload.update_payload_build`` understands."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import nh3
from django import forms
from django.core.exceptions import ValidationError

from crmadmin.forms.records.widgets import LookupWidget, ReadOnlyWidget, RichTextWidget

RECORD_ID = re.compile(r"^\d{1,19}$")
OUT_OF_RANGE = "Enter a date and time between the years 0001 and 9999, in the org's time zone."
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]


class InputRuleMixin:
    """Runs the data type's input rule (``DataType.input_rule`` in ``crmadmin.datatypes``) on
    the raw text, before parsing: ``int()`` and ``Decimal()`` read "٣٣" as 33, Zoho does not."""

    input_rule: Callable[[str], None] | None = None

    def to_python(self, value: Any) -> Any:
        if self.input_rule is not None and isinstance(value, str):
            self.input_rule(value)
        return super().to_python(value)  # type: ignore[misc]


class RuledCharField(InputRuleMixin, forms.CharField):
    pass


class RuledRegexField(InputRuleMixin, forms.RegexField):
    pass


class RuledEmailField(InputRuleMixin, forms.EmailField):
    pass


class RuledIntegerField(InputRuleMixin, forms.IntegerField):
    pass


class RuledDecimalField(InputRuleMixin, forms.DecimalField):
    pass


# What a rich text value may keep (Zoho's editor writes these, zoho-api.md §2.3 "rich_text"):
# formatting, lists, links, headings. Everything else is dropped; script and style with their
# content, every on* attribute, style="" (the CSP would refuse it anyway) and javascript: links.
RICH_TAGS = frozenset(
    {"p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "sub", "sup"}
    | {"ul", "ol", "li", "a", "blockquote", "pre", "code", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
)
RICH_ATTRIBUTES = {"a": {"href", "title"}}
RICH_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def html_clean(value: str) -> str:
    """Rich text HTML with only what ``RICH_TAGS`` allows, by nh3 (ammonia): the one cleaning
    of every HTML value crmadmin shows or sends."""
    return nh3.clean(
        value,
        tags=set(RICH_TAGS),
        attributes={tag: set(names) for tag, names in RICH_ATTRIBUTES.items()},
        url_schemes=set(RICH_URL_SCHEMES),
        link_rel=None,  # no target= is kept, so no rel is needed; and cleaning stays idempotent
    )


class RichTextField(RuledCharField):
    """A rich text field: HTML, cleaned when it is shown in its textarea and when it is saved.
    A value left as loaded is not sent again only because cleaning it would change it."""

    widget = RichTextWidget

    def prepare_value(self, value: Any) -> Any:
        return html_clean(value) if isinstance(value, str) else value

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return html_clean(value) if value else value

    @staticmethod
    def untouched(original: Any, value: Any) -> bool:
        """The input still holds the loaded value (as shown: cleaned, line breaks as posted)."""
        if not isinstance(original, str) or not isinstance(value, str):
            return False
        return html_clean(original).replace("\r\n", "\n") == value.replace("\r\n", "\n")


class ZohoDateTimeField(forms.DateTimeField):
    """A date and time typed in the org's time zone; cleans to an aware datetime carrying the
    org's offset, the way Zoho writes it ("2024-01-15T15:26:49+05:30")."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"})

    def __init__(self, *, time_zone: ZoneInfo, **kwargs: Any) -> None:
        self.time_zone = time_zone
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value:
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime):
            if value.tzinfo is not None:
                # 0001-01-01T00:00+14:00 has no reading in UTC: shown as typed.
                with contextlib.suppress(OverflowError, ValueError):
                    value = value.astimezone(self.time_zone)
            return value.replace(tzinfo=None, microsecond=0).isoformat()  # "0001", not "1"
        return value

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=self.time_zone)
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                "Enter a date and time, e.g. 2024-01-15 15:26.", code="invalid"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.time_zone)
        try:
            # Zoho keeps the instant: it must exist in UTC and read in the org's zone.
            parsed.astimezone(UTC).astimezone(self.time_zone)
        except (OverflowError, ValueError):
            raise ValidationError(OUT_OF_RANGE, code="out_of_range") from None
        return parsed.replace(microsecond=0)


@dataclass(frozen=True)
class TypedName:
    """A name typed in a lookup's box without picking a record from its list (no JavaScript, or
    the list never opened): the view resolves it with the picker's search before saving.
    ``pick`` is the id chosen from an earlier list of several records with that name."""

    text: str
    pick: str = ""


def _record_id_field(invalid: str = "Pick a record from the list.") -> forms.RegexField:
    # The id inputs are hidden: only a changed page posts something else.
    return forms.RegexField(RECORD_ID, required=False, error_messages={"invalid": invalid})


class LookupField(forms.MultiValueField):
    """A record of another module, or one of the org's users (owner and user lookups), chosen
    with the picker (its name in the box, its id in a hidden input, the name that id belongs to
    in another) or by typing its name.

    Cleans to ``{"id", "name"}`` when the box shows the name of the id it carries (picked, or
    unchanged since the page loaded), None when the box is emptied, else ``TypedName`` for
    the view to resolve. ``clearable`` False (a record's owner): the record form refuses an
    emptied box when the record had a value (``RecordForm.clean``)."""

    def __init__(
        self,
        *,
        search_url: str,
        module: str = "",
        clearable: bool = True,
        pick_text: str = "Pick a record from the list.",
        **kwargs: Any,
    ) -> None:
        self.module = module  # the module the lookup points to: where a typed name is searched
        self.clearable = clearable
        fields = (
            forms.CharField(required=False, max_length=255),
            _record_id_field(pick_text),
            forms.CharField(required=False),
            _record_id_field(pick_text),
        )
        kwargs.setdefault("widget", LookupWidget(search_url=search_url))
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dict[str, str] | TypedName | None:
        text, record_id, id_name, pick = [*(data_list or []), "", "", "", ""][:4]
        text = " ".join(str(text or "").split())
        if not text:
            return None
        if record_id and text == " ".join(str(id_name or "").split()):
            return {"id": record_id, "name": text}
        return TypedName(text=text, pick=pick or "")

    def clean(self, value: Any) -> dict[str, str] | TypedName | None:
        cleaned = super().clean(value)
        if self.required and not cleaned:
            raise ValidationError(self.error_messages["required"], code="required")
        return cleaned


class RowsField(forms.Field):
    """Linked rows: multi-select lookup, multi-user lookup, file and image uploads. The widget
    posts the loaded rows to remove and, for lookups, the records picked to add (hidden id and
    name inputs) and a name typed in its picker box. Cleans to ``{"remove": [row ids], "add":
    [record ids], "names": [their names], "typed": TypedName | None}``; RecordForm.clean turns
    that and the loaded rows into the list ``update_payload_build`` diffs (removed rows become
    ``_delete``)."""

    def __init__(self, *, inner: str | None = None, module: str = "", **kwargs: Any) -> None:
        self.inner = inner  # the linking-module key that holds the linked record
        self.module = module  # the module whose records are added (searched by name)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def rows_shown(self, rows: Any) -> list[tuple[str, str]]:
        # Imported here: the registry imports the field factories, which import this module.
        from crmadmin.datatypes import display_text

        shown = []
        for row in rows or []:
            if not isinstance(row, Mapping):
                shown.append((str(row), str(row)))
                continue
            target = row.get(self.inner) if self.inner else row
            shown.append((str(row.get("id") or ""), display_text(target) or str(row.get("id"))))
        return shown

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return value
        return {"rows_shown": self.rows_shown(value), "remove": [], "add": []}

    def bound_data(self, data: Any, initial: Any) -> Any:
        data = data or {}
        return {"rows_shown": self.rows_shown(initial), **data}

    def clean(self, value: Any) -> dict[str, Any]:
        value = value or {}
        added = [str(item).strip() for item in value.get("add") or [] if str(item).strip()]
        if any(not RECORD_ID.match(item) for item in added):
            raise ValidationError("Pick the records to add from the list.", code="invalid")
        names = list(value.get("names") or [])
        names = [str(name) for name in names[: len(added)]]
        names += added[len(names) :]  # a name missing: show the id rather than nothing
        text = " ".join(str(value.get("text") or "").split())
        pick = str(value.get("pick") or "")
        return {
            "remove": list(value.get("remove") or []),
            "add": added,
            "names": names,
            "typed": TypedName(text=text, pick=pick if RECORD_ID.match(pick) else "")
            if text
            else None,
        }


# What Zoho's Files API takes (updater.files): 20 MB a file, 10 files a request.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
# What an image upload field takes: the images browsers show and Zoho previews.
IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/webp", "image/tiff"}
)


def size_text(size: Any) -> str:
    """A file size for a person: "512 bytes", "34 KB", "2.5 MB"."""
    try:
        count = int(size)
    except (TypeError, ValueError):
        return ""
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{round(count / 1024)} KB"
    return f"{count / (1024 * 1024):.1f} MB"


class FileRowsField(RowsField):
    """A file or image upload field: its files (name, size, an image's preview) with a "Remove"
    box each, and a file input for new ones. New files are checked here against Zoho's limits
    (size, count, images only for an image field) and uploaded by the view on save; their ids
    then go out as ``File_Id__s`` (``RecordForm.uploads_apply``). Cleans to RowsField's value
    plus ``"uploads": [UploadedFile]``."""

    def __init__(self, *, image: bool = False, **kwargs: Any) -> None:
        self.image = image
        super().__init__(**kwargs)

    def rows_shown(self, rows: Any) -> list[tuple[str, str]]:
        shown = []
        for row in rows or []:
            if not isinstance(row, Mapping):
                shown.append((str(row), str(row)))
                continue
            name = str(row.get("File_Name__s") or row.get("File_Id__s") or row.get("id") or "")
            size = size_text(row.get("Size__s"))
            shown.append((str(row.get("id") or ""), f"{name} ({size})" if size else name))
        return shown

    def files_shown(self, rows: Any) -> dict[str, str]:
        """Row id → the file id its link asks Zoho for (crmadmin's record file view: an image
        shows inline and is the row's preview, any other file downloads)."""
        return {
            str(row.get("id")): str(row.get("File_Id__s"))
            for row in rows or []
            if isinstance(row, Mapping) and row.get("id") and row.get("File_Id__s")
        }

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return value
        return {**super().prepare_value(value), "previews": self.files_shown(value)}

    def bound_data(self, data: Any, initial: Any) -> Any:
        return {**super().bound_data(data, initial), "previews": self.files_shown(initial)}

    def clean(self, value: Any) -> dict[str, Any]:
        cleaned = super().clean(value)
        uploads = list((value or {}).get("uploads") or [])
        problems = []
        if len(uploads) > MAX_FILES:
            problems.append(f"Choose at most {MAX_FILES} files at once: Zoho takes no more.")
        for upload in uploads:
            name = upload.name or "The file"
            if upload.size > MAX_FILE_BYTES:
                problems.append(
                    f"{name} is {size_text(upload.size)}: Zoho takes files up to 20 MB. "
                    "Choose a smaller file."
                )
            elif not upload.size:
                problems.append(f"{name} is empty: choose a file that has something in it.")
            elif self.image and (upload.content_type or "") not in IMAGE_TYPES:
                problems.append(
                    f"{name} is not an image: this field takes JPEG, PNG, GIF, BMP, WebP or "
                    "TIFF images."
                )
        if problems:
            raise ValidationError(problems, code="file")
        return {**cleaned, "uploads": uploads}


class ReadOnlyField(forms.Field):
    """Shown, never edited, never sent."""

    widget = ReadOnlyWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(required=False, disabled=True)
        super().__init__(**kwargs)


class SubformField(ReadOnlyField):
    """Stands in the form for a subform; its rows live in ``RecordForm.subforms[api_name]``."""
