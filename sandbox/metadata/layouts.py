"""Layouts (sections, column counts, layout-level required flags) and related-list metadata."""

from __future__ import annotations

import functools
from typing import Any

from sandbox.metadata.catalog import module_id
from sandbox.metadata.fields import ADMIN
from sandbox.metadata.modules import Module, registry
from sandbox.store import ID_BASE

SYSTEM_FIELDS = ("Created_By", "Modified_By", "Created_Time", "Modified_Time", "Tag")
# Required in the layout but not system-mandatory: the API enforces these only when the payload
# names the layout (`"Layout": {"id": …}`), per zoho-api.md §2.4.
LAYOUT_REQUIRED = {
    "Contacts": {"Email"},
    "Deals": {"Closing_Date", "Account_Name"},
    "Listings": {"City"},
}


def _section(
    no: int,
    k: int,
    name: str,
    columns: int,
    fields: list[dict[str, Any]],
    required: set[str],
    *,
    subform: bool = False,
) -> dict[str, Any]:
    section_id = str(ID_BASE + 92000 + no * 100 + k)
    layout_fields = []
    for seq, field in enumerate(fields, start=1):
        entry = dict(field)
        entry.update(
            {
                "required": field["system_mandatory"] or field["api_name"] in required,
                "sequence_number": seq,
                # Zoho: the section's position, a small integer (the section's own id is long).
                "section_id": k,
                "validation_rule": None,
            }
        )
        layout_fields.append(entry)
    return {
        "id": section_id,
        "api_name": name.replace(" ", "_"),
        "name": name,
        "display_label": name,
        "sequence_number": k,
        "column_count": columns,
        "tab_traversal": "left_to_right",
        "type": "used",
        "generated_type": "default",
        "isSubformSection": subform,
        "mode": "editable",
        # Subform sections carry their row settings; other sections send null.
        "properties": {
            "reorder_rows": True,
            "maximum_rows": 100,
            "tooltip": {"name": "Info Icon", "value": "Up to 100 rows"},
        }
        if subform
        else None,
        "fields": layout_fields,
    }


