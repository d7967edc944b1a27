"""The module registry: specs of the smaller modules plus the assembled `Module` objects."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from sandbox.metadata import catalog
from sandbox.metadata.catalog import CALL_TYPES, INDUSTRIES, LANGUAGES, LEAD_SOURCES, Spec
from sandbox.metadata.fields import build_field

LEAD_FIELDS: list[Spec] = [
    ("Company", "text", {"length": 200}),
    ("First_Name", "text", {"length": 40}),
    ("Last_Name", "text", {"length": 80, "mandatory": True}),
    ("Full_Name", "text", {"read_only": True}),
    ("Email", "email", {}),
    ("Phone", "phone", {}),
    ("Mobile", "phone", {}),
    ("Website", "website", {}),
    ("Lead_Source", "picklist", {"values": LEAD_SOURCES}),
    (
        "Lead_Status",
        "picklist",
        {
            "values": [
                "Attempted to Contact",
                "Contact in Future",
                "Contacted",
                "Junk Lead",
                "Not Contacted",
            ]
        },
    ),
    ("Industry", "picklist", {"values": INDUSTRIES}),
    ("No_of_Employees", "integer", {}),
    ("Annual_Revenue", "currency", {}),
    ("Email_Opt_Out", "boolean", {}),
    ("Record_Image", "profileimage", {}),
    ("Description", "textarea", {"textarea": "large"}),
]
ACCOUNT_FIELDS: list[Spec] = [
    ("Account_Name", "text", {"length": 200, "mandatory": True}),
    ("Account_Number", "bigint", {}),
    ("Website", "website", {}),
    ("Phone", "phone", {}),
    ("Industry", "picklist", {"values": INDUSTRIES}),
    ("Employees", "integer", {}),
    ("Annual_Revenue", "currency", {}),
    ("Billing_City", "text", {"length": 100}),
    ("Billing_Country", "text", {"length": 100}),
    ("Description", "textarea", {}),
    (
        "Open_Deals_Total",
        "rollup_summary",
        {"custom": True, "rollup": catalog._rollup("SUM", "Deals", "Deals", "Amount")},
    ),
]
CALL_FIELDS: list[Spec] = [
    ("Subject", "text", {"mandatory": True}),
    ("Call_Type", "picklist", {"values": CALL_TYPES, "mandatory": True}),
    ("Call_Start_Time", "datetime", {"mandatory": True}),
    (
        "Call_Duration",
        "text",
        {
            "length": 10,
            "mandatory": True,
            "tooltip": "mm:ss; cannot be zero for inbound/outbound calls",
        },
    ),
    ("Call_Duration_in_seconds", "integer", {"read_only": True}),
    ("Call_Purpose", "picklist", {"values": ["Prospecting", "Negotiation", "Demo", "Support"]}),
    ("Who_Id", "lookup", {"label": "Contact Name", "target": "Contacts"}),
    ("Call_Result", "picklist", {"values": ["Interested", "Not interested", "No response"]}),
    ("Description", "textarea", {}),
]
EVENT_FIELDS: list[Spec] = [
    ("Event_Title", "text", {"mandatory": True}),
    ("Venue", "text", {}),
    ("Start_DateTime", "datetime", {"mandatory": True}),
    ("End_DateTime", "datetime", {"mandatory": True}),
    ("All_day", "boolean", {}),
    ("Participants", "participants", {}),
    ("Remind_At", "event_reminder", {}),
    ("Recurring_Activity", "RRULE", {}),
    ("Description", "textarea", {}),
]
PRODUCT_FIELDS: list[Spec] = [
    ("Product_Name", "text", {"length": 200, "mandatory": True}),
    ("Product_Code", "text", {"length": 40}),
    ("Unit_Price", "currency", {}),
    ("Qty_in_Stock", "double", {}),
    ("Product_Active", "boolean", {}),
    ("Product_Category", "picklist", {"values": ["Hardware", "Software", "Services"]}),
    ("Taxes", "multiselectpicklist", {"values": ["VAT", "Sales Tax", "GST"]}),
    ("Description", "textarea", {}),
]
LISTING_FIELDS: list[Spec] = [
    ("Name", "text", {"label": "Property Name", "mandatory": True, "length": 120}),
    ("Address", "text", {"custom": True}),
    ("City", "text", {"custom": True, "length": 80}),
    ("Price", "currency", {"custom": True}),
    ("Bedrooms", "integer", {"custom": True}),
    ("Area_sqft", "double", {"custom": True}),
    (
        "Listing_Status",
        "picklist",
        {"custom": True, "values": ["Available", "Under Offer", "Sold"]},
    ),
    (
        "Amenities",
        "multiselectpicklist",
        {"custom": True, "values": ["Balcony", "Garden", "Gym", "Parking", "Pool"]},
    ),
    ("Listed_On", "date", {"custom": True}),
    ("Available_From", "datetime", {"custom": True}),
    ("Pet_Friendly", "boolean", {"custom": True}),
    ("Commission_Rate", "percent", {"custom": True}),
    ("Agent", "userlookup", {"custom": True, "target": "users"}),
    ("Photos", "imageupload", {"custom": True}),
    ("Listing_Code", "autonumber", {"custom": True, "prefix": "PR-"}),
]
WIDE_TYPES = [
    "text",
    "integer",
    "double",
    "currency",
    "percent",
    "boolean",
    "date",
    "datetime",
    "picklist",
    "multiselectpicklist",
    "email",
    "phone",
    "website",
    "textarea",
    "bigint",
    "decimal",
    "lookup",
    "userlookup",
]


def _wide_fields() -> list[Spec]:
    specs: list[Spec] = [("Name", "text", {"mandatory": True, "label": "Wide Record Name"})]
    for i in range(1, 300):
        data_type = WIDE_TYPES[i % len(WIDE_TYPES)]
        opts: dict[str, Any] = {"custom": True}
        if data_type in {"picklist", "multiselectpicklist"}:
            opts["values"] = LANGUAGES
        if data_type in {"lookup", "userlookup"}:
            opts["target"] = "Accounts" if data_type == "lookup" else "users"
        specs.append((f"Field_{i:03d}", data_type, opts))
    return specs


@dataclasses.dataclass(frozen=True)
class ModuleSpec:
    no: int
    api_name: str
    module_name: str
    singular: str
    plural: str
    specs: list[Spec]
    generated_type: str = "default"
    display_field: str = "Name"
    api_supported: bool = True


MODULE_SPECS = [
    ModuleSpec(1, "Leads", "Leads", "Lead", "Leads", LEAD_FIELDS, display_field="Full_Name"),
    ModuleSpec(
        2,
        "Contacts",
        "Contacts",
        "Contact",
        "Contacts",
        catalog.CONTACT_FIELDS,
        display_field="Full_Name",
    ),
    ModuleSpec(
        3,
        "Accounts",
        "Accounts",
        "Account",
        "Accounts",
        ACCOUNT_FIELDS,
        display_field="Account_Name",
    ),
    ModuleSpec(
        4, "Deals", "Deals", "Deal", "Deals", catalog.DEAL_FIELDS, display_field="Deal_Name"
    ),
    ModuleSpec(5, "Calls", "Calls", "Call", "Calls", CALL_FIELDS, display_field="Subject"),
    # Zoho quirk: the Events api_name is served as module_name "Meetings".
    ModuleSpec(
        6, "Events", "Meetings", "Meeting", "Meetings", EVENT_FIELDS, display_field="Event_Title"
    ),
    ModuleSpec(
        7,
        "Products",
        "Products",
        "Product",
        "Products",
        PRODUCT_FIELDS,
        display_field="Product_Name",
    ),
    ModuleSpec(
        8,
        "Listings",
        "Properties",
        "Property",
        "Properties",
        LISTING_FIELDS,
        generated_type="custom",
    ),
    ModuleSpec(
        9,
        "Wide_Module",
        "Wide_Module",
        "Wide Record",
        "Wide Records",
        _wide_fields(),
        generated_type="custom",
    ),
    ModuleSpec(
        20,
        "Contact_Addresses",
        "Contact_Addresses",
        "Address",
        "Addresses",
        catalog.SUBFORMS["Contact_Addresses"],
        generated_type="subform",
        display_field="City",
        api_supported=False,
    ),
    ModuleSpec(
        21,
        "Deal_Line_Items",
        "Deal_Line_Items",
        "Line Item",
        "Line Items",
        catalog.SUBFORMS["Deal_Line_Items"],
        generated_type="subform",
        display_field="Line_Note",
        api_supported=False,
    ),
]


@dataclasses.dataclass(frozen=True)
class Module:
    spec: ModuleSpec
    fields: list[dict[str, Any]]

    @property
    def api_name(self) -> str:
        return self.spec.api_name

    @property
    def id(self) -> str:
        return catalog.module_id(self.spec.no)

    @functools.cached_property
    def by_name(self) -> dict[str, dict[str, Any]]:
        return {f["api_name"]: f for f in self.fields}

    @property
    def scope_name(self) -> str:
        """The name used in module scopes (ZohoCRM.modules.<name>.<op>)."""
        return "custom" if self.spec.generated_type == "custom" else self.api_name.lower()


def _build(spec: ModuleSpec) -> Module:
    is_subform = spec.generated_type == "subform"
    specs = list(spec.specs) if is_subform else list(spec.specs) + catalog._common()
    fields = [
        build_field(
            spec.api_name, spec.no, pos, api, data_type, display=(spec.display_field,), **opts
        )
        for pos, (api, data_type, opts) in enumerate(specs, start=1)
    ]
    names = {m.api_name: m.no for m in MODULE_SPECS} | {"users": catalog.USERS_MODULE_NO}

    def resolve(ref: dict[str, Any] | None) -> None:
        # Zoho sends a module's numeric id (a string), never "".
        if ref and ref.get("api_name") in names:
            ref["id"] = catalog.module_id(names[ref["api_name"]])

    for field in fields:
        resolve(field["lookup"].get("module") if field["lookup"] else None)
        for key in ("multiselectlookup", "multiuserlookup"):
            resolve(field[key].get("connected_module") if field[key] else None)
        if field["rollup_summary"]:
            resolve(field["rollup_summary"]["based_on_module"])
        if field["subform"]:
            field["subform"]["id"] = catalog.module_id(names[field["subform"]["module"]])
            resolve(field["associated_module"])
    return Module(spec, fields)


@functools.cache
def registry() -> dict[str, Module]:
    return {spec.api_name: _build(spec) for spec in MODULE_SPECS}


def get_module(api_name: str) -> Module | None:
    """Module lookup is case-insensitive, as Zoho's URLs are."""
    modules = registry()
    if api_name in modules:
        return modules[api_name]
    lowered = {name.lower(): module for name, module in modules.items()}
    return lowered.get(api_name.lower())
