"""Read, search and update records (zoho-api.md §3; zoho-update-records.txt is the contract)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from updater.client import ApiResponse, ZohoClient
from updater.criteria import (
    MAX_CONDITIONS,
    MAX_IN_VALUES,
    OPERATORS,
    Condition,
    Criteria,
    criteria_build,
    criteria_value_escape,
)
from updater.errors import ApiError, RecordResult, errors_from_write_response
from updater.payload import format_zoho_datetime, parse_zoho_datetime, update_payload_build

# Search criteria live in updater.criteria; callers keep importing them from here.
__all__ = [
    "MAX_CONDITIONS",
    "MAX_IN_VALUES",
    "OPERATORS",
    "Condition",
    "Criteria",
    "RecordPage",
    "RecordResult",
    "criteria_build",
    "criteria_value_escape",
    "format_zoho_datetime",
    "record_delete",
    "record_get",
    "record_hold",
    "record_insert",
    "record_update",
    "records_count",
    "records_list",
    "records_search",
    "records_update",
    "update_payload_build",
]

MAX_FIELDS = 50
MAX_PER_PAGE = 200
MAX_PAGED_RECORDS = 2000  # beyond this only page_token works (DISCRETE_PAGINATION_LIMIT_EXCEEDED)
MAX_WRITE_RECORDS = 100
SORT_FIELDS = frozenset({"id", "Created_Time", "Modified_Time"})


@dataclass(frozen=True)
class RecordPage:
    records: list[dict[str, Any]]
    more_records: bool
    page: int
    per_page: int
    next_page_token: str | None = None
    count: int | None = None


Item = TypeVar("Item")  # what results_in_chunks sends: record dicts or related ids


def record_path(module: str, *parts: str) -> str:
    return "/".join(quote(str(part), safe="") for part in (module, *parts))


def page_from(response: ApiResponse, *, page: int, per_page: int) -> RecordPage:
    """A page from a list/search answer; 204 and 304 (empty body) give an empty page."""
    body = response.body or {}
    info = body.get("info") or {}
    return RecordPage(
        records=list(body.get("data") or []),
        more_records=bool(info.get("more_records")),
        page=int(info.get("page") or page),
        per_page=int(info.get("per_page") or per_page),
        next_page_token=info.get("next_page_token"),
        count=info.get("count"),
    )


def record_get(
    *, client: ZohoClient, module: str, record_id: str, fields: list[str] | None = None
) -> dict[str, Any] | None:
    """One record, with subform and multi-select lookup values; None when Zoho answers 204."""
    params = {"fields": ",".join(_fields_checked(fields))} if fields else None
    response = client.request("GET", record_path(module, record_id), params=params)
    data = (response.body or {}).get("data") or []
    return dict(data[0]) if data else None


# The record's state keys on GET (zoho-api.md §2.4 "Other record keys returned by GET"): a lock
# that applies to this user, an approval still pending, a merge of duplicates in progress.
PENDING_APPROVAL_STATES = frozenset({"approval_process_pending", "pending"})


def record_hold(record: Mapping[str, Any]) -> str:
    """What stops this record from being saved now, from its state keys: ``"locked"``,
    ``"awaiting_approval"``, ``"in_merge"``, or ``""`` when nothing does. ``$locked_for_me``
    decides when present (a lock may spare this user); else ``Locked__s``."""
    locked = record.get("$locked_for_me")
    if locked is None:
        locked = record.get("Locked__s")
    if locked:
        return "locked"
    if record.get("$in_merge"):
        return "in_merge"
    if str(record.get("$approval_state") or "") in PENDING_APPROVAL_STATES:
        return "awaiting_approval"
    return ""


def records_list(
    *,
    client: ZohoClient,
    module: str,
    fields: list[str],
    per_page: int = MAX_PER_PAGE,
    page: int = 1,
    page_token: str | None = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
    cvid: str | None = None,
) -> RecordPage:
    params: dict[str, Any] = {"fields": ",".join(_fields_checked(fields)), "per_page": per_page}
    _per_page_check(per_page)
    if page_token:
        params["page_token"] = page_token
    elif page * per_page > MAX_PAGED_RECORDS:
        raise ValueError(f"Pages reach only the first {MAX_PAGED_RECORDS} records; use page_token")
    else:
        params["page"] = page
    if sort_by is not None:
        if sort_by not in SORT_FIELDS:
            raise ValueError(f"sort_by must be one of {sorted(SORT_FIELDS)}")
        if cvid is not None:
            raise ValueError("Zoho cannot combine sort_by with cvid")
        params["sort_by"] = sort_by
    if sort_order is not None:
        if sort_order not in ("asc", "desc"):
            raise ValueError("sort_order must be 'asc' or 'desc'")
        params["sort_order"] = sort_order
    if cvid is not None:
        params["cvid"] = cvid
    response = client.request("GET", record_path(module), params=params)
    return page_from(response, page=page, per_page=per_page)


def records_search(
    *,
    client: ZohoClient,
    module: str,
    criteria: Criteria | None = None,
    word: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    page: int = 1,
    per_page: int = MAX_PER_PAGE,
    fields: list[str] | None = None,
) -> RecordPage:
    """Exactly one of criteria / word / email / phone. No hits (204) gives an empty page."""
    given = {"criteria": criteria, "word": word, "email": email, "phone": phone}
    chosen = {name: value for name, value in given.items() if value}
    if len(chosen) != 1:
        raise ValueError("Give exactly one of criteria, word, email or phone")
    if word is not None and len(word.strip()) < 2:
        raise ValueError("A search word needs at least 2 characters")
    _per_page_check(per_page)
    if page * per_page > MAX_PAGED_RECORDS:
        raise ValueError(f"Search returns at most {MAX_PAGED_RECORDS} records")
    params: dict[str, Any] = {"page": page, "per_page": per_page}
    if isinstance(criteria, Condition):
        params["criteria"] = criteria_build(conditions=[criteria])
    elif criteria is not None and not isinstance(criteria, str):
        params["criteria"] = criteria_build(conditions=list(criteria))
    else:
        params.update(chosen)
    if fields:
        params["fields"] = ",".join(_fields_checked(fields))
    response = client.request("GET", record_path(module, "search"), params=params)
    return page_from(response, page=page, per_page=per_page)


def records_count(
    *,
    client: ZohoClient,
    module: str,
    criteria: Criteria | None = None,
    word: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> int:
    """How many records the module holds, or match one search (at most one of criteria / word /
    email / phone): ``GET /{module}/actions/count`` → ``{"count": N}`` (zoho-api.md §3.2)."""
    given = {"criteria": criteria, "word": word, "email": email, "phone": phone}
    chosen = {name: value for name, value in given.items() if value}
    if len(chosen) > 1:
        raise ValueError("Give at most one of criteria, word, email or phone")
    params: dict[str, Any] = {}
    if isinstance(criteria, Condition):
        params["criteria"] = criteria_build(conditions=[criteria])
    elif criteria and not isinstance(criteria, str):
        params["criteria"] = criteria_build(conditions=list(criteria))
    else:
        params.update(chosen)
    response = client.request("GET", record_path(module, "actions", "count"), params=params or None)
    return int((response.body or {}).get("count") or 0)


def _fields_checked(fields: Sequence[str] | None) -> list[str]:
    if not fields:
        raise ValueError("Zoho requires at least one field name")
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"Zoho accepts at most {MAX_FIELDS} fields per request")
    return list(fields)


def _per_page_check(per_page: int) -> None:
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")


def results_in_chunks(
    items: Sequence[Item], *, send: Callable[[Sequence[Item]], ApiResponse]
) -> list[RecordResult]:
    """Send ``items`` in calls of at most 100; one RecordResult per item, in input order."""
    results: list[RecordResult] = []
    for start in range(0, len(items), MAX_WRITE_RECORDS):
        response = send(items[start : start + MAX_WRITE_RECORDS])
        results += errors_from_write_response(
            status=response.status, body=response.body, index_offset=start
        )
    return results


def _unmodified_since(value: datetime | str) -> dict[str, str]:
    return {"If-Unmodified-Since": format_zoho_datetime(parse_zoho_datetime(value))}


def _write_body(
    *, data: Sequence[Mapping[str, Any]], trigger: list[str] | None, skip_cadences: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {"data": [dict(record) for record in data]}
    # trigger omitted → all automation runs; [] → none (zoho-api.md §3.4).
    if trigger is not None:
        body["trigger"] = list(trigger)
    if skip_cadences:
        body["skip_feature_execution"] = [{"name": "cadences"}]
    return body


def record_update(
    *,
    client: ZohoClient,
    module: str,
    record_id: str,
    changes: Mapping[str, Any],
    modified_time: datetime | str,
    trigger: list[str] | None = None,
    skip_cadences: bool = False,
) -> RecordResult:
    """PUT only the changes, guarded by If-Unmodified-Since.

    Raises ConflictError when someone saved the record after ``modified_time`` (412), and
    ValidationError (with ``field_errors``) when Zoho refuses a value. With no changes nothing is
    sent and the result's code is ``UNCHANGED``.
    """
    guard = _unmodified_since(modified_time)
    if not changes:
        return RecordResult(
            index=0, record_id=record_id, ok=True, code="UNCHANGED", message="nothing to save"
        )
    body = _write_body(
        data=[{**changes, "id": record_id}], trigger=trigger, skip_cadences=skip_cadences
    )
    response = client.request(
        "PUT",
        record_path(module, record_id),
        json=body,
        headers=guard,
        record_errors_ok=True,
    )
    return _only_result(response)


def records_update(
    *,
    client: ZohoClient,
    module: str,
    records: list[Mapping[str, Any]],
    trigger: list[str] | None = None,
    skip_cadences: bool = False,
    if_unmodified_since: datetime | str | None = None,
) -> list[RecordResult]:
    """Bulk update in calls of at most 100 records; one RecordResult per record (207 aware)."""
    if any(not record.get("id") for record in records):
        raise ValueError("Every record to update needs its id")
    headers = _unmodified_since(if_unmodified_since) if if_unmodified_since is not None else {}

    def send(chunk: Sequence[Mapping[str, Any]]) -> ApiResponse:
        body = _write_body(data=chunk, trigger=trigger, skip_cadences=skip_cadences)
        return client.request(
            "PUT", record_path(module), json=body, headers=headers, record_errors_ok=True
        )

    return results_in_chunks(records, send=send)


def record_insert(
    *,
    client: ZohoClient,
    module: str,
    values: Mapping[str, Any],
    trigger: list[str] | None = None,
    layout_id: str | None = None,
) -> RecordResult:
    """POST one new record (Insert Records, zoho-api.md §3.4): ``values`` in Zoho's JSON form.

    With ``layout_id`` the record goes into that layout, and Zoho checks the layout's required
    fields too (they are checked only when ``Layout.id`` is sent, zoho-api.md §5 item 10). The
    result's ``record_id`` is the new record's id. A refused record raises its typed error
    (ValidationError with ``field_errors`` for MANDATORY_NOT_FOUND, INVALID_DATA, DUPLICATE_DATA):
    Zoho answers per-record failures inside the write answer, as for updates.
    """
    record = {**values}
    if layout_id:
        record["Layout"] = {"id": str(layout_id)}
    body = _write_body(data=[record], trigger=trigger, skip_cadences=False)
    response = client.request("POST", record_path(module), json=body, record_errors_ok=True)
    return _only_result(response)


def record_delete(*, client: ZohoClient, module: str, record_id: str) -> RecordResult:
    """DELETE one record into Zoho's recycle bin (Delete Records, zoho-api.md §3.7); workflows
    run as by default (``wf_trigger`` true). An id Zoho does not know (or already deleted)
    raises ValidationError INVALID_DATA ("record not deleted")."""
    if not record_id:
        raise ValueError("record_delete needs the record's id")
    response = client.request("DELETE", record_path(module, record_id), record_errors_ok=True)
    return _only_result(response)


def _only_result(response: ApiResponse) -> RecordResult:
    """The one record's result of a one-record write; its typed error raised when it failed."""
    results = errors_from_write_response(status=response.status, body=response.body)
    if not results:
        raise ApiError(status=response.status, code="EMPTY_RESPONSE", message="Zoho sent no result")
    if results[0].error is not None:
        raise results[0].error
    return results[0]
