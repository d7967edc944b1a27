"""Save a record's changes, record the audit, and hand back what happened, as plain data.

A save is one PUT of only the changes, guarded by If-Unmodified-Since with the Modified_Time the
form was loaded with, then one GET: the page shows what Zoho holds after the save (lookup names,
Modified_Time, formulas, rows), never what we guess it holds. Nothing after a successful PUT can
turn it into a failure: if that GET fails, the result is still ``Saved`` with ``record=None``.

A PUT whose answer never came (timeout, dropped connection, a 5xx or an unreadable answer) may
have landed. It is not a refusal: the record is read again and compared with what was sent, and
the result is ``Saved`` (it landed), ``NotSaved`` (Zoho holds the record unchanged) or
``Unconfirmed`` (no way to tell). The audit records the same truth. A conflict (412) costs one GET
for the record as it is now. The view turns the result into a page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crmadmin.models import AuditEntry, Connection
from updater.client import ZohoClient
from updater.errors import (
    ApiError,
    ConflictError,
    NonJsonResponseError,
    TransportError,
    ZohoError,
)
from updater.payload import parse_zoho_datetime
from updater.records import record_delete, record_get, record_insert, record_update


@dataclass(frozen=True)
class Saved:
    """Zoho took the changes. ``record`` is the record read again after the save; None when that
    read failed (``reread_error`` says why; the page then shows what was sent, with a note).
    ``answer_lost``: the PUT's answer never came and the read showed the changes had landed."""

    modified_time: str
    record: Mapping[str, Any] | None = None
    reread_error: ZohoError | None = None
    answer_lost: bool = False


@dataclass(frozen=True)
class Conflict:
    """Someone saved the record since it was loaded; ``current`` is it now (None: deleted)."""

    current: Mapping[str, Any] | None


@dataclass(frozen=True)
class Failed:
    """Zoho refused the changes (or the record could not be read again after a conflict)."""

    error: ZohoError


@dataclass(frozen=True)
class NotSaved:
    """The PUT's answer never came, and Zoho holds the record unchanged (``current``)."""

    error: ZohoError
    current: Mapping[str, Any]


@dataclass(frozen=True)
class Unconfirmed:
    """The PUT's answer never came, and reading the record again could not tell whether the
    changes landed: ``current`` is the record as read (None when it could not be read)."""

    error: ZohoError
    current: Mapping[str, Any] | None


def answer_lost(error: ZohoError) -> bool:
    """True when the write was sent but no usable answer came: it may have landed."""
    if isinstance(error, TransportError | NonJsonResponseError):
        return True
    return isinstance(error, ApiError) and error.status >= 500


def record_save(
    *,
    client: ZohoClient,
    user: Any,
    connection: Connection,
    module: str,
    record_id: str,
    record_name: str,
    changes: Mapping[str, Any],
    before: Mapping[str, Any],
    labels: Mapping[str, str],
    modified_time: str,
    trigger: list[str] | None,
    skip_cadences: bool,
    html_names: frozenset[str] = frozenset(),
    named: Mapping[str, Any] | None = None,
) -> Saved | Conflict | Failed | NotSaved | Unconfirmed:
    """Send ``changes`` (Zoho's JSON form, only changed fields) and audit the attempt once.

    ``before`` holds the loaded values and ``labels`` the changed fields' labels, for the audit;
    ``html_names`` the rich text fields among them (the history shows their HTML, cleaned);
    ``named`` the changes as the audit keeps them, with the names of the records picked
    (``RecordForm.changes_named``); ``trigger`` None runs every automation.
    """
    named = named or {}
    audit = {
        "user": user,
        "connection": connection,
        "module": module,
        "record_id": record_id,
        "record_name": record_name,
        "changes": [
            {
                "api_name": name,
                "label": labels.get(name, name),
                "before": before.get(name),
                "after": named.get(name, value),
                **({"html": True} if name in html_names else {}),
            }
            for name, value in changes.items()
            if not name.startswith("$")
        ],
    }
    try:
        result = record_update(
            client=client,
            module=module,
            record_id=record_id,
            changes=changes,
            modified_time=modified_time,
            trigger=trigger,
            skip_cadences=skip_cadences,
        )
    except ConflictError as error:
        audit_write(**audit, code=error.code, succeeded=False)
        try:
            return Conflict(current=record_get(client=client, module=module, record_id=record_id))
        except ZohoError as read_error:
            return Failed(error=read_error)
    except ZohoError as error:
        if answer_lost(error):
            return _lost_answer_check(
                client=client,
                error=error,
                changes=changes,
                modified_time=modified_time,
                audit=audit,
            )
        audit_write(**audit, code=stored_code(error), succeeded=False)
        return Failed(error=error)
    audit_write(**audit, code=result.code, succeeded=True)
    saved_time = str(result.details.get("Modified_Time") or "")
    try:
        record = record_get(client=client, module=module, record_id=record_id)
    except ZohoError as error:
        return Saved(modified_time=saved_time, reread_error=error)
    if record is None:  # deleted between the PUT and the GET: show what was sent
        return Saved(modified_time=saved_time)
    return Saved(modified_time=str(record.get("Modified_Time") or saved_time), record=record)


