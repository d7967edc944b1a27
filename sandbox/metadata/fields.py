"""Build field metadata objects in the full shape of GET /settings/fields (zoho-api.md §2.2)."""

from __future__ import annotations

from typing import Any

from sandbox.store import ID_BASE

# data_type → json_type, per zoho-api.md §2.3.
JSON_TYPES = {
    "text": "string",
    "textarea": "string",
    "email": "string",
    "phone": "string",
    "website": "string",
    "picklist": "string",
    "multiselectpicklist": "jsonarray",
    "integer": "integer",
    "bigint": "string",
    "double": "double",
    "currency": "double",
    "percent": "double",
    "decimal": "double",
    "boolean": "boolean",
    "date": "string",
    "datetime": "string",
    "lookup": "jsonobject",
    "ownerlookup": "jsonobject",
    "userlookup": "jsonobject",
    "multiuserlookup": "jsonarray",
    "multiselectlookup": "jsonarray",
    "subform": "jsonarray",
    "fileupload": "jsonarray",
    "imageupload": "jsonarray",
    "profileimage": "string",
    "autonumber": "string",
    "formula": "double",
    "rollup_summary": "double",
    "event_reminder": "jsonobject",
    "RRULE": "jsonobject",
    "participants": "jsonarray",
    "jsonarray": "jsonarray",
}
DEFAULT_LENGTHS = {
    "text": 255,
    "email": 100,
    "phone": 30,
    "website": 255,
    "picklist": 120,
    "multiselectpicklist": 2000,
    "integer": 9,
    "bigint": 18,
    "double": 16,
    "currency": 16,
    "percent": 5,
    "decimal": 16,
    "autonumber": 255,
    "profileimage": 255,
}
TEXTAREA_LENGTHS = {"small": 2000, "large": 32000, "rich_text": 50000}
ADMIN = {"name": "Patricia Boyle", "id": str(ID_BASE + 235011)}
# Zoho marks these hipaa-capable (an object); every other field sends null.
PERSONAL_TYPES = {"email", "phone"}
# Always read-only whatever the user: system fields, computed fields.
COMPUTED_TYPES = {"formula", "autonumber", "rollup_summary"}


def field_id(module_no: int, position: int) -> str:
    return str(ID_BASE + 2_000_000 + module_no * 1000 + position)


def picklist_values(values: list[str], fid: str) -> list[dict[str, Any]]:
    # Value ids derive from the field id so they are stable across processes.
    base = ID_BASE + 3_000_000 + (int(fid) - ID_BASE - 2_000_000) * 100
    out = [
        {
            "display_value": "-None-",
            "actual_value": "-None-",
            "reference_value": "-None-",
            "sequence_number": 0,
            "id": str(base),
            "type": "used",
            "colour_code": None,
        }
    ]
    for i, value in enumerate(values, start=1):
        out.append(
            {
                "display_value": value,
                "actual_value": value,
                "reference_value": value,
                "sequence_number": i,
                "id": str(base + i),
                "type": "used",
                "colour_code": None,
            }
        )
    return out


