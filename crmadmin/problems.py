"""The one place a Zoho error becomes words and a place on the page.

``updater`` raises errors that carry Zoho's codes and facts (``code``, ``field_errors`` with
``api_name``/``json_path``, ``retry_after``, ``needs_reconnect``); this module decides, for any
``ZohoError``, where a person looks for it and what it says:

- ``problem_for(error)`` → ``Problem``: title, detail and next step for the top of a page
  (``templates/crmadmin/_problem.html`` renders it), keeping Zoho's specifics such as the seconds
  a rate limit asks to wait. ``record=True`` when the page is about one record: a value error that
  names no field is then about the record itself (a deleted or never-sent id).
- ``apply_zoho_error(form, error)`` puts each field error on the form field of the same api_name
  (or the subform row its ``json_path`` names) in ``field_text`` words, and the rest at the top.
- ``error_place`` / ``error_text`` / ``row_text`` do the same for the link pages: the contact
  input, one deal row, the deal list, or the top.

Usage in a view::

    try:
        record_update(...)
    except ZohoError as error:
        apply_zoho_error(form, error)
        return render(request, template, {"form": form}, status=422)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from crmadmin.services.linking import ROLE_FIELD, ContactRef, RowResult
from crmadmin.services.lookup import Resolution
from updater.errors import (
    RECONNECT_CODES,
    ApiError,
    FieldError,
    OAuthError,
    RateLimitError,
    RecordResult,
    TransportError,
    UnsafeDomainError,
    ZohoError,
)


@dataclass(frozen=True)
class Problem:
    """An error in a person's words, for the top of a page."""

    title: str
    detail: str
    next_step: str
    code: str = ""
    needs_reconnect: bool = False
    button: str = ""  # a disabled button's words saying why (a record's hold)

    @property
    def sentence(self) -> str:
        """Title, detail and next step as one line (connection pages, management commands)."""
        return f"{self.title}. {self.detail} {self.next_step}"

    @property
    def summary(self) -> str:
        """What happened, without the next step (stored on the connection as its last error)."""
        return f"{self.title}. {self.detail}"

    @property
    def short(self) -> str:
        """What happened and what to do, for a one-line flash message."""
        return f"{self.title}. {self.next_step}"

    @property
    def html(self) -> SafeString:
        """The non-field error of a form: bold title, detail, next step."""
        return format_html(
            '<strong class="error-title">{}.</strong> {} <span class="next-step">{}</span>',
            self.title.rstrip("."),
            self.detail,
            self.next_step,
        )


def _w(title: str, detail: str, next_step: str) -> Problem:
    return Problem(title=title, detail=detail, next_step=next_step)


# -- The catalogue: a person's words for every code ---------------------------------------------

ADMIN = "Ask your Zoho CRM administrator."
RETRY = "Try again in a moment."
RECONNECT = "Reconnect this Zoho account from the connections page."

