"""Save a record's changes, record the audit, and hand back what happened, as plain data.

Saving costs one API call: PUT only the changes, guarded by If-Unmodified-Since with the
Modified_Time the form was loaded with. Rows, subforms and appended values are read again after
a save (+1 GET), because Zoho decides their result; a conflict (412) costs one GET for the
record as it is now. The view turns the result into a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crmadmin.models import AuditEntry, Connection
from updater.client import ZohoClient
from updater.errors import ConflictError, ZohoError
from updater.records import record_get, record_update


@dataclass(frozen=True)
class Saved:
    """Zoho took the changes. ``record`` is the record read again (None when not needed)."""

    modified_time: str
    record: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Conflict:
    """Someone saved the record since it was loaded; ``current`` is it now (None: deleted)."""

    current: Mapping[str, Any] | None


@dataclass(frozen=True)
class Failed:
    """Zoho refused the changes (or the record could not be read again after a conflict)."""

    error: ZohoError


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
    reread: bool,
) -> Saved | Conflict | Failed:
    """Send ``changes`` (Zoho's JSON form, only changed fields) and audit the attempt once.

    ``before`` holds the loaded values and ``labels`` the changed fields' labels, for the audit;
    ``trigger`` None runs every automation; ``reread`` asks for the record after the save.
    """
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
        code, refused = result.code, None
    except ConflictError as error:
        code, refused = error.code, Conflict(current=None)
    except ZohoError as error:
        code, refused = getattr(error, "code", type(error).__name__), Failed(error=error)
    audit_write(
        user=user,
        connection=connection,
        module=module,
        record_id=record_id,
        record_name=record_name,
        changes=[
            {
                "api_name": name,
                "label": labels.get(name, name),
                "before": before.get(name),
                "after": value,
            }
            for name, value in changes.items()
            if not name.startswith("$")
        ],
        code=code,
        succeeded=refused is None,
    )
    if isinstance(refused, Failed):
        return refused
    if isinstance(refused, Conflict):
        try:
            return Conflict(current=record_get(client=client, module=module, record_id=record_id))
        except ZohoError as error:
            return Failed(error=error)
    saved_time = str(result.details.get("Modified_Time") or "")
    if reread or not saved_time:
        record = record_get(client=client, module=module, record_id=record_id) or {}
        return Saved(modified_time=str(record.get("Modified_Time") or ""), record=record)
    return Saved(modified_time=saved_time)


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
) -> AuditEntry:
    return AuditEntry.objects.create(
        user=user,
        connection=connection,
        module=module,
        record_id=record_id,
        record_name=record_name,
        changes=changes,
        response_code=code,
        succeeded=succeeded,
    )