def build_field(  # noqa: C901 - one branch per optional sub-object, flat on purpose
    module: str,
    module_no: int,
    position: int,
    api_name: str,
    data_type: str,
    **opts: Any,
) -> dict[str, Any]:
    label = opts.get("label") or api_name.replace("_", " ")
    textarea_type = opts.get("textarea")
    length = opts.get("length") or (
        TEXTAREA_LENGTHS[textarea_type or "small"]
        if data_type == "textarea"
        else DEFAULT_LENGTHS.get(data_type, 0)
    )
    read_only = bool(opts.get("read_only")) or data_type in COMPUTED_TYPES
    fid = field_id(module_no, position)
    field: dict[str, Any] = {
        "api_name": api_name,
        "field_label": label,
        "display_label": label,
        "data_type": data_type,
        "json_type": opts.get("json_type") or JSON_TYPES[data_type],
        "length": length,
        "decimal_place": opts.get("decimal_place"),
        "read_only": read_only,
        "field_read_only": read_only,
        "system_mandatory": bool(opts.get("mandatory")),
        "custom_field": bool(opts.get("custom")),
        "visible": True,
        "unique": opts.get("unique") or {},
        "pick_list_values": [],
        "pick_list_values_sorted_lexically": False,
        "lookup": {},
        "currency": {},
        "formula": {},
        "auto_number": {},
        "multiselectlookup": {},
        "multiuserlookup": {},
        "subform": None,
        "sub_module": None,
        "multi_module_lookup": {},
        "rollup_summary": {},
        "associated_module": None,
        "association_details": None,
        "operation_type": {
            "web_update": not read_only,
            "api_create": not read_only,
            "web_create": not read_only,
            "api_update": not read_only,
        },
        "tooltip": {"name": "Info Icon", "value": opts["tooltip"]} if opts.get("tooltip") else None,
        "type": "used",
        "id": fid,
        "created_time": None,
        "modified_time": None,
        "created_source": "crm" if opts.get("custom") else "default",
        "crypt": None,
        "external": opts.get("external"),
        "history_tracking": None,
        # Zoho: null, or {"restricted", "restricted_in_export"} on fields that may hold personal
        # data (the SDK rejects a bare boolean).
        "hipaa_compliance": (
            {"restricted": False, "restricted_in_export": False}
            if data_type in PERSONAL_TYPES
            else None
        ),
        "hipaa_compliance_enabled": False,
        "global_picklist": None,
        "convert_mapping": {},
        "layout_associations": [],
        "profiles": [
            {
                "permission_type": "read_only" if read_only else "read_write",
                "name": "Administrator",
                "id": str(ID_BASE + 9001),
            }
        ],
        "view_type": {
            "view": True,
            "edit": not read_only,
            "quick_create": False,
            "create": not read_only,
        },
        "display_type": -1,
        "ui_type": 1,
        "display_field": api_name in opts.get("display", ()),
        "searchable": data_type not in {"subform", "imageupload", "fileupload"},
        "sortable": api_name in {"id", "Created_Time", "Modified_Time"},
        "filterable": True,
        "mass_update": not read_only,
        "businesscard_supported": False,
        "webhook": True,
        "virtual_field": False,
        "separator": False,
        "enable_colour_code": False,
        "colour_code_enabled_by_system": False,
        "email_parser": {"fields_update_supported": False, "record_operations_supported": False},
        "customizable_properties": [],
        "sequence_number": position,
        "default_value": opts.get("default_value"),
        "blueprint_supported": False,
        "available_in_user_layout": True,
        "column_name": api_name.upper(),
        "quick_sequence_number": str(position),
        "refer_from_field": None,
        "show_type": 7,
        "category": 2 if opts.get("custom") else 0,
        "sharing_properties": None,
        "allowed_modules": None,
        "additional_column": None,
        "number_separator": data_type in {"integer", "bigint"},
        "static_field": False,
    }
    if data_type == "textarea":
        field["textarea"] = {"type": textarea_type or "small"}
    if data_type in {"picklist", "multiselectpicklist"}:
        field["pick_list_values"] = picklist_values(opts["values"], fid)
        if data_type == "multiselectpicklist":
            field["pick_list_values"] = field["pick_list_values"][1:]
    if data_type in {"lookup", "userlookup"} and opts.get("target"):
        target = opts["target"]
        field["lookup"] = {
            "display_label": label,
            "api_name": api_name,
            "module": {"api_name": target, "id": None},
            "id": fid,
            "query_details": {},
            "revalidate_filter_during_edit": False,
            "show_fields": [],
        }
    if data_type in {"currency", "double", "decimal"}:
        field["decimal_place"] = 2
    if data_type == "currency":
        field["currency"] = {"rounding_option": "normal", "precision": 2}
    if data_type == "formula":
        field["formula"] = {
            "return_type": opts.get("return_type", "double"),
            "expression": opts.get("expression", ""),
            "assume_default": False,
        }
        field["json_type"] = JSON_TYPES.get(field["formula"]["return_type"], "double")
    if data_type == "autonumber":
        field["auto_number"] = {
            "prefix": opts.get("prefix", ""),
            "suffix": "",
            "start_number": 1,
            "starting_number_length": 5,
        }
    if data_type == "rollup_summary":
        field["rollup_summary"] = opts["rollup"]
    if data_type == "multiselectlookup":
        field["multiselectlookup"] = opts["msl"]
    if data_type == "multiuserlookup":
        field["multiuserlookup"] = opts["mul"]
    if data_type == "subform":
        field["subform"] = {"module": opts["subform"], "id": None}
        field["associated_module"] = {"api_name": opts["subform"], "id": None}
    return field