CATALOGUE: dict[str, Problem] = {
    # Codes on zoho-update-records.txt and zoho-update-related-records-by-external-id.txt.
    "INVALID_MODULE": _w(
        "This module is not available",
        "Zoho does not know this module, or your user cannot open it.",
        ADMIN,
    ),
    "INVALID_MODULE:unsupported": _w(
        "This module cannot be edited here",
        "Zoho does not offer this module through its API.",
        "Edit it in Zoho CRM itself.",
    ),
    "INVALID_DATA": _w(
        "Some values were not accepted",
        "Zoho refused one or more values.",
        "Correct the highlighted fields and save again.",
    ),
    # The Files API's refusals (OAS8 files.json; 413/415 in zoho-api.md §4.3).
    "FILE_SIZE_MORE_THAN_ALLOWED_SIZE": _w(
        "A file is too large",
        "Zoho takes files up to 20 MB each.",
        "Choose a smaller file, then save again.",
    ),
    "FILE_TOO_LARGE": _w(
        "A file is too large",
        "Zoho refused the upload as too large.",
        "Choose a smaller file, then save again.",
    ),
    "FILE_TYPE_REFUSED": _w(
        "Zoho does not take this kind of file",
        "Zoho refused the file's type.",
        "Choose a file of another type, then save again.",
    ),
    "VIRUS_DETECTED": _w(
        "Zoho found a virus in a file",
        "Zoho's scan refused the file.",
        "Do not upload this file; check it and your computer.",
    ),
    "failure_in_attachment_handling": _w(
        "Zoho could not take the file",
        "Zoho failed while storing the file.",
        f"{RETRY} If it keeps failing, report it.",
    ),
    "MANDATORY_NOT_FOUND": _w(
        "A required value is missing",
        "Zoho needs a value that was left empty.",
        "Fill in the highlighted fields and save again.",
    ),
    "INVALID_URL_PATTERN": _w(
        "This page does not exist in Zoho",
        "The address asked of Zoho was not recognised.",
        "Go back to the list and open the record again; if it keeps happening, report it.",
    ),
    "OAUTH_SCOPE_MISMATCH": _w(
        "This connection lacks a permission",
        "The Zoho connection was authorised without the access this action needs.",
        RECONNECT,
    ),
    "NO_PERMISSION": _w(
        "You do not have permission", "Your Zoho user is not allowed to do this.", ADMIN
    ),
    "AUTHORIZATION_FAILED": _w(
        "You do not have permission",
        "Your Zoho user does not have enough privileges for this.",
        ADMIN,
    ),
    "ALREADY_MODIFIED": _w(
        "Someone else changed this record",
        "The record was saved by someone else after you opened it, so your changes were not saved.",
        "Reload the record, check their changes, then make yours again.",
    ),
    "INTERNAL_ERROR": _w(
        "Zoho had a problem",
        "Zoho failed while handling the request.",
        f"{RETRY} If it keeps failing, contact Zoho support.",
    ),
    "INVALID_REQUEST_METHOD": _w(
        "This action is not supported",
        "Zoho does not accept this kind of request here.",
        "Report this problem to us.",
    ),
    "DUPLICATE_DATA": _w(
        "A value must be unique",
        "Another record already has a value that must be unique.",
        "Change the highlighted value, or open the other record instead.",
    ),
    "LIMIT_EXCEEDED": _w(
        "Too many values",
        "Zoho allows only so many values here.",
        "Remove some values and save again.",
    ),
    "RECORD_LOCKED": _w(
        "This record is locked",
        "The record is locked, so it cannot be changed right now.",
        "Wait until it is unlocked, then save again.",
    ),
    "RECORD_LOCKED:processing": _w(
        "Zoho is still processing this record",
        "Zia image validation or a merge of duplicates is still running on this record.",
        "Wait until it finishes, then save again.",
    ),
    "RECORD_LOCKED:dependent": _w(
        "A linked record is locked",
        "One of the records you are linking in a multi-select lookup is locked.",
        "Wait until that record is unlocked, or leave it out, then save again.",
    ),
    "NOT_APPROVED": _w(
        "This record awaits approval",
        "The record is waiting for approval or was rejected by Zia image validation.",
        "Replace or delete the rejected image, or wait for the reviewer, then save again.",
    ),
    "DEPENDENT_MISMATCH": _w(
        "Values do not fit together",
        "Zoho does not allow one of the values together with another.",
        "Correct the highlighted fields and save again.",
    ),
    # Token and transport problems.
    "INVALID_TOKEN": _w(
        "The Zoho session expired",
        "Zoho no longer accepts this connection's access.",
        f"{RETRY} If it keeps happening, reconnect this Zoho account.",
    ),
    "AUTHENTICATION_FAILURE": _w(
        "Zoho did not recognise this connection",
        "Zoho could not authenticate the request.",
        RECONNECT,
    ),
    "TOO_MANY_REQUESTS": _w(
        "Zoho is busy",
        "The Zoho API limit (daily credits or parallel requests) has been reached.",
        "Wait a few minutes and try again.",
    ),
    # Not Zoho's: crmadmin's own budget (crmadmin.budget) kept the call from being sent.
    "HELD_BACK": _w(
        "Too many calls to Zoho at once",
        "crmadmin held this request back, unsent, to keep this connection within the number of "
        "calls Zoho allows at the same time.",
        RETRY,
    ),
    "NON_JSON_RESPONSE": _w(
        "Zoho sent an unexpected answer",
        "Zoho answered with something other than data, such as an error page.",
        RETRY,
    ),
    "timeout": _w(
        "Zoho did not answer in time",
        "The request to Zoho timed out. Your changes may or may not have been saved.",
        "Reload the record to check, then try again.",
    ),
    # A read (`problem_for(..., reading=True)`) changed nothing, whatever became of it.
    "timeout:read": _w(
        "Zoho did not answer in time",
        "The request to Zoho timed out. It only read records: nothing was changed.",
        RETRY,
    ),
    "connection": _w("Could not reach Zoho", "There was a network problem talking to Zoho.", RETRY),
    "invalid_response": _w(
        "Zoho sent an unreadable answer", "The answer from Zoho could not be read.", RETRY
    ),
    "UNSAFE_DOMAIN": _w(
        "Unsafe Zoho address",
        "The connection points to an address that is not a Zoho API server, so nothing was sent.",
        RECONNECT,
    ),
    "invalid_code": _w(
        "The Zoho authorisation expired",
        "The authorisation code or saved access was already used, expired or was revoked.",
        RECONNECT,
    ),
    "invalid_client": _w(
        "Zoho does not know this app",
        "The client id is unknown to this "
        "Zoho data centre; usually the wrong data centre was chosen.",
        "Choose the data centre your Zoho account lives in and connect again.",
    ),
    "invalid_client_secret": _w(
        "The app secret is wrong",
        "Zoho refused the client secret.",
        "Check the client secret in the settings.",
    ),
    "access denied": _w(
        "Too many Zoho sign-ins",
        "Zoho limits new access to 10 per 10 minutes and has paused it.",
        "Wait ten minutes and try again.",
    ),
    # Other codes from zoho-api.md §4.2 and §4.3.
    "REQUIRED_DATA_NOT_FOUND": _w(
        "A required value is missing",
        "Zoho needs a value that was left empty.",
        "Fill in the highlighted fields.",
    ),
    "MULTIPLE_OR_MULTI_ERRORS": _w(
        "Several values were not accepted",
        "Zoho refused more than one value.",
        "Correct the highlighted fields and save again.",
    ),
    "DEPENDENT_FIELD_MISSING": _w(
        "A related value is missing",
        "One field needs another one to be filled in.",
        "Fill in the highlighted fields.",
    ),
    "AMBIGUITY_DURING_PROCESSING": _w(
        "Conflicting values",
        "Zoho could not tell which of two values to use.",
        "Keep only one of them.",
    ),
    "EXPECTED_FIELD_MISSING": _w(
        "A required value is missing",
        "Zoho expected a field that was not sent.",
        "Fill in the highlighted fields.",
    ),
    "NOT_ALLOWED": _w(
        "This value cannot be changed",
        "Zoho does not allow this change.",
        "Undo the change to the highlighted field.",
    ),
    "RECORD_IN_BLUEPRINT": _w(
        "This record follows a blueprint",
        "A Zoho blueprint controls this change.",
        "Make the change through the blueprint in Zoho CRM.",
    ),
    "REQUIRED_PARAM_MISSING": _w(
        "The request was incomplete",
        "Zoho needed information that was not sent.",
        "Report this problem to us.",
    ),
    "INVALID_QUERY": _w(
        "The search was not understood",
        "Zoho could not read the search.",
        "Simplify the search and try again.",
    ),
    "NO_CONTENT": _w(
        "Nothing found",
        "Zoho has no matching record.",
        "Check the search or the link you followed.",
    ),
}