def _lost_answer_check(
    *,
    client: ZohoClient,
    error: ZohoError,
    changes: Mapping[str, Any],
    modified_time: str,
    audit: dict[str, Any],
) -> Saved | NotSaved | Unconfirmed | Conflict:
    """Read the record after a PUT without an answer and tell what Zoho holds, auditing that."""
    code = stored_code(error)
    try:
        current = record_get(client=client, module=audit["module"], record_id=audit["record_id"])
    except ZohoError:
        audit_write(**audit, code=code, succeeded=False, confirmed=False)
        return Unconfirmed(error=error, current=None)
    if current is None:  # gone: nothing of ours can be in it
        audit_write(**audit, code=code, succeeded=False)
        return Conflict(current=None)
    current_time = str(current.get("Modified_Time") or "")
    if current_time and _same_moment(current_time, modified_time):
        audit_write(**audit, code=code, succeeded=False)
        return NotSaved(error=error, current=current)
    if changes_landed(changes, current):
        audit_write(**audit, code=code, succeeded=True)
        return Saved(modified_time=current_time, record=current, answer_lost=True)
    audit_write(**audit, code=code, succeeded=False, confirmed=False)
    return Unconfirmed(error=error, current=current)


def stored_code(error: ZohoError) -> str:
    """The code the audit keeps: Zoho's, or the error class when no answer came (the history
    page words both through ``problems.problem_for_code``)."""
    return str(getattr(error, "code", "") or type(error).__name__)


