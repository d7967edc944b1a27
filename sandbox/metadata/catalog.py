"""The sandbox org's modules and their fields, as compact specs.

Contacts and Deals carry one field of every data type in zoho-api.md §2.3; the others are smaller.
`Listings` (module_name "Properties") is the custom module; `Wide_Module` has 300 fields for
benchmarks. Spec: (api_name, data_type, options) with options as in `fields.build_field`.
"""

from __future__ import annotations

from typing import Any

from sandbox.store import ID_BASE

Spec = tuple[str, str, dict[str, Any]]


def module_id(no: int) -> str:
    return str(ID_BASE + 500 + no)


# Zoho's Users module has an id like any other; lookups to users name it.
USERS_MODULE_NO = 30


LEAD_SOURCES = [
    "Advertisement",
    "Cold Call",
    "Employee Referral",
    "Online Store",
    "Partner",
    "Trade Show",
    "Web Download",
]
INDUSTRIES = [
    "Consulting",
    "Education",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Real Estate",
    "Retail",
    "Technology",
]
STAGES = [
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
]
LANGUAGES = ["English", "French", "German", "Hindi", "Japanese", "Korean", "Spanish"]
CALL_TYPES = ["Inbound", "Outbound", "Missed"]


def _common() -> list[Spec]:
    """System fields every module has (read-only except Owner)."""
    return [
        ("Owner", "ownerlookup", {"label": "Record Owner", "target": "users"}),
        ("Created_By", "ownerlookup", {"read_only": True}),
        ("Modified_By", "ownerlookup", {"read_only": True}),
        ("Created_Time", "datetime", {"read_only": True}),
        ("Modified_Time", "datetime", {"read_only": True}),
        ("Tag", "text", {"json_type": "jsonarray", "read_only": True}),
    ]


def _msl(api: str, linking: str, inner: str, target: str, no: int) -> dict[str, Any]:
    return {
        "display_label": api.replace("_", " "),
        "linking_module": {"api_name": linking, "id": module_id(no)},
        "lookup_apiname": inner,
        "connected_module": {"api_name": target, "id": None},  # resolved in modules._build
        "api_name": api,
        "connectedfield_apiname": inner,
        "connectedlookup_apiname": inner,
        "id": module_id(no),
        "record_access": False,
    }


def _rollup(function: str, based_on: str, related: str, field: str) -> dict[str, Any]:
    return {
        "return_type": "double",
        "expression": {
            "function_parameters": [{"api_name": field}],
            "criteria": None,
            "function": function,
        },
        "based_on_module": {"api_name": based_on, "id": None},  # resolved in modules._build
        "related_list": {"api_name": related, "id": None},
        "rollup_based_on": "related_list",
    }


CONTACT_FIELDS: list[Spec] = [
    ("Record_Image", "profileimage", {"label": "Contact Image"}),
    ("First_Name", "text", {"length": 40}),
    ("Last_Name", "text", {"length": 80, "mandatory": True}),
    ("Full_Name", "text", {"read_only": True}),
    ("Email", "email", {"unique": {"casesensitive": False}}),
    ("Secondary_Email", "email", {}),
    ("Phone", "phone", {}),
    ("Mobile", "phone", {}),
    ("Account_Name", "lookup", {"target": "Accounts"}),
    ("Title", "text", {"length": 100}),
    ("Department", "text", {"length": 100}),
    ("Date_of_Birth", "date", {}),
    ("Lead_Source", "picklist", {"values": LEAD_SOURCES}),
    ("Email_Opt_Out", "boolean", {}),
    ("Website", "website", {"custom": True}),
    (
        "External_Contact_ID",
        "text",
        {
            "custom": True,
            "unique": {"casesensitive": True},
            "external": {"show": True, "type": "org", "allow_multiple_config": False},
        },
    ),
    ("Languages", "multiselectpicklist", {"values": LANGUAGES, "custom": True}),
    ("Loyalty_Points", "integer", {"custom": True}),
    ("Customer_Number", "bigint", {"custom": True, "label": "Customer Number"}),
    ("Lifetime_Value", "currency", {"custom": True}),
    ("Discount_Rate", "percent", {"custom": True}),
    ("Credit_Score", "double", {"custom": True}),
    ("Satisfaction", "decimal", {"custom": True}),
    ("Last_Contacted", "datetime", {"custom": True}),
    ("Relationship_Manager", "userlookup", {"custom": True, "target": "users"}),
    ("Description", "textarea", {"textarea": "large"}),
    ("Bio", "textarea", {"textarea": "rich_text", "custom": True}),
    ("Notes_Short", "textarea", {"textarea": "small", "custom": True, "length": 200}),
    ("Contact_Number", "autonumber", {"prefix": "CON-", "custom": True}),
    ("Engagement_Score", "formula", {"custom": True, "expression": "Loyalty_Points*1.5"}),
    (
        "Open_Deals_Amount",
        "rollup_summary",
        {"custom": True, "rollup": _rollup("SUM", "Deals", "Deals", "Amount")},
    ),
    (
        "Favourite_Listings",
        "multiselectlookup",
        {
            "custom": True,
            "msl": _msl(
                "Favourite_Listings", "Contacts_X_Listings", "Favourite_Listing", "Listings", 30
            ),
        },
    ),
    (
        "Team_Members",
        "multiuserlookup",
        {
            "custom": True,
            "mul": _msl("Team_Members", "Contacts_X_Users", "Team_Member", "users", 31),
        },
    ),
    ("Photos", "imageupload", {"custom": True}),
    ("Documents", "fileupload", {"custom": True}),
    ("Addresses", "subform", {"custom": True, "subform": "Contact_Addresses"}),
    ("Mailing_Street", "text", {}),
    ("Mailing_City", "text", {"length": 100}),
    ("Mailing_Country", "text", {"length": 100}),
]