# Codes whose record-level meaning differs from their field-level words above: a save whose record
# id Zoho rejects (INVALID_DATA on the id) or never received (MANDATORY_NOT_FOUND on the id).
RECORD_LEVEL: dict[str, Problem] = {
    "INVALID_DATA": _w(
        "This record was not found in Zoho",
        "Zoho says the record ID is not valid: the record may have been deleted or merged.",
        "Go back to the list and open the record again.",
    ),
    "MANDATORY_NOT_FOUND": _w(
        "Zoho did not receive the record's ID",
        "The save reached Zoho without saying which record to change.",
        "Reload the record and save again; if it keeps happening, report it.",
    ),
}

# A record Zoho will not let anyone change right now, said when the page opens (read from the
# record's state keys, ``updater.records.record_hold``): what the user can and cannot do.
HOLDS: dict[str, Problem] = {
    "locked": _w(
        "This record is locked",
        "Zoho has locked this record, so its fields cannot be changed here: a save would be "
        "refused. You can still read it, see its history and its linked records.",
        "Ask the person who locked it, or your Zoho CRM administrator, to unlock it; then "
        "reload this page.",
    ),
    "awaiting_approval": _w(
        "This record awaits approval",
        "An approval process in Zoho is reviewing this record; until it is approved or "
        "rejected, changes cannot be saved. You can still read it and see its history.",
        "Wait for the approver's decision, then reload this page.",
    ),
    "in_merge": _w(
        "This record is being merged",
        "Zoho is merging duplicate records into this one; until that finishes, changes cannot "
        "be saved. You can still read it and see its history.",
        "Wait a few minutes, then reload this page.",
    ),
}
# The save button's words while a hold lasts: it says why it cannot be pressed.
HOLD_BUTTONS = {
    "locked": "Cannot save: the record is locked",
    "awaiting_approval": "Cannot save: awaiting approval",
    "in_merge": "Cannot save: being merged",
}


def hold_problem(hold: str) -> Problem | None:
    """The words for a record's hold (``""``: none), with the save button's words."""
    words = HOLDS.get(hold)
    return replace(words, code=hold, button=HOLD_BUTTONS[hold]) if words else None


GENERIC = _w(
    "Something went wrong with Zoho",
    "Zoho refused the request.",
    f"{RETRY} If it keeps failing, report it.",
)
STATUS_FALLBACK = {
    401: "AUTHENTICATION_FAILURE",
    403: "NO_PERMISSION",
    404: "INVALID_URL_PATTERN",
    412: "ALREADY_MODIFIED",
    413: "FILE_TOO_LARGE",
    415: "FILE_TYPE_REFUSED",
    429: "TOO_MANY_REQUESTS",
}


