"""Layout metadata → the form's sections: layout order, column counts, required marks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from updater.metadata import Field, Layout


@dataclass(frozen=True)
class Section:
    label: str
    columns: int
    names: tuple[str, ...]


def layout_for(layouts: Sequence[Layout], record: Mapping) -> Layout | None:
    """The record's own layout (``Layout.id``), else the first one."""
    wanted = (record.get("Layout") or {}).get("id") if isinstance(record, Mapping) else None
    for layout in layouts:
        if wanted and layout.id == str(wanted):
            return layout
    return layouts[0] if layouts else None


def sections_for(
    layout: Layout | None, fields: Mapping[str, Field]
) -> tuple[tuple[Section, ...], frozenset[str]]:
    """(sections in layout order, api_names the layout marks required). Without a layout every
    field goes in one section and only system-mandatory fields are required."""
    if layout is None or not layout.sections:
        names = tuple(fields)
        required = frozenset(name for name, meta in fields.items() if meta.system_mandatory)
        return (Section(label="Details", columns=2, names=names),), required
    sections = []
    required = set()
    for section in sorted(layout.sections, key=lambda s: s.sequence_number):
        entries = sorted(section.fields, key=lambda f: f.sequence)
        names = tuple(entry.api_name for entry in entries if entry.api_name in fields)
        required.update(entry.api_name for entry in entries if entry.required)
        if names:
            columns = 2 if section.column_count >= 2 else 1
            sections.append(Section(label=section.display_label, columns=columns, names=names))
    return tuple(sections), frozenset(required)
