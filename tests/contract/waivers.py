"""Every place where Zoho's OAS files are loose or contradict Zoho's own pages, with the reason.

One list, applied by `tests/contract/oas.py` to the documents before any validation. The seed pages
(`reference/zoho-update-records.txt`, `zoho-update-related-records-by-external-id.txt`) and
`reference/zoho-api.md` win over the OAS where they disagree; a waiver never hides a sandbox bug:
each one names the place in the OAS it loosens and why Zoho's pages allow it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

# Kinds of change: "allow" adds enum values; "drop" removes keywords; "nullable" allows null;
# "optional" removes the listed keys from the schema's `required`; "or_empty" also accepts {};
# "require" makes the listed keys required wherever a schema under the place declares them
# (so a oneOf can tell its branches apart); "status" validates an undocumented status
# against the schema of a documented one; "parameter" adds a parameter the pages document to an
# operation (the pointer names the operation); "property" adds a property the pages document to
# a request schema ({name: schema}).
KINDS = {
    "allow",
    "drop",
    "nullable",
    "optional",
    "or_empty",
    "require",
    "status",
    "parameter",
    "property",
}


@dataclasses.dataclass(frozen=True)
class Waiver:
    file: str
    pointer: str  # JSON pointer into the OAS file ("" for the whole file)
    kind: str
    value: Any
    reason: str


WAIVERS: list[Waiver] = []
# 204 has no body; the others carry Zoho's error envelope, or a data[] of per-record results.
UNDOCUMENTED_STATUSES = (
    "201",
    "204",
    "207",
    "304",
    "400",
    "401",
    "403",
    "404",
    "412",
    "429",
    "500",
)
WAIVERS += [
    Waiver(
        file,
        "",
        "status",
        UNDOCUMENTED_STATUSES,
        "The OAS documents only 200 for the record APIs; the seed pages and zoho-api.md §4 list "
        "201 (insert, all added), 204 (no records), 207 (mixed batch), 304, "
        "400/401/403/404/412/429/500 with the same envelope, so those answers are checked "
        "against the 200 schema (its API_Exception branch).",
    )
    for file in ("record.json", "related_records.json")
] + [
    Waiver(
        file,
        "",
        "require",
        ("data", "file", "code", "status", "message"),
        "API_Exception, Success_Response and the wrappers require no property, so any object fits "
        "every oneOf branch; Zoho's pages show each always carries these keys (zoho-api.md §4.1).",
    )
    for file in ("record.json", "related_records.json")
]

API_EXCEPTION = "/components/schemas/API_Exception/properties"
# Codes the pages document for these operations that the OAS enums leave out.
RECORD_CODES = (
    "AMBIGUITY_DURING_PROCESSING",  # zoho-api.md §3.1: page + page_token, cvid + sort_by
    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",  # §3.1: page beyond the first 2000 records
    "PAGINATION_LIMIT_EXCEEDED",  # §3.1: page_token beyond 100,000 records
    "TOKEN_BOUND_DATA_MISMATCH",  # §3.1
    "EXPIRED_VALUE",  # §3.1: page_token older than 24 h
    "EXPECTED_PARAM_MISSING",  # §3.3: search without criteria/email/phone/word
    "TOO_MANY_REQUESTS",  # §4.3: 429
    "ALREADY_MODIFIED",  # zoho-update-records.txt: 412
    "AUTHORIZATION_FAILED",  # zoho-update-records.txt
)
RECORD_MESSAGES = (
    # zoho-update-records.txt, "Possible Errors" and samples:
    "Unauthorized",
    "Permission denied to update",
    "User does not have sufficient privilege to update records",
    "Internal Server Error",
    "You cannot perform this operation as the record is locked.",
    "Cannot update record that is not approved yet",
    "record updated time has already passed if-unmodified-since time",  # zoho-api.md §3.4 sample
    "Fields limit exceeded",  # zoho-api.md §3.1
    "the module name given seems to be invalid",  # record_count.json's own wording of it
    "The maximum number of records that can be fetched using page is 2000",  # §3.1
    # The codes above whose words neither the OAS nor the pages give (INFERRED in sandbox/README):
    "Please use either page or page_token. Combination of both the params is not allowed",
    "pagination limit exceeded",
    "the page_token does not match the given parameters",
    "the page_token has expired",
    "search results exceed the limit of 2000 records",
    "too many requests",
)
RELATED_CODES = (
    # zoho-update-related-records-by-external-id.txt and zoho-api.md §3.8/§3.9:
    "MANDATORY_NOT_FOUND",
    "LIMIT_EXCEEDED",
    "REQUIRED_PARAM_MISSING",
    "NOT_SUPPORTED",
    "OAUTH_SCOPE_MISMATCH",
    "AUTHENTICATION_FAILURE",
    "INVALID_MODULE",
    "AUTHORIZATION_FAILED",
    "TOO_MANY_REQUESTS",
)
RELATED_MESSAGES = (
    "You have specified an invalid external ID for the base module.",  # external-id page
    "The ID of the external field is invalid.",  # external-id page
    "the id given seems to be invalid",  # zoho-update-records.txt (same envelope)
    "required field not found",
    "Record count exceeded",  # record.json's wording for more than 100 records
    "One of the expected parameter is missing",
    "the relation is not supported for this operation",  # INFERRED: NOT_SUPPORTED's words
    "Permission denied to update",
    "Unauthorized",
)
WAIVERS += [
    Waiver(
        "record.json",
        f"{API_EXCEPTION}/code",
        "allow",
        RECORD_CODES,
        "The enum lists sample codes; zoho-api.md and the update page document these as well.",
    ),
    Waiver(
        "record.json",
        f"{API_EXCEPTION}/message",
        "allow",
        RECORD_MESSAGES,
        "The message enum is a set of sample wordings; the update page's own wordings win.",
    ),
    Waiver(
        "related_records.json",
        f"{API_EXCEPTION}/code",
        "allow",
        RELATED_CODES,
        "The enum lists sample codes; the related-records pages document these as well.",
    ),
    Waiver(
        "related_records.json",
        f"{API_EXCEPTION}/message",
        "allow",
        RELATED_MESSAGES,
        "The message enum is a set of sample wordings; the related-records pages' wordings win.",
    ),
    Waiver(
        "related_records.json",
        "/components/schemas/Success_Response/properties/message",
        "allow",
        ("relation updated",),
        'zoho-api.md §3.8: a deal\'s contact-role link that exists answers "relation updated".',
    ),
    Waiver(
        "record.json",
        "/components/schemas/Info/properties/next_page_token",
        "nullable",
        None,
        "zoho-api.md §3.1's sample sends next_page_token null on the last page.",
    ),
    Waiver(
        "record.json",
        "/components/schemas/Info/properties/previous_page_token",
        "nullable",
        None,
        "zoho-api.md §3.1's sample sends previous_page_token null on the first page.",
    ),
    Waiver(
        "record.json",
        "/components/schemas/Info/properties/page_token_expiry",
        "nullable",
        None,
        "Null with no page token to expire (related records list, zoho-api.md §3.8).",
    ),
]

# --- metadata (fields, layouts, modules, related lists, users)
FIELD_SCHEMAS = (
    ("fields.json", "/components/schemas/fields"),
    ("layouts.json", "/components/schemas/fields"),
    ("modules.json", "/components/schemas/fields"),
)
# Sub-objects Zoho sends as null on a field that has none of the feature: zoho-api.md §2.2 documents
# `tooltip{name,value}|null`, `crypt: null or {...}`, `external: null or {...}`; the same holds for
# the other feature objects (null on every field of Zoho's v7 Leads sample that lacks the feature).
FIELD_NULLS = (
    "associated_module",  # null except on subform fields
    "tooltip",
    "crypt",
    "external",
    "history_tracking",
    "association_details",
    "hipaa_compliance",  # issue #12: null, or an object on fields that may hold personal data
    "refer_from_field",
    "sharing_properties",  # only on user lookups with sharing
    "sub_module",
    "allowed_modules",
    "default_value",  # null when the field has no default (§2.2: defaults are per layout)
)
# Keys the OAS requires on every field that Zoho sends only on some (or only in requests).
FIELD_SOMETIMES = (
    "textarea",  # §2.2: "sometimes textarea{type}": only on textarea fields
    "autonumber",  # §2.2 lists auto_number; this second spelling is only on autonumber fields
    "file_upolad_optionlist",  # only on fileupload fields
    "common.picklist",  # not in Zoho's field sample; an OAS artefact
    "_update_existing_records",  # a request flag of the picklist-update API, never answered
    "static_values",  # layouts.json: only on fields with static values
    "_delete",  # layouts.json: a request flag for deleting a field/section, never answered
)
WAIVERS += (
    [
        Waiver(
            file,
            f"{schema}/properties/{key}",
            "nullable",
            None,
            "Zoho sends null on a field without this feature (zoho-api.md §2.2).",
        )
        for file, schema in FIELD_SCHEMAS
        for key in FIELD_NULLS
        if (file, key) != ("layouts.json", "default_value")  # already nullable there
    ]
    + [
        Waiver(
            file,
            schema,
            "optional",
            FIELD_SOMETIMES if file == "layouts.json" else FIELD_SOMETIMES[:-2],
            "Zoho sends these keys only on fields that have the feature, or only in requests.",
        )
        for file, schema in FIELD_SCHEMAS
    ]
    + [
        Waiver(
            file,
            f"{schema}/properties/multiuserlookup",
            "or_empty",
            None,
            "A field that is not a multi-user lookup sends {} (zoho-api.md §2.2: the same shape as "
            "multiselectlookup, which the v7 sample sends as {} on other fields); the multi-user "
            "lookup fields themselves still carry every required key.",
        )
        for file, schema in FIELD_SCHEMAS
    ]
)
LAYOUTS = "/components/schemas/layouts"
WAIVERS += [
    Waiver(
        "layouts.json",
        "/components/schemas/sections",
        "optional",
        ("_delete",),
        "A request flag for deleting a section; Zoho never answers it.",
    ),
    Waiver(
        "layouts.json",
        "/components/schemas/sections/properties/properties",
        "nullable",
        None,
        "Only subform sections have row properties; the others send null.",
    ),
    Waiver(
        "layouts.json",
        "/components/schemas/convert_mapping",
        "optional",
        ("Contacts", "Deals", "Accounts", "Invoices", "SalesOrders"),
        "zoho-api.md §2.4: convert_mapping names only the modules the layout's records convert "
        "into (Leads: Contacts, Deals, Accounts; the sandbox org has no inventory modules); "
        "other modules send {}.",
    ),
    Waiver(
        "layouts.json",
        f"{LAYOUTS}/properties/created_for",
        "nullable",
        None,
        "A layout created for no particular user sends created_for null.",
    ),
    Waiver(
        "layouts.json",
        "/components/schemas/InvalidParamError/properties/code",
        "allow",
        ("INVALID_MODULE",),
        '"InvalidModule" is no Zoho code; zoho-api.md §4.1 documents INVALID_MODULE.',
    ),
]
MODULES = "/components/schemas/modules"
WAIVERS += [
    Waiver(
        "modules.json",
        MODULES,
        "optional",
        (
            "fields",
            "layouts",
            "related_lists",
            "custom_view",
            "related_list_properties",
            "lookup_field_properties",
            "default_mapping_fields",
            "layout_associations",
        ),
        "zoho-api.md §2.1: OAS8 adds these mostly on the single-module call; the module list "
        "(and custom_view / default_mapping_fields, which need their own APIs) leaves them out.",
    ),
    Waiver(
        "modules.json",
        f"{MODULES}/properties/generated_type",
        "allow",
        ("subform", "field_tracker"),
        "zoho-api.md §2.1: generated_type default|custom|subform|linking|field_tracker|…",
    ),
    Waiver(
        "modules.json",
        "",
        "status",
        ("304", "401=400"),
        "zoho-api.md §2.1: If-Modified-Since answers 304 when unchanged; §1.7: a missing scope "
        "answers 401 OAUTH_SCOPE_MISMATCH with the error envelope (checked as the 400's).",
    ),
    Waiver(
        "modules.json",
        "/components/schemas/Invalid_Module/properties/code",
        "allow",
        ("OAUTH_SCOPE_MISMATCH",),
        "zoho-api.md §1.7: the 401 of a missing scope; Invalid_Module is the error branch whose "
        "details are free, as OAUTH_SCOPE_MISMATCH's {} are.",
    ),
    Waiver(
        "modules.json",
        f"{MODULES}/properties/related_list_properties/properties/sort_by",
        "nullable",
        None,
        "No sort field chosen: null.",
    ),
    Waiver(
        "related_lists.json",
        "/components/schemas/related_list/properties/connectedmodule",
        "nullable",
        None,
        "Only lists through a linking module name connected/linking modules; others send null.",
    ),
    Waiver(
        "related_lists.json",
        "/components/schemas/related_list/properties/linkingmodule",
        "nullable",
        None,
        "Only lists through a linking module name connected/linking modules; others send null.",
    ),
    Waiver(
        "related_lists.json",
        "/components/schemas/related_list/properties/sort_by",
        "nullable",
        None,
        "A related list with its default sort sends sort_by null.",
    ),
    Waiver(
        "users.json",
        "/components/schemas/users/properties/time_zone",
        "drop",
        ("type",),
        "Zoho sends the user's time zone as its IANA name, a string (zoho-api.md §2.3: "
        "date-times carry the current user's time zone); the OAS types it as an object.",
    ),
    Waiver(
        "users.json",
        "/components/schemas/users/properties/email",
        "drop",
        ("pattern",),
        "The pattern matches the OAS's sample address only (9 + 5 letters, .com).",
    ),
]
WAIVERS += [
    Waiver(
        "org.json",
        "/components/schemas/Invalid_Data_Exception",
        "require",
        ("code", "status", "message"),
        "Invalid_Data_Exception requires nothing, so any answer fit it and the org was never "
        "checked against Org; Zoho's errors always carry these keys (zoho-api.md §4.1).",
    ),
]

# --- requests (what updater sends; tests/contract/test_updater_requests.py)
RECORD_WRITES = (
    "/paths/~1crm~1v8~1{module_api_name}~1{id}/put",
    "/paths/~1crm~1v8~1{module_api_name}/put",
)
WAIVERS += [
    Waiver(
        "record.json",
        pointer,
        "parameter",
        {
            "name": "If-Unmodified-Since",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "format": "date-time"},
        },
        "zoho-update-records.txt lists the header (sample 2024-01-15T15:26:49+05:30) and its 412 "
        "ALREADY_MODIFIED; zoho-api.md §3.4: on PUT update (single and bulk) and POST upsert. "
        "The OAS declares only X-EXTERNAL on these operations.",
    )
    for pointer in RECORD_WRITES
] + [
    Waiver(
        "record.json",
        "/components/schemas/Body_Wrapper",
        "property",
        {
            "skip_feature_execution": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "enum": ["cadences"]}},
                    "required": ["name"],
                },
            }
        },
        'zoho-update-records.txt: skip_feature_execution, a JSON array of {name: "cadences"}, '
        "beside data (zoho-api.md §3.4); the OAS wrapper does not list it.",
    ),
]