def _catalogue_key(error: ZohoError) -> str:
    """The catalogue entry for an error; a few codes have variants told apart by message."""
    if isinstance(error, TransportError):
        return error.kind
    if isinstance(error, UnsafeDomainError):
        return "UNSAFE_DOMAIN"
    if isinstance(error, OAuthError):
        return error.error.lower().replace("access_denied", "access denied")
    if not isinstance(error, ApiError):
        return ""
    text = error.message.lower()
    if error.code == "RECORD_LOCKED":
        if text.startswith("sorry"):
            return "RECORD_LOCKED:dependent"
        if "not approved" in text:
            return "RECORD_LOCKED:processing"
    if error.code == "INVALID_MODULE" and "not supported" in text:
        return "INVALID_MODULE:unsupported"
    if error.code in CATALOGUE:
        return error.code
    if error.status >= 500:
        return "INTERNAL_ERROR"
    return STATUS_FALLBACK.get(error.status, error.code)


# Codes whose message names the specifics (which limit, which values do not fit together, which
# rule): the page keeps Zoho's own words after ours, never a fixed example.
ZOHO_WORDS_KEPT = frozenset(
    {
        "LIMIT_EXCEEDED",
        "DEPENDENT_MISMATCH",
        "DEPENDENT_FIELD_MISSING",
        "NOT_ALLOWED",
        "AMBIGUITY_DURING_PROCESSING",
        "RECORD_IN_BLUEPRINT",
        "INVALID_DATA",
        "MULTIPLE_OR_MULTI_ERRORS",
    }
)
# Zoho's words that say nothing more than the code: not repeated to the user.
BARE_MESSAGES = frozenset(
    {"invalid data", "required field not found", "duplicate data", "limit exceeded"}
)
# The next step when no field is highlighted (the error names no field shown on the form).
UNHIGHLIGHTED_NEXT_STEP = "Change the values Zoho names, then save again."


def problem_for(
    error: ZohoError, *, record: bool = False, highlighted: bool = False, reading: bool = False
) -> Problem:
    """The words for ``error`` at the top of a page (see the module docstring for ``record``).
    ``reading``: the call only read (a search), so a timeout cannot have changed anything.

    Zoho's own reason is kept for codes whose message names specifics; ``highlighted`` says a
    field on the page carries the error, so "Correct the highlighted fields" is only said then.
    """
    code = getattr(error, "code", "")
    held_back = getattr(error, "held_back", False)
    key = _catalogue_key(error)
    if reading and f"{key}:read" in CATALOGUE:
        key = f"{key}:read"
    words = CATALOGUE["HELD_BACK"] if held_back else CATALOGUE.get(key, GENERIC)
    if record and isinstance(error, ApiError) and code in RECORD_LEVEL and _names_record(error):
        words = RECORD_LEVEL[code]
    detail = words.detail
    if held_back and isinstance(error, RateLimitError) and error.retry_after:
        detail = f"{detail} Try again in about {round(error.retry_after)} seconds."
    elif isinstance(error, RateLimitError) and error.retry_after:
        detail = f"{detail} Zoho asks to wait {round(error.retry_after)} seconds."
    elif isinstance(error, ApiError) and words is not RECORD_LEVEL.get(code):
        detail = _with_zoho_words(detail, error)
    next_step = words.next_step
    if not highlighted and "highlighted" in next_step:
        next_step = UNHIGHLIGHTED_NEXT_STEP
    return replace(
        words,
        detail=detail,
        next_step=next_step,
        code=code,
        needs_reconnect=error.needs_reconnect,
    )


def _names_record(error: ApiError) -> bool:
    """True when the error is about the record itself (its id), not a field of it."""
    names = {fe.api_name for fe in error.field_errors if fe.api_name}
    return not names or names == {"id"}


def _with_zoho_words(detail: str, error: ApiError) -> str:
    """``detail`` followed by Zoho's own reason, and the limit its details name."""
    if error.code not in ZOHO_WORDS_KEPT:
        return detail
    limit = error.details.get("limit")
    if limit is not None:
        detail = f"{detail} The limit is {limit}."
    message = error.message.strip()
    if message and message.rstrip(".").lower() not in BARE_MESSAGES:
        detail = f"{detail} Zoho says: “{_sentence(message)}”"
    return detail


# Codes the audit stores that are not Zoho's: the kind of fault, or the error class, when no
# answer came (older entries stored the class name).
STORED_CODES = {
    "ZohoTimeout": "timeout",
    "ZohoConnectionError": "connection",
    "TransportError": "connection",
    "NonJsonResponseError": "NON_JSON_RESPONSE",
}
NO_ANSWER_KINDS = frozenset({"timeout", "connection"})


def problem_for_code(code: str) -> Problem:
    """The words for a code stored earlier (the audit): Zoho's code or the kind of fault."""
    key = STORED_CODES.get(code, code)
    return replace(CATALOGUE.get(key, GENERIC), code=code)


def no_answer_code(code: str) -> bool:
    """True when a stored code says no answer came (the write may have landed)."""
    return STORED_CODES.get(code, code) in NO_ANSWER_KINDS


