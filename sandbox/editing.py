"""Out-of-band edits: "another CRM user changes this record right now"."""

from __future__ import annotations

from typing import Any

from sandbox.clock import now_ts, parse_iso, to_iso
from sandbox.metadata import org
from sandbox.store import Store

# Edits by "someone else" are made as Morgan Lee, so Modified_By visibly changes in the UI.
OTHER_USER = org.USERS[1]


def edit_record(
    store: Store, module: str, record_id: str, changes: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Apply raw changes (no validation) and advance Modified_Time past its current value."""
    with store.write() as conn:
        record = Store.get_record_in(conn, module, str(record_id))
        if record is None:
            raise KeyError(f"{module}/{record_id} does not exist")
        stored = store.modified_ts(conn, str(record_id))
        record.update(changes or {})
        modified = max(now_ts(), stored + 1)
        record["Modified_Time"] = to_iso(modified)
        record["Modified_By"] = org.user_ref(OTHER_USER)
        created = parse_iso(record["Created_Time"]) or modified
        Store.save_record(conn, module, record, created, modified)
    return record