DEAL_FIELDS: list[Spec] = [
    ("Deal_Name", "text", {"length": 120, "mandatory": True}),
    ("Account_Name", "lookup", {"target": "Accounts"}),
    ("Contact_Name", "lookup", {"target": "Contacts"}),
    ("Amount", "currency", {}),
    ("Stage", "picklist", {"values": STAGES, "mandatory": True}),
    ("Pipeline", "picklist", {"values": ["Standard (Standard)", "Renewals"]}),
    ("Closing_Date", "date", {}),
    ("Probability", "percent", {}),
    ("Expected_Revenue", "formula", {"return_type": "currency", "expression": "Amount*Prob"}),
    ("Type", "picklist", {"values": ["New Business", "Existing Business"]}),
    ("Lead_Source", "picklist", {"values": LEAD_SOURCES}),
    ("Next_Step", "text", {"length": 100}),
    (
        "External_Deal_ID",
        "text",
        {
            "custom": True,
            "unique": {"casesensitive": True},
            "external": {"show": True, "type": "org", "allow_multiple_config": False},
        },
    ),
    ("Foreign_Languages", "multiselectpicklist", {"values": LANGUAGES, "custom": True}),
    ("Image_Upload", "imageupload", {"custom": True}),
    (
        "Listings",
        "multiselectlookup",
        {
            "custom": True,
            "msl": _msl("Listings", "Deals_X_Listings", "Interested_Listings", "Listings", 32),
        },
    ),
    (
        "AssociatedUser",
        "multiuserlookup",
        {"custom": True, "mul": _msl("AssociatedUser", "Deals_X_Users", "User", "users", 33)},
    ),
    ("Deal_Number", "autonumber", {"prefix": "DL-", "custom": True}),
    ("Is_Renewal", "boolean", {"custom": True}),
    ("Seats", "integer", {"custom": True}),
    ("Contract_Id", "bigint", {"custom": True}),
    ("Margin", "double", {"custom": True}),
    ("Discount", "decimal", {"custom": True}),
    ("Closed_At", "datetime", {"custom": True}),
    ("Reviewer", "userlookup", {"custom": True, "target": "users"}),
    ("Contract_Files", "fileupload", {"custom": True}),
    ("Deal_Website", "website", {"custom": True}),
    ("Billing_Email", "email", {"custom": True}),
    ("Billing_Phone", "phone", {"custom": True}),
    ("Line_Items", "subform", {"custom": True, "subform": "Deal_Line_Items"}),
    ("Description", "textarea", {"textarea": "large"}),
    ("Proposal_Notes", "textarea", {"textarea": "rich_text", "custom": True}),
    (
        "Line_Items_Total",
        "rollup_summary",
        {"custom": True, "rollup": _rollup("SUM", "Deal_Line_Items", "Line_Items", "Unit_Price")},
    ),
]

SUBFORMS: dict[str, list[Spec]] = {
    "Contact_Addresses": [
        ("Address_Type", "picklist", {"values": ["Home", "Work", "Other"]}),
        ("Street", "text", {"length": 120}),
        ("City", "text", {"length": 60, "mandatory": True}),
        ("Is_Primary", "boolean", {}),
        ("Since", "date", {}),
    ],
    "Deal_Line_Items": [
        ("Product", "lookup", {"target": "Products"}),
        ("Quantity", "integer", {"mandatory": True}),
        ("Unit_Price", "currency", {}),
        ("Line_Note", "text", {"length": 100}),
    ],
}