# -- A save whose answer never came, or whose re-read failed (issue #10 item 4, #11 item 1) ------
# The save was sent; these say what is known of its fate, never that it was refused.
SAVE_OUTCOMES: dict[str, Problem] = {
    "landed": _w(
        "Saved",
        "Zoho's answer to the save was lost, so crmadmin read the record again: "
        "your changes are in Zoho.",
        "Nothing to do: the form shows the record as Zoho holds it now.",
    ),
    "not_landed": _w(
        "Not saved",
        "Zoho's answer to the save never came. Reading the record again shows it unchanged "
        "in Zoho, so your changes were not saved.",
        "Your input is kept below: save again when Zoho answers.",
    ),
    "unconfirmed_unread": _w(
        "Could not confirm the save",
        "Zoho's answer to the save never came, and the record could not be read again, so "
        "crmadmin cannot tell whether your changes were saved.",
        "Your input is kept below. Open the record in a new tab (or its History) to check; "
        "if your changes are not there, save again from here.",
    ),
    "unconfirmed_differs": _w(
        "Could not confirm the save",
        "Zoho's answer to the save never came. The record has changed in Zoho since you "
        "opened it, but not to exactly what you sent, so crmadmin cannot tell whether your "
        "changes were saved.",
        "The form now starts from the record as Zoho holds it, with your input kept: "
        "check the fields you changed and save again if they still need it.",
    ),
    "already_there": _w(
        "Already saved",
        "Zoho holds exactly what you sent: an earlier save whose answer was lost had landed, "
        "so nothing was sent again.",
        "Nothing to do: the form shows the record as Zoho holds it now.",
    ),
    "reread_failed": _w(
        "Saved",
        "Zoho took your changes, but the record could not be read again afterwards, so the "
        "form shows the values you sent, not Zoho's (formulas and names may be out of date).",
        "Reload the record to see it as Zoho holds it.",
    ),
}


def save_outcome_text(key: str) -> str:
    """One outcome of ``SAVE_OUTCOMES`` as the sentence the status line shows."""
    words = SAVE_OUTCOMES[key]
    return f"{words.title}. {words.detail} {words.next_step}"


# -- One field's words --------------------------------------------------------------------------

# The hint for a value Zoho refused, by the field's data type (the type registry may take these).
TYPE_HINTS = {
    "integer": "Enter a whole number.",
    "bigint": "Enter a whole number.",
    "double": "Enter a number.",
    "decimal": "Enter a number.",
    "currency": "Enter an amount.",
    "percent": "Enter a percentage.",
    "boolean": "Choose yes or no.",
    "date": "Enter a date as YYYY-MM-DD.",
    "datetime": "Enter a date and time.",
    "email": "Enter a valid email address.",
    "phone": "Enter a valid phone number.",
    "website": "Enter a valid web address.",
    "picklist": "Choose one of the listed values.",
    "multiselectpicklist": "Choose from the listed values.",
    "lookup": "Choose an existing record.",
    "ownerlookup": "Choose an active user.",
    "userlookup": "Choose an active user.",
    "jsonarray": "Enter a list of values.",
    "jsonobject": "Choose an existing record.",
}


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return "This value was not accepted."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _invalid_data_text(field_error: FieldError, label: str) -> str:
    details = field_error.details
    if "maximum_length" in details:
        return f"Enter at most {details['maximum_length']} characters."
    if "minimum_length" in details:
        return f"Enter at least {details['minimum_length']} characters."
    if details.get("supported_values"):
        return "Choose one of: " + ", ".join(map(str, details["supported_values"])) + "."
    if "regex" in details:
        return f"{label} is not in the expected format."
    hint = TYPE_HINTS.get(str(details.get("expected_data_type", "")))
    return hint or f"{label} has a value Zoho does not accept."


def field_text(field_error: FieldError, *, label: str) -> str:
    """Short text shown next to the field."""
    code = field_error.code
    details = field_error.details
    if code == "INVALID_DATA":
        return _invalid_data_text(field_error, label)
    if code in ("MANDATORY_NOT_FOUND", "REQUIRED_DATA_NOT_FOUND", "EXPECTED_FIELD_MISSING"):
        return f"{label} is required."
    if code == "DUPLICATE_DATA":
        return "Another record already has this value."
    if code == "DEPENDENT_FIELD_MISSING":
        dependee = (details.get("dependee") or {}).get("api_name", "another field")
        return f"{label} needs {dependee} to be filled in too."
    if code == "LIMIT_EXCEEDED" and "limit" in details:
        return f"Enter at most {details['limit']} values."
    if code in ("NOT_ALLOWED", "RESERVED_KEYWORD_NOT_ALLOWED"):
        return f"{label} cannot be set to this value."
    if code == "PATTERN_NOT_MATCHED":
        return f"{label} is not in the expected format."
    if code == "AMBIGUITY_DURING_PROCESSING":
        return f"{label} conflicts with another value; keep only one."
    return _sentence(field_error.message)


