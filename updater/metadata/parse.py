"""Zoho's metadata JSON → the typed dataclasses (zoho-api.md §2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from updater.metadata.types import (
    ContactRole,
    Field,
    Layout,
    LayoutField,
    LayoutSection,
    Module,
    MultiLookup,
    Org,
    PicklistOption,
    User,
)


def module_from_json(entry: Mapping[str, Any]) -> Module:
    return Module(
        api_name=str(entry.get("api_name", "")),
        module_name=str(entry.get("module_name", "")),
        singular_label=str(entry.get("singular_label", "")),
        plural_label=str(entry.get("plural_label", "")),
        api_supported=bool(entry.get("api_supported")),
        editable=bool(entry.get("editable")),
        creatable=bool(entry.get("creatable")),
        id=str(entry.get("id", "")),
        generated_type=str(entry.get("generated_type") or "default"),
        deletable=bool(entry.get("deletable")),
    )


def _api_name_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("api_name")
    return value if isinstance(value, str) and value else None


def _multi_lookup_from(entry: Mapping[str, Any]) -> MultiLookup | None:
    details = entry.get("multiselectlookup") or entry.get("multiuserlookup")
    if not isinstance(details, Mapping) or not details:
        return None
    return MultiLookup(
        connected_module=_api_name_of(details.get("connected_module")) or "",
        linking_module=_api_name_of(details.get("linking_module")) or "",
        lookup_api_name=str(details.get("lookup_apiname") or ""),
        connected_lookup_api_name=str(details.get("connectedlookup_apiname") or ""),
    )


def field_from_json(entry: Mapping[str, Any]) -> Field:
    lookup = entry.get("lookup") or {}
    tooltip = entry.get("tooltip")
    currency = entry.get("currency") or {}
    formula = entry.get("formula") or {}
    subform = entry.get("subform") or {}
    data_type = str(entry.get("data_type", ""))
    return Field(
        api_name=str(entry.get("api_name", "")),
        field_label=str(entry.get("field_label") or entry.get("display_label") or ""),
        data_type=data_type,
        json_type=entry.get("json_type"),
        length=entry.get("length"),
        decimal_place=entry.get("decimal_place"),
        precision=currency.get("precision") if isinstance(currency, Mapping) else None,
        read_only=bool(entry.get("read_only")),
        field_read_only=bool(entry.get("field_read_only")),
        system_mandatory=bool(entry.get("system_mandatory")),
        custom_field=bool(entry.get("custom_field")),
        tooltip=tooltip.get("value") if isinstance(tooltip, Mapping) else None,
        # unique is {} when not unique and {"case_sensitive": ...} when unique.
        unique=bool(entry.get("unique")),
        external=bool(entry.get("external")),
        pick_list_values=tuple(
            PicklistOption(
                display_value=str(option.get("display_value", "")),
                actual_value=str(option.get("actual_value", "")),
            )
            for option in entry.get("pick_list_values") or []
            if option.get("type", "used") == "used"
        ),
        lookup_module=_api_name_of(lookup.get("module")) if isinstance(lookup, Mapping) else None,
        multi_lookup=_multi_lookup_from(entry),
        subform_module=_api_name_of(subform.get("module"))
        if isinstance(subform, Mapping)
        else None,
        is_formula=data_type == "formula" or bool(formula),
        is_auto_number=data_type == "autonumber",
        is_rollup=data_type == "rollup_summary" or bool(entry.get("rollup_summary")),
        formula_return_type=formula.get("return_type") if isinstance(formula, Mapping) else None,
        rounding_option=currency.get("rounding_option") if isinstance(currency, Mapping) else None,
        raw=dict(entry),
    )


def layout_from_json(entry: Mapping[str, Any]) -> Layout:
    """A layout with its sections; each section field keeps the layout's ``required`` and
    ``sequence_number`` and, when the entry is a full field object (Zoho's layouts answer
    carries one, zoho-api.md §2.4), that field parsed as ``field_from_json`` parses the fields
    answer."""
    return Layout(
        id=str(entry.get("id", "")),
        name=str(entry.get("name", "")),
        sections=tuple(
            LayoutSection(
                name=str(section.get("name") or section.get("api_name") or ""),
                display_label=str(section.get("display_label") or section.get("name") or ""),
                column_count=int(section.get("column_count") or 1),
                sequence_number=int(section.get("sequence_number") or 0),
                fields=tuple(
                    LayoutField(
                        api_name=str(item.get("api_name", "")),
                        required=bool(item.get("required")),
                        sequence=int(item.get("sequence_number") or 0),
                        field=field_from_json(item) if item.get("data_type") else None,
                    )
                    for item in section.get("fields") or []
                ),
            )
            for section in entry.get("sections") or []
        ),
    )


def user_from_json(entry: Mapping[str, Any]) -> User:
    role = entry.get("role")
    profile = entry.get("profile")
    return User(
        id=str(entry.get("id", "")),
        full_name=str(entry.get("full_name") or entry.get("name") or ""),
        email=str(entry.get("email") or ""),
        status=str(entry.get("status") or ""),
        role=_api_name_of(role) or (role.get("name") if isinstance(role, Mapping) else None),
        profile=profile.get("name") if isinstance(profile, Mapping) else None,
    )


def contact_role_from_json(entry: Mapping[str, Any]) -> ContactRole:
    return ContactRole(
        id=str(entry.get("id", "")),
        name=str(entry.get("name", "")),
        sequence_number=int(entry.get("sequence_number") or 0),
    )


def org_from_json(entry: Mapping[str, Any]) -> Org:
    return Org(
        id=str(entry.get("id", "")),
        company_name=str(entry.get("company_name") or ""),
        time_zone=str(entry.get("time_zone") or ""),
        currency=entry.get("currency") or entry.get("iso_code"),
    )
