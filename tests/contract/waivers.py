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
# "require" makes the listed keys required wherever a schema under the place declares them
# (so a oneOf can tell its branches apart); "status" validates an undocumented status
# against the schema of a documented one.
KINDS = {"allow", "drop", "nullable", "require", "status"}


@dataclasses.dataclass(frozen=True)
class Waiver:
    file: str
    pointer: str  # JSON pointer into the OAS file ("" for the whole file)
    kind: str
    value: Any
    reason: str


WAIVERS: list[Waiver] = []
# 204 has no body; the others carry Zoho's error envelope, or a data[] of per-record results.
UNDOCUMENTED_STATUSES = ("204", "207", "304", "400", "401", "403", "404", "412", "429", "500")
WAIVERS += [
    Waiver(
        file,
        "",
        "status",
        UNDOCUMENTED_STATUSES,
        "The OAS documents only 200 for the record APIs; the seed pages and zoho-api.md §4 list "
        "204 (no records), 207 (mixed batch), 304, 400/401/403/404/412/429/500 with the same "
        "envelope, so those answers are checked against the 200 schema (its API_Exception branch).",
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