def upload_text(error: ZohoError, *, file_name: str) -> str:
    """Words next to a file or image field whose upload the Files API refused: which file, why,
    and what to do (Zoho's own reason kept after ours)."""
    problem = problem_for(error)
    status = getattr(error, "status", 0)
    if status in (413, 415) and problem.code not in CATALOGUE:  # a proxy's page, not Zoho's JSON
        problem = CATALOGUE[STATUS_FALLBACK[status]]
    return f"{file_name}: {problem.title}. {problem.detail} {problem.next_step}"


# -- Placing an error on a Django form (field names are Zoho api_names) --------------------------

SUBFORM_PATH = re.compile(
    r"^\$\.data\[\d+\]\.(?P<subform>\w+)\[(?P<row>\d+)\](?:\.(?P<field>\w+))?"
)


def apply_zoho_error(
    form: forms.BaseForm, error: ZohoError, *, labels: Mapping[str, str] | None = None
) -> None:
    """Put ``error`` where a person looks for it on ``form``.

    Each field error lands on the form field of the same api_name, or on the subform row its
    ``json_path`` (``$.data[0].Items[2].Qty``) names when the form has ``subforms``; the rest
    becomes a non-field error in ``problem_for`` words. ``labels`` maps api_names to the words a
    person sees (by default the field's label). The error stays on ``form.zoho_error`` so the
    template can ask it (``form.zoho_error.needs_reconnect``).
    """
    form.zoho_error = error
    field_errors = list(error.field_errors) if isinstance(error, ApiError) else []
    placed = [fe for fe in field_errors if _place_field_error(form, fe, labels or {})]
    if placed and len(placed) == len(field_errors):
        return
    problem = problem_for(error, record=not placed, highlighted=bool(placed))
    unplaced = [fe.api_name for fe in field_errors if fe not in placed and fe.api_name]
    if unplaced and unplaced != ["id"]:
        names = ", ".join(labels.get(name, name) if labels else name for name in unplaced)
        problem = replace(problem, detail=f"{problem.detail} {NOT_ON_FORM.format(names=names)}")
    form.add_error(None, problem.html)


NOT_ON_FORM = "Zoho names {names}, which this form does not show."


def _place_field_error(form: forms.BaseForm, fe: FieldError, labels: Mapping[str, str]) -> bool:
    if _place_subform_error(form, fe, labels):
        return True
    name = fe.api_name
    needed = name and name not in form.fields and _needed_field_add(form, name)
    if not name or name not in form.fields:
        return False
    label = labels.get(name) or str(form.fields[name].label or name)
    words = _field_words(form, fe, label)
    if needed:
        words = needed_text(fe, label=label)
    form.add_error(name, words)
    return True


def _needed_field_add(form: forms.BaseForm, name: str) -> bool:
    """A field the layout hides, shown because Zoho needs it (``RecordForm.needed_field_add``)."""
    add = getattr(form, "needed_field_add", None)
    return bool(add and add(name))


def needed_text(fe: FieldError, *, label: str) -> str:
    """The words next to a field the layout hides but Zoho needs: ours and Zoho's own."""
    text = f"Zoho needs {label} to save this record, though this record's layout hides it."
    if fe.message:
        text = f"{text} Zoho says: “{_sentence(fe.message)}”"
    return text


def _field_words(form: forms.BaseForm, fe: FieldError, label: str) -> Any:
    """``field_text``, keeping Zoho's own limit text and linking to the duplicate record."""
    text = field_text(fe, label=label)
    if fe.code == "LIMIT_EXCEEDED" and fe.message and "limit" not in fe.details:
        text = fe.message
    duplicate = fe.details.get("duplicate_record") if fe.code == "DUPLICATE_DATA" else None
    url = _duplicate_url(form, duplicate) if isinstance(duplicate, Mapping) else None
    if url:
        return format_html('{} <a href="{}">Open the other record</a>.', text, url)
    return text


def _duplicate_url(form: forms.BaseForm, duplicate: Mapping[str, Any]) -> str | None:
    context = getattr(form, "context", None)
    connection_id = getattr(context, "connection_id", None) or getattr(form, "connection_id", None)
    module = (duplicate.get("module") or {}).get("api_name") or getattr(form, "module", None)
    if not (connection_id and module and duplicate.get("id")):
        return None
    try:
        return reverse("records:edit", args=[connection_id, module, str(duplicate["id"])])
    except NoReverseMatch:
        return None


def _place_subform_error(form: forms.BaseForm, fe: FieldError, labels: Mapping[str, str]) -> bool:
    match = SUBFORM_PATH.match(fe.json_path or "")
    subforms = getattr(form, "subforms", None) or {}
    if not match or match["subform"] not in subforms:
        return False
    rows = subforms[match["subform"]]
    positions = [index for index, _ in rows.rows_with_index()]
    payload_row = int(match["row"])
    if payload_row >= len(positions):
        return False
    row_form = rows.formset.forms[positions[payload_row]]
    name = match["field"] or fe.api_name
    if name in row_form.fields:
        label = labels.get(name) or str(row_form.fields[name].label or name)
        row_form.add_error(name, _field_words(form, fe, label))
    else:
        row_form.add_error(None, _field_words(form, fe, name or "This row"))
    form.add_error(
        None, f"Row {positions[payload_row] + 1} of {rows.field.field_label} needs attention."
    )
    return True