def _sections(module: Module, names: set[str] | None) -> list[dict[str, Any]]:
    no, required = module.spec.no, LAYOUT_REQUIRED.get(module.api_name, set())
    fields = [f for f in module.fields if names is None or f["api_name"] in names]
    subforms = [f for f in fields if f["data_type"] == "subform"]
    texts = [f for f in fields if f["data_type"] == "textarea"]
    system = [f for f in fields if f["api_name"] in SYSTEM_FIELDS]
    rest = [f for f in fields if f not in subforms and f not in texts and f not in system]
    sections = []
    # Wide layouts alternate one- and two-column sections of 30 fields, like a long custom form.
    chunk = 30 if len(rest) > 60 else 12
    for i in range(0, len(rest), chunk):
        title = f"{module.spec.singular} Information" if i == 0 else "Additional Information"
        if i >= 2 * chunk:
            title = f"Additional Information {i // chunk}"
        columns = 2 if (i // chunk) % 2 == 0 else 1
        sections.append(
            _section(no, len(sections) + 1, title, columns, rest[i : i + chunk], required)
        )
    for field in subforms:
        sections.append(
            _section(
                no, len(sections) + 1, field["field_label"], 1, [field], required, subform=True
            )
        )
    if texts:
        sections.append(
            _section(no, len(sections) + 1, "Description Information", 1, texts, required)
        )
    if system:
        sections.append(_section(no, len(sections) + 1, "System Information", 2, system, required))
    return sections


def _convert_mapping(module_api: str) -> dict[str, Any]:
    """Leads convert into Contacts, Accounts and Deals (with the Deal fields asked for); the
    other modules convert into nothing and send {}."""
    if module_api != "Leads":
        return {}
    deal_fields = [
        {
            "api_name": f["api_name"],
            "field_label": f["field_label"],
            "id": f["id"],
            "required": True,
        }
        for f in registry()["Deals"].fields
        if f["api_name"] in {"Deal_Name", "Closing_Date", "Stage"}
    ]
    return {
        "Contacts": {"name": "Standard", "id": layout_id("Contacts")},
        "Accounts": {"name": "Standard", "id": layout_id("Accounts")},
        "Deals": {"name": "Standard", "id": layout_id("Deals"), "fields": deal_fields},
    }


def _layout(module: Module, k: int, name: str, names: set[str] | None) -> dict[str, Any]:
    view = {
        "name": f"All {module.spec.plural}",
        "id": str(ID_BASE + 95000 + module.spec.no),
        "type": "custom_view",
    }
    return {
        "id": layout_id(module.api_name, k),
        "name": name,
        "api_name": f"{name}__s",
        "display_label": name,
        "status": "active",
        "visible": True,
        "source": "crm",
        "generated_type": "default",
        "created_time": "2024-01-02T10:00:00+05:30",
        "created_by": ADMIN,
        "modified_time": "2024-01-02T10:00:00+05:30",
        "modified_by": ADMIN,
        "profiles": [
            {
                "name": "Administrator",
                "id": str(ID_BASE + 9001),
                "default": k == 1,
                "_default_view": view,
                "_default_assignment_view": view,
            }
        ],
        "has_more_profiles": False,
        "created_for": None,
        "mode": "standard",
        "subform_properties": {"pinned_column": False},
        "convert_mapping": _convert_mapping(module.api_name),
        "actions_allowed": {
            "edit": True,
            "rename": True,
            "clone": True,
            "downgrade": False,
            "delete": k > 1,
            "deactivate": k > 1,
            "set_layout_permissions": True,
        },
        "show_business_card": False,
        "sections": _sections(module, names),
    }


def layout_id(module_api: str, k: int = 1) -> str:
    return str(ID_BASE + 91000 + registry()[module_api].spec.no * 10 + k)


@functools.cache
def layouts_for(module_api: str) -> list[dict[str, Any]]:
    module = registry()[module_api]
    layouts = [_layout(module, 1, "Standard", None)]
    if module_api == "Deals":
        renewal = {
            "Deal_Name",
            "Account_Name",
            "Amount",
            "Stage",
            "Pipeline",
            "Closing_Date",
            "Contract_Id",
            "Is_Renewal",
            "Owner",
            "Description",
            "Line_Items",
        }
        layouts.append(_layout(module, 2, "Renewals", renewal))
        # A layout that hides Pipeline, which a Stage change still requires (see writes.py):
        # Zoho can name a field the form does not show.
        partner = {"Deal_Name", "Account_Name", "Amount", "Stage", "Closing_Date", "Probability"}
        layouts.append(_layout(module, 3, "Partner deals", partner | {"Owner", "Description"}))
    return layouts


def layout_required(module_api: str, lay_id: str) -> set[str] | None:
    """Api names a layout marks required, or None when the id is not one of the module's."""
    for layout in layouts_for(module_api):
        if layout["id"] == lay_id:
            return {f["api_name"] for s in layout["sections"] for f in s["fields"] if f["required"]}
    return None


# (module, related list api_name) → (related module, lookup field in it, or a special kind).
RELATED_LISTS: dict[str, list[tuple[str, str, str]]] = {
    "Accounts": [("Contacts", "Contacts", "Account_Name"), ("Deals", "Deals", "Account_Name")],
    "Contacts": [("Deals", "Deals", "contact_roles"), ("Calls", "Calls", "Who_Id")],
    "Deals": [("Contact_Roles", "Contacts", "contact_roles")],
}


def related_lists_meta(module_api: str) -> list[dict[str, Any]]:
    out = []
    for seq, (api, target, _via) in enumerate(RELATED_LISTS.get(module_api, []), start=1):
        rid = str(ID_BASE + 93000 + registry()[module_api].spec.no * 10 + seq)
        out.append(
            {
                "id": rid,
                "sequence_number": str(seq),
                "display_label": api.replace("_", " "),
                "api_name": api,
                "name": api,
                "type": "default",
                "visible": True,
                "module": {"api_name": target, "id": module_id(registry()[target].spec.no)},
                "href": f"{module_api}/{{ID}}/{api}",
                "action": None,
                "sort_by": None,
                "sort_order": None,
                "connectedmodule": None,
                "linkingmodule": None,
                "customize_sort": False,
                "customize_fields": False,
                "customize_display_label": True,
                "fields": [],
                "status": "visible",
            }
        )
    return out
