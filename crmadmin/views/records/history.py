"""A record's history: every write made through crmadmin (saves, links, unlinks), newest first,
read like the rest of the app: times in the org's time zone, Zoho's answers in words, subform
changes row by row, values through the one display the edit form uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crmadmin.datatypes import display_html, display_text
from crmadmin.models import AuditEntry
from crmadmin.permissions import connection_for
from crmadmin.problems import no_answer_code, problem_for_code

PER_PAGE = 25
EMPTY = "—"


@dataclass(frozen=True)
class ChangeRow:
    """One line of an entry's table: what changed, before and after, as a person reads it."""

    label: str
    before: str  # a rich text value's is its HTML, cleaned by nh3 (``display_html``)
    after: str
    note: str = ""  # Zoho's answer for this one line (a linked deal), when it differs


@dataclass(frozen=True)
class HistoryEntry:
    entry: AuditEntry
    when: datetime  # in the org's time zone
    outcome: str  # "Saved", "Not saved", "Not confirmed", "Linked", ...
    level: str  # badge class: ok, warn, err
    reason: str = ""  # Zoho's answer in words, when it was not a plain success
    rows: list[ChangeRow] = field(default_factory=list)

    @property
    def when_iso(self) -> str:
        # Not the template's |date: it would move the time into the server's time zone.
        return self.when.isoformat(timespec="seconds")

    @property
    def when_text(self) -> str:
        offset = self.when.strftime("%z")
        return f"{self.when:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def org_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def shown(value: Any, zone: ZoneInfo) -> str:
    """The edit form's display of a value; date-times moved into the org's time zone."""
    return display_text(value, time_zone=zone) or EMPTY


def _humanise(api_name: str) -> str:
    return api_name.replace("_", " ").strip() or api_name


def subform_rows(label: str, before: Any, after: Any, zone: ZoneInfo) -> list[ChangeRow]:
    """Row-level before/after of a subform (or other row-based field) from the payload that
    was sent: edited rows field by field, new rows, removed rows; kept rows are left out."""
    before_rows = [row for row in before or [] if isinstance(row, Mapping)]
    position = {str(row.get("id")): n for n, row in enumerate(before_rows, 1) if row.get("id")}
    by_id = {str(row.get("id")): row for row in before_rows if row.get("id")}
    rows: list[ChangeRow] = []
    for sent in after if isinstance(after, list) else []:
        if not isinstance(sent, Mapping):
            continue
        row_id = str(sent.get("id") or "")
        values = {key: value for key, value in sent.items() if key not in ("id", "_delete")}
        old = by_id.get(row_id, {})
        where = f"{label}, row {position.get(row_id, '?')}"
        if "_delete" in sent:
            text = _row_text(old, zone) if old else f"row {row_id}"
            rows.append(ChangeRow(f"{where} removed", text, EMPTY))
        elif not row_id:
            rows.append(ChangeRow(f"{label}, new row", EMPTY, _row_text(values, zone)))
        else:
            rows += [
                ChangeRow(f"{where}: {_humanise(key)}", shown(old.get(key), zone), shown(v, zone))
                for key, v in values.items()
            ]
    return rows


def _row_text(row: Mapping[str, Any], zone: ZoneInfo) -> str:
    parts = [
        f"{_humanise(key)}: {shown(value, zone)}"
        for key, value in row.items()
        if key != "id" and not key.startswith("$") and value not in (None, "", [])
    ]
    return "; ".join(parts) or EMPTY


def change_rows(entry: AuditEntry, zone: ZoneInfo) -> list[ChangeRow]:
    rows: list[ChangeRow] = []
    for change in entry.changes:
        label = change.get("label") or change.get("api_name") or ""
        before, after = change.get("before"), change.get("after")
        if entry.action in (AuditEntry.Action.LINK, AuditEntry.Action.UNLINK):
            code = change.get("code") or ""
            note = "" if code in ("", "SUCCESS") else problem_for_code(code).title
            rows.append(ChangeRow(label, shown(before, zone), shown(after, zone), note))
        elif isinstance(after, list) and any(isinstance(row, Mapping) for row in after):
            rows += subform_rows(label, before, after, zone)
        elif change.get("html"):  # rich text: its HTML as the edit form shows it, cleaned
            rows.append(
                ChangeRow(label, display_html(before) or EMPTY, display_html(after) or EMPTY)
            )
        else:
            rows.append(ChangeRow(label, shown(before, zone), shown(after, zone)))
    return rows


def history_entry(entry: AuditEntry, zone: ZoneInfo) -> HistoryEntry:
    code = entry.response_code
    saving = entry.action == AuditEntry.Action.SAVE
    done = "Saved" if saving else entry.get_action_display()
    words = problem_for_code(code)
    lost = "Zoho's answer never came, so the record was read again"
    if entry.succeeded:
        reason = f"{lost}: the change was there." if no_answer_code(code) else ""
        outcome, level = done, "ok"
    elif not entry.confirmed:
        # No answer came and the re-read could not tell: the write may have landed (#10 item 4).
        outcome, level = "Not confirmed", "warn"
        reason = f"{words.title}. Whether the change landed could not be confirmed."
    elif no_answer_code(code):
        outcome, level = "Not saved", "warn"
        reason = f"{lost}: it was unchanged."
    elif code == "ALREADY_MODIFIED":
        outcome, level = "Not saved", "warn"
        reason = "Someone changed the record in Zoho first."
    else:
        outcome = "Not saved" if saving else f"Not {done.lower()}"
        level, reason = "err", f"{words.title}."
    return HistoryEntry(
        entry=entry,
        when=entry.created_at.astimezone(zone),
        outcome=outcome,
        level=level,
        reason=reason,
        rows=change_rows(entry, zone),
    )


@login_required
def record_history(
    request: HttpRequest, connection_id: int, module: str, record_id: str
) -> HttpResponse:
    connection = connection_for(request, connection_id, module)
    entries = AuditEntry.objects.filter(
        connection=connection, module=module, record_id=record_id
    ).select_related("user")
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    zone = org_zone(connection.time_zone)
    context = {
        "connection": connection,
        "module": module,
        "record_id": record_id,
        "page": page,
        "entries": [history_entry(entry, zone) for entry in page],
        "time_zone": zone.key,
        "nav": "records",
        # A save names the record as Zoho does; a link entry only as the link page knew it.
        "record_name": next(
            (e.record_name for e in page if e.record_name and e.action == "save"),
            next((e.record_name for e in page if e.record_name), ""),
        ),
    }
    return render(request, "crmadmin/record_history.html", context)
