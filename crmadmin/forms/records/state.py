"""What the form was loaded with, carried signed in a hidden field: the record's
``Modified_Time`` (sent back as If-Unmodified-Since) and the loaded values (the base of the
payload diff and of the conflict screen). Signed, so neither can be forged; salted with the
connection, module and record, so one record's state never validates for another."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core import signing

MAX_AGE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class FormState:
    modified_time: str
    original: Mapping[str, Any]
    record_name: str = ""
    layout_id: str = ""
    # What stops the record from being saved, read when it was loaded (updater.records.record_hold).
    hold: str = ""
    # api_name → {"loaded": ..., "theirs": ...} for fields both sides changed (conflict screen).
    conflicts: Mapping[str, Any] = field(default_factory=dict)


def state_salt(*, connection_id: int, module: str, record_id: str) -> str:
    return f"crmadmin.record-state:{connection_id}:{module}:{record_id}"


def state_dumps(state: FormState, *, salt: str) -> str:
    payload = {
        "mt": state.modified_time,
        "orig": dict(state.original),
        "name": state.record_name,
        "layout": state.layout_id,
    }
    if state.hold:
        payload["hold"] = state.hold
    if state.conflicts:
        payload["conflicts"] = dict(state.conflicts)
    return signing.dumps(payload, salt=salt, compress=True)


def state_loads(value: str, *, salt: str) -> FormState:
    """Raises ``django.core.signing.BadSignature`` for a forged, foreign or expired state."""
    payload = signing.loads(value, salt=salt, max_age=MAX_AGE_SECONDS)
    return FormState(
        modified_time=str(payload["mt"]),
        original=payload.get("orig") or {},
        record_name=str(payload.get("name") or ""),
        layout_id=str(payload.get("layout") or ""),
        hold=str(payload.get("hold") or ""),
        conflicts=payload.get("conflicts") or {},
    )
