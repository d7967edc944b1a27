"""The typed metadata: modules, fields, layouts, contact roles, users and the org."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Whose value Zoho computes is a fact of the type's JSON form (updater.payload.JSON_FORMS).
from updater.payload import COMPUTED_TYPES


@dataclass(frozen=True)
class Module:
    api_name: str
    module_name: str
    singular_label: str
    plural_label: str
    api_supported: bool
    editable: bool
    creatable: bool
    id: str
    generated_type: str = "default"
    deletable: bool = False


@dataclass(frozen=True)
class PicklistOption:
    display_value: str
    actual_value: str


@dataclass(frozen=True)
class MultiLookup:
    """How a multi-select lookup / multi-user lookup stores links in its linking module."""

    connected_module: str
    linking_module: str
    lookup_api_name: str
    connected_lookup_api_name: str


@dataclass(frozen=True)
class Field:
    api_name: str
    field_label: str
    data_type: str
    json_type: str | None = None
    length: int | None = None
    decimal_place: int | None = None
    precision: int | None = None
    read_only: bool = False
    field_read_only: bool = False
    system_mandatory: bool = False
    custom_field: bool = False
    tooltip: str | None = None
    unique: bool = False
    external: bool = False
    pick_list_values: tuple[PicklistOption, ...] = ()
    lookup_module: str | None = None
    multi_lookup: MultiLookup | None = None
    subform_module: str | None = None
    subform_fields: tuple[Field, ...] = ()
    is_formula: bool = False
    is_auto_number: bool = False
    is_rollup: bool = False
    formula_return_type: str | None = None
    rounding_option: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_writable(self) -> bool:
        """False for fields the user cannot change: Zoho computes them or forbids the edit."""
        return not (
            self.read_only
            or self.field_read_only
            or self.is_formula
            or self.is_auto_number
            or self.is_rollup
            or self.data_type in COMPUTED_TYPES
        )


@dataclass(frozen=True)
class LayoutField:
    """A field's place in a layout: ``required`` is the layout's mark (what a person must fill
    in here), ``field`` the full field object the layouts answer carries with it (zoho-api.md
    §2.4), None when an answer carries only the name."""

    api_name: str
    required: bool
    sequence: int
    field: Field | None = None


@dataclass(frozen=True)
class LayoutSection:
    name: str
    display_label: str
    column_count: int
    sequence_number: int
    fields: tuple[LayoutField, ...]


@dataclass(frozen=True)
class Layout:
    id: str
    name: str
    sections: tuple[LayoutSection, ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        """The field objects the layout carries, in section and field order: the same ``Field``
        the fields answer gives, so a form of this layout needs no fields call."""
        return tuple(
            entry.field
            for section in sorted(self.sections, key=lambda s: s.sequence_number)
            for entry in sorted(section.fields, key=lambda f: f.sequence)
            if entry.field is not None
        )

    @property
    def carries_fields(self) -> bool:
        """True when every field of the layout came with its field object (Zoho's answer does;
        one that names fields only must be completed from the fields answer)."""
        return all(entry.field is not None for s in self.sections for entry in s.fields)


@dataclass(frozen=True)
class ContactRole:
    id: str
    name: str
    sequence_number: int


@dataclass(frozen=True)
class User:
    id: str
    full_name: str
    email: str
    status: str
    role: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class Org:
    id: str
    company_name: str
    time_zone: str
    currency: str | None