# -- The link pages: the contact input, one deal row, the deal list, or the top -----------------

# Linking contacts to deals by external id (zoho-update-related-records-by-external-id.txt):
# the words next to the contact input or one deal row, filled with what the person typed.
LINK_TEXTS: dict[str, str] = {
    "contact_missing": "No contact has {field} “{value}”.",
    "contact_missing_by_id": "No contact has the record id “{value}”.",
    "deal_missing": "No deal has {field} “{value}”.",
    "deal_refused": "Zoho did not accept this {field}.",
    "deal_refused_after_preview": (
        "Zoho did not accept {field} “{value}” when linking ({zoho}), although the preview "
        "found this deal. It may have been changed or deleted since: preview again."
    ),
    "deal_field_missing": "{field} is missing: Zoho needs it because the request names it.",
    "role_unknown": "Zoho does not know this contact role; choose another one.",
    "linked": "Linked.",
    "not_linked": "Not linked: see the message at the top.",
    "not_linked_contact": "Not linked: see the message at the contact.",
    "not_sent": "Not linked: {title}. {next_step}",
    "stopped_by_line": "Not linked: line {line} stopped this call.",
}

ROW_PATH = re.compile(r"^\$\.data\[(\d+)\]")

# Codes about the request as a whole, never about one deal row or the contact, even when Zoho
# reports them inside ``data[]``: permission, scope, mandatory parameter or header, URL pattern,
# method, internal error (the page's "Possible Errors"), and the token and limit codes.
REQUEST_WIDE = frozenset(
    {
        "NO_PERMISSION",
        "AUTHORIZATION_FAILED",
        "OAUTH_SCOPE_MISMATCH",
        "INVALID_URL_PATTERN",
        "INVALID_REQUEST_METHOD",
        "INTERNAL_ERROR",
        "REQUIRED_PARAM_MISSING",
        "EXPECTED_PARAM_MISSING",
        "INVALID_TOKEN",
        "AUTHENTICATION_FAILURE",
        "TOO_MANY_REQUESTS",
        "INVALID_MODULE",
        "NON_JSON_RESPONSE",
    }
)
# "You have specified an invalid external ID for the base module." (the page's own words).
BASE_MODULE_WORDS = "base module"


@dataclass(frozen=True)
class Place:
    """Where an error belongs on a link page: the contact input, one deal row, or the top."""

    target: str  # "contact" | "row" | "deals" | "top"
    index: int | None = None


def link_place(
    *,
    code: str,
    message: str,
    details: Mapping[str, Any],
    index: int | None,
    contact: ContactRef,
    deal_field: str,
) -> Place:
    """Which input one of Zoho's answers on the link page is about.

    Request-wide codes go to the top; an INVALID_DATA naming the base module (its external
    field, the contact's place in the URL, or the page's "base module" words) to the contact
    input; an answer naming a row (``index``, ``json_path``) to that deal's row; a missing
    external ID or role naming no row to the deal list. ``index`` is the position of the
    answer in ``data[]`` (None for a whole-request error).
    """
    if code in REQUEST_WIDE:
        return Place("top")
    api_name = details.get("api_name")
    path_index = details.get("resource_path_index")
    if code == "INVALID_DATA" and (
        BASE_MODULE_WORDS in message.lower()
        or (api_name and api_name == contact.field)
        or str(path_index) == "1"
        or (contact.by_id and api_name is None and str(details.get("id", "")) == contact.value)
    ):
        return Place("contact")
    if path_index is not None and api_name not in (deal_field, ROLE_FIELD):
        return Place("top")  # another part of the URL (the related list's name)
    match = ROW_PATH.match(str(details.get("json_path") or ""))
    row = int(match.group(1)) if match else index
    if row is not None:
        return Place("row", row)
    if code == "MANDATORY_NOT_FOUND" or api_name in (deal_field, ROLE_FIELD):
        return Place("deals")
    if code == "INVALID_DATA":
        return Place("contact")  # a whole-request refusal naming nothing: the URL's contact
    return Place("top")


def error_place(*, error: ZohoError, contact: ContactRef, deal_field: str) -> Place:
    """``link_place`` for a raised error: its ``record_index`` or a field's ``json_path`` names
    a deal row; errors without an answer belong at the top."""
    if not isinstance(error, ApiError):
        return Place("top")
    details = dict(error.details)
    paths = [e.json_path for e in error.field_errors if e.json_path]
    if paths and "json_path" not in details:
        details["json_path"] = paths[0]
    names = [e.api_name for e in error.field_errors if e.api_name]
    if names and "api_name" not in details:
        details["api_name"] = names[0]
    return link_place(
        code=error.code,
        message=error.message,
        details=details,
        index=error.record_index,
        contact=contact,
        deal_field=deal_field,
    )


