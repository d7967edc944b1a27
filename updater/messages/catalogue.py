"""The catalogue of a person's words for every error code: what happened, and what to do next."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserMessage:
    title: str
    detail: str
    next_step: str


def _m(title: str, detail: str, next_step: str) -> UserMessage:
    return UserMessage(title=title, detail=detail, next_step=next_step)


ADMIN = "Ask your Zoho CRM administrator."
RETRY = "Try again in a moment."
RECONNECT = "Reconnect this Zoho account from the connections page."

CATALOGUE: dict[str, UserMessage] = {
    # Codes on zoho-update-records.txt and zoho-update-related-records-by-external-id.txt.
    "INVALID_MODULE": _m(
        "This module is not available",
        "Zoho does not know this module, or your user cannot open it.",
        ADMIN,
    ),
    "INVALID_MODULE:unsupported": _m(
        "This module cannot be edited here",
        "Zoho does not offer this module through its API.",
        "Edit it in Zoho CRM itself.",
    ),
    "INVALID_DATA": _m(
        "Some values were not accepted",
        "Zoho refused one or more values.",
        "Correct the highlighted fields and save again.",
    ),
    "MANDATORY_NOT_FOUND": _m(
        "A required value is missing",
        "Zoho needs a value that was left empty.",
        "Fill in the highlighted fields and save again.",
    ),
    "INVALID_URL_PATTERN": _m(
        "This page does not exist in Zoho",
        "The address asked of Zoho was not recognised.",
        "Go back to the list and open the record again; if it keeps happening, report it.",
    ),
    "OAUTH_SCOPE_MISMATCH": _m(
        "This connection lacks a permission",
        "The Zoho connection was authorised without the access this action needs.",
        RECONNECT,
    ),
    "NO_PERMISSION": _m(
        "You do not have permission", "Your Zoho user is not allowed to do this.", ADMIN
    ),
    "AUTHORIZATION_FAILED": _m(
        "You do not have permission",
        "Your Zoho user does not have enough privileges for this.",
        ADMIN,
    ),
    "ALREADY_MODIFIED": _m(
        "Someone else changed this record",
        "The record was saved by someone else after you opened it, so your changes were not saved.",
        "Reload the record, check their changes, then make yours again.",
    ),
    "INTERNAL_ERROR": _m(
        "Zoho had a problem",
        "Zoho failed while handling the request.",
        f"{RETRY} If it keeps failing, contact Zoho support.",
    ),
    "INVALID_REQUEST_METHOD": _m(
        "This action is not supported",
        "Zoho does not accept this kind of request here.",
        "Report this problem to us.",
    ),
    "DUPLICATE_DATA": _m(
        "A value must be unique",
        "Another record already has a value that must be unique.",
        "Change the highlighted value, or open the other record instead.",
    ),
    "LIMIT_EXCEEDED": _m(
        "Too many values",
        "A limit was exceeded (for example, at most 50 participants per event).",
        "Remove some values and save again.",
    ),
    "RECORD_LOCKED": _m(
        "This record is locked",
        "The record is locked, so it cannot be changed right now.",
        "Wait until it is unlocked, then save again.",
    ),
    "RECORD_LOCKED:processing": _m(
        "Zoho is still processing this record",
        "Zia image validation or a merge of duplicates is still running on this record.",
        "Wait until it finishes, then save again.",
    ),
    "RECORD_LOCKED:dependent": _m(
        "A linked record is locked",
        "One of the records you are linking in a multi-select lookup is locked.",
        "Wait until that record is unlocked, or leave it out, then save again.",
    ),
    "NOT_APPROVED": _m(
        "This record awaits approval",
        "The record is waiting for approval or was rejected by Zia image validation.",
        "Replace or delete the rejected image, or wait for the reviewer, then save again.",
    ),
    "DEPENDENT_MISMATCH": _m(
        "Values do not fit together",
        "One value is not allowed with another (for example, a call duration of zero).",
        "Correct the highlighted fields and save again.",
    ),
    # Token and transport problems.
    "INVALID_TOKEN": _m(
        "The Zoho session expired",
        "Zoho no longer accepts this connection's access.",
        f"{RETRY} If it keeps happening, reconnect this Zoho account.",
    ),
    "AUTHENTICATION_FAILURE": _m(
        "Zoho did not recognise this connection",
        "Zoho could not authenticate the request.",
        RECONNECT,
    ),
    "TOO_MANY_REQUESTS": _m(
        "Zoho is busy",
        "The Zoho API limit (daily credits or parallel requests) has been reached.",
        "Wait a few minutes and try again.",
    ),
    "NON_JSON_RESPONSE": _m(
        "Zoho sent an unexpected answer",
        "Zoho answered with something other than data, such as an error page.",
        RETRY,
    ),
    "timeout": _m(
        "Zoho did not answer in time",
        "The request to Zoho timed out. Your changes may or may not have been saved.",
        "Reload the record to check, then try again.",
    ),
    "connection": _m("Could not reach Zoho", "There was a network problem talking to Zoho.", RETRY),
    "invalid_response": _m(
        "Zoho sent an unreadable answer", "The answer from Zoho could not be read.", RETRY
    ),
    "UNSAFE_DOMAIN": _m(
        "Unsafe Zoho address",
        "The connection points to an address that is not a Zoho API server, so nothing was sent.",
        RECONNECT,
    ),
    "invalid_code": _m(
        "The Zoho authorisation expired",
        "The authorisation code or saved access was already used, expired or was revoked.",
        RECONNECT,
    ),
    "invalid_client": _m(
        "Zoho does not know this app",
        "The client id is unknown to this "
        "Zoho data centre; usually the wrong data centre was chosen.",
        "Choose the data centre your Zoho account lives in and connect again.",
    ),
    "invalid_client_secret": _m(
        "The app secret is wrong",
        "Zoho refused the client secret.",
        "Check the client secret in the settings.",
    ),
    "access denied": _m(
        "Too many Zoho sign-ins",
        "Zoho limits new access to 10 per 10 minutes and has paused it.",
        "Wait ten minutes and try again.",
    ),
    # Other codes from zoho-api.md §4.2 and §4.3.
    "REQUIRED_DATA_NOT_FOUND": _m(
        "A required value is missing",
        "Zoho needs a value that was left empty.",
        "Fill in the highlighted fields.",
    ),
    "MULTIPLE_OR_MULTI_ERRORS": _m(
        "Several values were not accepted",
        "Zoho refused more than one value.",
        "Correct the highlighted fields and save again.",
    ),
    "DEPENDENT_FIELD_MISSING": _m(
        "A related value is missing",
        "One field needs another one to be filled in.",
        "Fill in the highlighted fields.",
    ),
    "AMBIGUITY_DURING_PROCESSING": _m(
        "Conflicting values",
        "Zoho could not tell which of two values to use.",
        "Keep only one of them.",
    ),
    "EXPECTED_FIELD_MISSING": _m(
        "A required value is missing",
        "Zoho expected a field that was not sent.",
        "Fill in the highlighted fields.",
    ),
    "NOT_ALLOWED": _m(
        "This value cannot be changed",
        "Zoho does not allow this change.",
        "Undo the change to the highlighted field.",
    ),
    "RECORD_IN_BLUEPRINT": _m(
        "This record follows a blueprint",
        "A Zoho blueprint controls this change.",
        "Make the change through the blueprint in Zoho CRM.",
    ),
    "REQUIRED_PARAM_MISSING": _m(
        "The request was incomplete",
        "Zoho needed information that was not sent.",
        "Report this problem to us.",
    ),
    "INVALID_QUERY": _m(
        "The search was not understood",
        "Zoho could not read the search.",
        "Simplify the search and try again.",
    ),
    "NO_CONTENT": _m(
        "Nothing found",
        "Zoho has no matching record.",
        "Check the search or the link you followed.",
    ),
}

# Codes whose record-level meaning differs from their field-level words above: a save whose record
# id Zoho rejects (INVALID_DATA on the id) or never received (MANDATORY_NOT_FOUND on the id).
RECORD_LEVEL: dict[str, UserMessage] = {
    "INVALID_DATA": _m(
        "This record was not found in Zoho",
        "Zoho says the record ID is not valid: the record may have been deleted or merged.",
        "Go back to the list and open the record again.",
    ),
    "MANDATORY_NOT_FOUND": _m(
        "Zoho did not receive the record's ID",
        "The save reached Zoho without saying which record to change.",
        "Reload the record and save again; if it keeps happening, report it.",
    ),
}

# Linking contacts to deals by external id (zoho-update-related-records-by-external-id.txt):
# the words next to the contact input or one deal row, filled with what the person typed.
LINK_TEXTS: dict[str, str] = {
    "contact_missing": "No contact has {field} “{value}”.",
    "contact_missing_by_id": "No contact has the record id “{value}”.",
    "deal_missing": "No deal has {field} “{value}”.",
    "deal_refused": "Zoho did not accept this {field}.",
    "deal_field_missing": "{field} is missing: Zoho needs it because the request names it.",
    "role_unknown": "Zoho does not know this contact role; choose another one.",
    "linked": "Linked.",
    "not_sent": "Not linked: {title}. {next_step}",
    "stopped_by_line": "Not linked: line {line} stopped this call.",
}

GENERIC = _m(
    "Something went wrong with Zoho",
    "Zoho refused the request.",
    f"{RETRY} If it keeps failing, report it.",
)
STATUS_FALLBACK = {
    401: "AUTHENTICATION_FAILURE",
    403: "NO_PERMISSION",
    404: "INVALID_URL_PATTERN",
    412: "ALREADY_MODIFIED",
    429: "TOO_MANY_REQUESTS",
}