def changes_landed(changes: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """True when ``current`` holds every sent value that can be compared, and at least one can.

    Rows (subforms, multi-select lookups, files) cannot be matched: new rows get ids only Zoho
    knows. A write guarded by If-Unmodified-Since lands whole or not at all, so the plain fields
    speak for the rows; a save of rows alone is never confirmed by comparison."""
    compared = False
    for name, sent in changes.items():
        if name.startswith("$") or isinstance(sent, list):
            continue
        if not _same_sent_value(sent, current.get(name)):
            return False
        compared = True
    return compared


def _same_sent_value(sent: Any, held: Any) -> bool:
    if isinstance(sent, Mapping):
        held_id = held.get("id") if isinstance(held, Mapping) else held
        return str(sent.get("id") or "") == str(held_id or "")
    if sent in (None, ""):
        return held in (None, "", [])
    if isinstance(sent, bool) or isinstance(held, bool):
        return sent == held
    if isinstance(sent, int | float) and isinstance(held, int | float | str):
        try:
            return math.isclose(float(sent), float(held))
        except ValueError:
            return False
    if isinstance(sent, str) and isinstance(held, str) and sent != held:
        return _same_moment(sent, held)
    return sent == held


def _same_moment(first: str, second: str) -> bool:
    """Two Zoho date-times (or two equal strings) naming the same instant."""
    if first == second:
        return True
    try:
        return parse_zoho_datetime(first) == parse_zoho_datetime(second)
    except (TypeError, ValueError):
        return False


def audit_write(
    *,
    user: Any,
    connection: Connection,
    module: str,
    record_id: str,
    record_name: str,
    changes: list[dict[str, Any]],
    code: str,
    succeeded: bool,
    confirmed: bool = True,
    action: str = AuditEntry.Action.SAVE,
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        user=user,
        connection=connection,
        module=module,
        record_id=record_id,
        record_name=record_name,
        changes=changes,
        response_code=code,
        succeeded=succeeded,
        confirmed=confirmed,
    )


# -- New records and deletions ---------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    """Zoho added the record: ``record_id`` is its id."""

    record_id: str


@dataclass(frozen=True)
class Deleted:
    """Zoho moved the record to its recycle bin."""

    record_id: str


def record_create(
    *,
    client: ZohoClient,
    user: Any,
    connection: Connection,
    module: str,
    record_name: str,
    values: Mapping[str, Any],
    labels: Mapping[str, str],
    layout_id: str,
    trigger: list[str] | None,
    html_names: frozenset[str] = frozenset(),
    named: Mapping[str, Any] | None = None,
) -> Created | Failed:
    """Insert one record (``values`` in Zoho's JSON form, only the filled fields) into
    ``layout_id`` and audit the attempt (action "create"; ``html_names`` and ``named`` as for
    ``record_save``). A POST whose answer never came may have added the record, and nothing
    names it to read it back: that audit entry is kept unconfirmed, and the user is told to look
    before trying again."""
    named = named or {}
    changes = [
        {
            "api_name": name,
            "label": labels.get(name, name),
            "before": None,
            "after": named.get(name, value),
            **({"html": True} if name in html_names else {}),
        }
        for name, value in values.items()
        if not name.startswith("$")
    ]
    audit = {
        "user": user,
        "connection": connection,
        "module": module,
        "record_name": record_name,
        "changes": changes,
        "action": AuditEntry.Action.CREATE,
    }
    try:
        result = record_insert(
            client=client, module=module, values=values, trigger=trigger, layout_id=layout_id
        )
    except ZohoError as error:
        lost = answer_lost(error)
        audit_write(
            **audit, record_id="", code=stored_code(error), succeeded=False, confirmed=not lost
        )
        return Failed(error=error)
    record_id = str(result.record_id or "")
    audit_write(**audit, record_id=record_id, code=result.code, succeeded=True)
    return Created(record_id=record_id)


def record_remove(
    *,
    client: ZohoClient,
    user: Any,
    connection: Connection,
    module: str,
    record: Mapping[str, Any],
    record_name: str,
    labels: Mapping[str, str],
    html_names: frozenset[str] = frozenset(),
) -> Deleted | Failed:
    """Delete ``record`` (as read just before) into Zoho's recycle bin; the audit keeps what
    was deleted (action "delete", each value with its label, as "before"; ``html_names`` the
    rich text fields, shown as their cleaned HTML)."""
    record_id = str(record.get("id") or "")
    changes = [
        {
            "api_name": name,
            "label": labels.get(name, name),
            "before": value,
            "after": None,
            **({"html": True} if name in html_names else {}),
        }
        for name, value in record.items()
        if not name.startswith("$") and value not in (None, "", [], {})
    ]
    audit = {
        "user": user,
        "connection": connection,
        "module": module,
        "record_id": record_id,
        "record_name": record_name,
        "changes": changes,
        "action": AuditEntry.Action.DELETE,
    }
    try:
        result = record_delete(client=client, module=module, record_id=record_id)
    except ZohoError as error:
        lost = answer_lost(error)
        audit_write(**audit, code=stored_code(error), succeeded=False, confirmed=not lost)
        return Failed(error=error)
    audit_write(**audit, code=result.code, succeeded=True)
    return Deleted(record_id=record_id)