def result_place(
    result: RowResult | RecordResult, *, contact: ContactRef, deal_field: str
) -> Place:
    """``link_place`` for one failed answer inside ``data[]`` of a link call."""
    return link_place(
        code=result.code,
        message=result.message,
        details=result.details,
        index=result.index,
        contact=contact,
        deal_field=deal_field,
    )


def link_problem(code: str, message: str = "") -> Problem:
    """A request-wide answer on the link page, in the catalogue's words with Zoho's own."""
    words = CATALOGUE.get(code) or GENERIC
    if message and words is GENERIC:
        words = replace(words, detail=f"Zoho said: “{_sentence(message)}”")
    return replace(words, code=code, needs_reconnect=code in RECONNECT_CODES)


def contact_missing(contact: ContactRef) -> str:
    if contact.by_id:
        return LINK_TEXTS["contact_missing_by_id"].format(value=contact.value)
    return LINK_TEXTS["contact_missing"].format(field=contact.field, value=contact.value)


def deal_missing(*, deal_field: str, external_id: str) -> str:
    return LINK_TEXTS["deal_missing"].format(field=deal_field, value=external_id)


def row_text(
    result: RowResult | RecordResult,
    *,
    deal_field: str,
    external_id: str,
    previewed: bool = False,
) -> str:
    """A person's words for one row that Zoho refused; ``previewed`` when the preview found
    this deal (so an INVALID_DATA is never "No deal has …")."""
    return _row_words(
        result.code, result.message, result.details, deal_field, external_id, previewed
    )


def error_text(
    *,
    error: ZohoError,
    place: Place,
    contact: ContactRef,
    deal_field: str,
    external_id: str = "",
    previewed: bool = False,
) -> str:
    """A person's words for an error that belongs to the contact input or to a deal row."""
    if place.target == "contact":
        return contact_missing(contact)
    if isinstance(error, ApiError):
        return _row_words(
            error.code, error.message, error.details, deal_field, external_id, previewed
        )
    return str(error)


def not_sent_text(error: ZohoError) -> str:
    """A pair of a bulk link that was never sent because ``error`` stopped the run."""
    problem = problem_for(error)
    return LINK_TEXTS["not_sent"].format(title=problem.title, next_step=problem.next_step)


def unlink_failed_text(message: str) -> str:
    """An unlink Zoho refused for its one deal, in Zoho's words (one full stop, never two)."""
    return f"Not unlinked: {_sentence(message)}"


def stopped_by_line_text(line: int) -> str:
    return LINK_TEXTS["stopped_by_line"].format(line=line)


def _row_words(
    code: str,
    message: str,
    details: Mapping[str, Any],
    deal_field: str,
    external_id: str,
    previewed: bool = False,
) -> str:
    if details.get("api_name") == ROLE_FIELD:
        return LINK_TEXTS["role_unknown"]
    if code == "INVALID_DATA" and external_id and previewed:
        return LINK_TEXTS["deal_refused_after_preview"].format(
            field=deal_field, value=external_id, zoho=_sentence(message).rstrip(".")
        )
    if code == "INVALID_DATA" and external_id:
        return deal_missing(deal_field=deal_field, external_id=external_id)
    if code == "INVALID_DATA":
        return LINK_TEXTS["deal_refused"].format(field=deal_field)
    if code == "MANDATORY_NOT_FOUND":
        return LINK_TEXTS["deal_field_missing"].format(field=deal_field)
    return _sentence(message) if message else code


# -- Names typed in a lookup without the picker (crmadmin.services.lookup.names_resolve) ---------

LOOKUP_TEXTS = {
    "none": "No {module} named “{text}”. Check the spelling, or type the start of the name and "
    "pick it from the list.",
    "several": "{count} {module} match “{text}”. Choose one below, then save again.",
    "forbidden": "You can't see {module} through this connection, so no name can be looked up "
    "here. Ask a crmadmin administrator to grant your group that module.",
    "failed": "The name “{text}” could not be looked up: {problem}",
    "choose": "Which one did you mean by “{text}”?",
}


def module_words(module: str) -> str:
    """A module's API name as a person reads it ("Price_Books" → "Price Books")."""
    return module.replace("_", " ")


def lookup_forbidden(module: str) -> str:
    return LOOKUP_TEXTS["forbidden"].format(module=module_words(module))


def lookup_text(resolution: Resolution) -> str:
    """The words next to a lookup whose typed name did not come to exactly one record."""
    module, text = module_words(resolution.module), resolution.text
    if resolution.forbidden:
        return lookup_forbidden(resolution.module)
    if resolution.error is not None:
        return LOOKUP_TEXTS["failed"].format(text=text, problem=problem_for(resolution.error).short)
    if resolution.options:
        return LOOKUP_TEXTS["several"].format(
            count=len(resolution.options), module=module, text=text
        )
    return LOOKUP_TEXTS["none"].format(module=module, text=text)
