"""Bulk jobs: plan a change over many records, then run it in batches of 100, exactly once.

Plain data in, plain data out; the views own the request and `crmadmin.tasks` owns the task.

How a job stays exactly-once (zoho-update-records.txt: 100 records per PUT, 200/207 answers):

1. `job_run` claims the job (a runner id and a heartbeat; a second run of the same job backs off).
2. It claims the next ≤100 pending rows and marks them in flight in a committed transaction, and
   only then sends one PUT guarded by If-Unmodified-Since = the preview time.
3. It stores each record's outcome from the 200/207 answer.
4. Rows still in flight when a run starts belong to a run that died mid-batch: their PUT may or may
   not have reached Zoho, and appending values is not idempotent, so they are never resent
   blindly. Each is re-read: our change is there and the record was modified after the preview →
   succeeded; untouched since the preview → pending again; changed otherwise → set aside.
   A timeout or 5xx on the PUT itself leaves the same doubt and is settled the same way.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from crmadmin import budget
from crmadmin.datatypes import data_type_of
from crmadmin.models import AuditEntry, BulkJob, BulkUpload, Connection, JobRecord
from crmadmin.permissions import is_manager
from crmadmin.problems import not_sent_text
from crmadmin.services.browse import ListQuery, records_fetch
from crmadmin.services.linking import (
    CONTACTS,
    LinkWrite,
    Pair,
    PairResult,
    deal_label,
    links_audit_write,
)
from crmadmin.services.linking.bulk import TRANSIENT as TRANSIENT_LINK_FAULTS
from crmadmin.services.linking.bulk import pairs_link_call
from crmadmin.zoho import client_for, error_summary
from updater.client import ZohoClient
from updater.errors import (
    ConflictError,
    NonJsonResponseError,
    NotFoundError,
    RateLimitError,
    RecordResult,
    ServerError,
    TransportError,
    ValidationError,
    ZohoError,
)
from updater.metadata import Field
from updater.payload import UNCHANGED, parse_zoho_datetime, update_payload_build, value_change
from updater.records import (
    MAX_IN_VALUES,
    MAX_PAGED_RECORDS,
    MAX_PER_PAGE,
    MAX_WRITE_RECORDS,
    Condition,
    RecordPage,
    record_get,
    records_search,
)
from updater.records import records_update as zoho_records_update

logger = logging.getLogger(__name__)

ACTIONS = ("set", "clear", "append", "remove")
MAX_JOB_RECORDS = 50_000
SAMPLE_SIZE = 10
UPLOAD_KEPT = timedelta(days=1)
MAX_DIRECT_READS = 200  # record ids a CSV names that search missed, read one GET each
State = JobRecord.State
Status = BulkJob.Status


# --- Plain data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One field of the change: set a value, clear it, or append/remove multi-select values."""

    api_name: str
    label: str
    action: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "api_name": self.api_name,
            "label": self.label,
            "action": self.action,
            "value": self.value,
        }


@dataclass(frozen=True)
class PlannedRecord:
    record_id: str
    record_name: str
    before: dict[str, Any]
    after: dict[str, Any]
    payload: dict[str, Any]
    problem: str = ""  # our own check failed: the record will not be sent
    line: int | None = None  # the CSV line it came from
    target: str = ""  # a link job's deal external ID


@dataclass(frozen=True)
class TableRow:
    """One line of an uploaded or pasted CSV: the value that identifies the record, each mapped
    column's value as the edit form cleaned it, and why the line cannot be used (if so)."""

    line: int
    key: str
    values: dict[str, Any]
    problem: str = ""


@dataclass(frozen=True)
class Plan:
    preview_at: datetime
    records: list[PlannedRecord]

    @property
    def to_send(self) -> list[PlannedRecord]:
        return [item for item in self.records if not item.problem]

    @property
    def refused(self) -> list[PlannedRecord]:
        return [item for item in self.records if item.problem]

    def sample(self, size: int = SAMPLE_SIZE) -> list[PlannedRecord]:
        return self.to_send[:size]


@dataclass(frozen=True)
class Progress:
    status: str
    total: int
    done: int
    succeeded: int
    failed: int
    set_aside: int
    skipped: int
    in_flight: int
    rate: float | None  # records per second since the job started
    seconds_left: float | None
    percent: int
    counts: dict[str, int] = field(default_factory=dict)


def preview_time() -> datetime:
    """The If-Unmodified-Since for records about to be read for a preview.

    Zoho compares whole seconds, so a record changed later within the same second as our read
    would pass a guard of that second and be overwritten. One second earlier makes every change
    from this second on fail the guard: at worst a record changed just before the read is set
    aside needlessly, never one changed after it overwritten.
    """
    return timezone.now().replace(microsecond=0) - timedelta(seconds=1)


# --- Choosing records ---------------------------------------------------------------------------


def bulk_fields(fields: Iterable[Field], *, allowed: set[str] | None = None) -> list[Field]:
    """Fields a bulk edit may change: writable, mass-updatable per Zoho, of a type we can send."""
    chosen = []
    for meta in fields:
        if not meta.is_writable or not data_type_of(meta).bulk:
            continue
        if meta.raw.get("mass_update") is False:
            continue
        if meta.json_type == "jsonarray" and meta.data_type != "multiselectpicklist":
            continue
        if allowed is not None and meta.api_name not in allowed:
            continue
        chosen.append(meta)
    return chosen


def records_matching(
    *, client: ZohoClient, module: str, query: ListQuery, fields: Sequence[str]
) -> list[dict[str, Any]]:
    """Every record the list's search/criteria match, with `fields` (one page a call: the
    planning task reads them page by page through `matching_cursor` and `matching_read`)."""
    cursor = matching_cursor(query=query, fields=fields)
    records: list[dict[str, Any]] = []
    while not cursor.done:
        page, cursor = matching_read(client=client, module=module, cursor=cursor)
        records += page.records
    return records[:MAX_JOB_RECORDS]


@dataclass(frozen=True)
class Cursor:
    """Where reading the records a list's search matches has got to."""

    query: ListQuery  # the list's search, with the job's columns, 200 a page
    page: int = 1
    token: str = ""
    read: int = 0
    done: bool = False

    @property
    def limit(self) -> int:
        """The most records it reads: a search stops at 2,000 (zoho-api.md §3.2)."""
        return min(MAX_JOB_RECORDS, MAX_PAGED_RECORDS) if self.query.searching else MAX_JOB_RECORDS


def matching_cursor(*, query: ListQuery, fields: Sequence[str]) -> Cursor:
    """Before the first page of the records the list's search matches, read with `fields`.

    Without a search the list API pages on with `page_token` past record 2,000; Zoho's search
    API stops at 2,000 (zoho-api.md §3.2).
    """
    columns = tuple(dict.fromkeys([*fields, "Modified_Time"]))
    first = {"columns": columns, "per_page": MAX_PER_PAGE, "page": 1, "page_token": ""}
    return Cursor(query=ListQuery(**{**query.__dict__, **first}))


def matching_read(*, client: ZohoClient, module: str, cursor: Cursor) -> tuple[RecordPage, Cursor]:
    """One page (one call) and the cursor past it; safe to call again with the same cursor."""
    query = cursor.query
    token = cursor.token if not query.searching else ""
    at = {"page": 1 if token else cursor.page, "page_token": token}
    current = ListQuery(**{**query.__dict__, **at})
    page = records_fetch(client=client, module=module, query=current)
    number, token = cursor.page + 1, page.next_page_token or ""
    read = cursor.read + len(page.records)
    done = (
        not page.more_records
        or read >= MAX_JOB_RECORDS
        or (number * MAX_PER_PAGE > MAX_PAGED_RECORDS and (query.searching or not token))
    )
    return page, replace(cursor, page=number, token=token, read=read, done=done)


def records_by_id(
    *, client: ZohoClient, module: str, record_ids: Sequence[str], fields: Sequence[str]
) -> list[dict[str, Any]]:
    """The chosen records (one GET each; a page of ticked rows is at most 200)."""
    wanted = list(dict.fromkeys([*fields, "Modified_Time"]))
    found = []
    for record_id in dict.fromkeys(record_ids):
        record = record_get(client=client, module=module, record_id=record_id, fields=wanted)
        if record is not None:
            found.append(record)
    return found


def records_by_key(
    *,
    client: ZohoClient,
    module: str,
    key_field: str,
    keys: Sequence[str],
    fields: Sequence[str],
) -> dict[str, list[dict[str, Any]]]:
    """The records whose `key_field` ("id", or a unique / external-ID field) holds each key, by
    search in batches of 100 values (`in`); a key no record holds is missing from the answer.
    Record ids the search missed are read directly, up to `MAX_DIRECT_READS`."""
    unique = list(dict.fromkeys(key for key in keys if key))
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(unique), MAX_IN_VALUES):
        found |= records_search_by_key(
            client=client,
            module=module,
            key_field=key_field,
            keys=unique[start : start + MAX_IN_VALUES],
            fields=fields,
        )
    if key_field == "id":
        found |= records_read_missing(
            client=client, module=module, keys=unique, found=found, fields=fields
        )
    return found


def records_search_by_key(
    *, client: ZohoClient, module: str, key_field: str, keys: Sequence[str], fields: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """One search (`in`, at most 100 values; more pages only if Zoho has them) for the records
    whose `key_field` holds each key.

    Zoho's search matches text without regard to case, so only exact values count here.
    """
    if len(keys) > MAX_IN_VALUES:
        raise ValueError(f"At most {MAX_IN_VALUES} values per search, not {len(keys)}.")
    wanted = _wanted(fields, key_field)
    chunk = list(keys)
    found: dict[str, list[dict[str, Any]]] = {}
    if not chunk:
        return found
    condition = Condition(field=key_field, operator="in", value=chunk)
    page = 1
    while True:
        result = records_search(
            client=client, module=module, criteria=condition, fields=wanted, page=page
        )
        for record in result.records:
            value = record.get(key_field)
            value = value.get("id") if isinstance(value, Mapping) else value
            if value is not None and str(value) in chunk:
                found.setdefault(str(value), []).append(record)
        if not result.more_records or (page + 1) * MAX_PER_PAGE > MAX_PAGED_RECORDS:
            return found
        page += 1


def records_read_missing(
    *,
    client: ZohoClient,
    module: str,
    keys: Sequence[str],
    found: Mapping[str, Any],
    fields: Sequence[str],
) -> dict[str, list[dict[str, Any]]]:
    """Record ids the search did not find, read one GET each, the first `MAX_DIRECT_READS`.

    Zoho's search may not have indexed a record edited moments ago (zoho-api.md §3.3).
    """
    wanted = _wanted(fields, "id")
    missing = [key for key in dict.fromkeys(keys) if key not in found and key.isdigit()]
    read: dict[str, list[dict[str, Any]]] = {}
    for record_id in missing[:MAX_DIRECT_READS]:
        try:
            record = record_get(client=client, module=module, record_id=record_id, fields=wanted)
        except (NotFoundError, ValidationError):
            record = None  # Zoho's other answer for an id it does not know (INVALID_DATA)
        if record is not None:
            read[record_id] = [record]
    return read


def _wanted(fields: Sequence[str], key_field: str) -> list[str]:
    return [name for name in dict.fromkeys([*fields, key_field, "Modified_Time"]) if name != "id"]


def name_field_of(fields: Iterable[Field]) -> str:
    """The field that names a record of the module, for previews and history."""
    names = {meta.api_name for meta in fields}
    for candidate in ("Full_Name", "Deal_Name", "Account_Name", "Product_Name", "Name", "Subject"):
        if candidate in names:
            return candidate
    return "Modified_Time"


def upload_keep(
    *, connection: Connection, module: str, user: Any, file_name: str, encoding: str, text: str
) -> BulkUpload:
    """Keep a decoded CSV until its records are found; uploads left for a day go, unless a job
    is finding their records right now."""
    BulkUpload.objects.filter(created_at__lt=timezone.now() - UPLOAD_KEPT).exclude(
        job__status=Status.FINDING
    ).delete()
    return BulkUpload.objects.create(
        connection=connection,
        module=module,
        user=user,
        file_name=file_name,
        encoding=encoding,
        text=text,
    )


# --- Planning -----------------------------------------------------------------------------------


def plan_build(
    *,
    records: Sequence[Mapping[str, Any]],
    changes: Sequence[Change],
    fields: Sequence[Field],
    preview_at: datetime,
    name_field: str = "",
) -> Plan:
    """Each record's before → after and the JSON its PUT will carry; our own checks refuse rows
    whose change is empty or breaks a mandatory field. Pure: no API call."""
    by_name = {meta.api_name: meta for meta in fields}
    planned = []
    for record in records:
        before = {change.api_name: record.get(change.api_name) for change in changes}
        after = {c.api_name: _after(by_name[c.api_name], c, before[c.api_name]) for c in changes}
        appends = {c.api_name: True for c in changes if c.action == "append"}
        payload = update_payload_build(
            fields=[by_name[c.api_name] for c in changes],
            original=before,
            submitted=after,
            append_values=appends or None,
        )
        planned.append(
            PlannedRecord(
                record_id=str(record["id"]),
                record_name=_name_of(record, name_field),
                before=before,
                after=after,
                payload=jsonable(payload),
                problem=_problem(by_name, changes, payload),
            )
        )
    return Plan(preview_at=preview_at, records=planned)


def plan_rows_build(
    *,
    rows: Sequence[TableRow],
    found: Mapping[str, Sequence[Mapping[str, Any]]],
    key_label: str,
    fields: Sequence[Field],
    preview_at: datetime,
    name_field: str = "",
) -> Plan:
    """A plan from CSV lines, each with its own values: one planned record per line, in file
    order. A line that failed to parse, names no record or a record another line already named,
    or matches several records is kept as not sent, with the reason and its line."""
    by_name = {meta.api_name: meta for meta in fields}
    planned: list[PlannedRecord] = []
    first_line: dict[str, int] = {}
    for row in rows:
        problem = row.problem
        matches = found.get(row.key) or []
        record: Mapping[str, Any] = matches[0] if matches else {}
        if not problem and not matches:
            problem = f"No record has {key_label} “{row.key}”."
        elif not problem and len(matches) > 1:
            problem = f"{len(matches)} records have {key_label} “{row.key}”: give the record ID."
        record_id = str(record.get("id") or row.key)[:255]
        if not problem and record_id in first_line:
            problem = f"The same record as line {first_line[record_id]}: sent once, from there."
        if problem:
            planned.append(PlannedRecord(record_id, "", {}, {}, {}, problem=problem, line=row.line))
            continue
        first_line[record_id] = row.line
        changes = [
            Change(name, by_name[name].field_label, "set", value)
            for name, value in row.values.items()
        ]
        item = plan_build(
            records=[record],
            changes=changes,
            fields=fields,
            preview_at=preview_at,
            name_field=name_field,
        ).records[0]
        planned.append(replace(item, line=row.line))
    return Plan(preview_at=preview_at, records=planned)


def _after(meta: Field, change: Change, before: Any) -> Any:
    if change.action == "clear":
        return [] if meta.data_type == "multiselectpicklist" else None
    if change.action in ("append", "remove"):
        old = [str(value) for value in before or []]
        given = [str(value) for value in change.value or []]
        if change.action == "append":
            return old + [value for value in given if value not in old]
        return [value for value in old if value not in given]
    return change.value


def _problem(by_name: Mapping[str, Field], changes: Sequence[Change], payload: dict) -> str:
    for change in changes:
        meta = by_name[change.api_name]
        if change.action == "clear" and meta.system_mandatory:
            return f"{meta.field_label} is mandatory in Zoho and cannot be cleared."
    if not {key for key in payload if key != "$append_values"}:
        return "Already has this value: nothing to send."
    return ""


def _name_of(record: Mapping[str, Any], name_field: str) -> str:
    for key in (name_field, "Full_Name", "Deal_Name", "Account_Name", "Name", "Last_Name"):
        if key and record.get(key):
            return str(record[key])[:255]
    return ""


def jsonable(value: Any) -> Any:
    """Payload values JSON-ready for a JSONField (Decimals from number fields become floats)."""
    if isinstance(value, Mapping):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, date):  # dates and date-times
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@transaction.atomic
def job_create(
    *,
    connection: Connection,
    module: str,
    user: Any,
    changes: Sequence[Change],
    trigger: list[str] | None,
    plan: Plan,
) -> BulkJob:
    """A job in preview state, with one row per record; `job_start` queues it."""
    job = BulkJob.objects.create(
        connection=connection,
        module=module,
        user=user,
        change=[change.as_dict() for change in changes],
        trigger=trigger,
        preview_at=plan.preview_at,
        status=Status.PREVIEW,
        total=len(plan.records),
    )
    JobRecord.objects.bulk_create(_planned_rows(job, plan), batch_size=500)
    counts_refresh(job.pk)
    return job


def _planned_rows(job: BulkJob, plan: Plan) -> list[JobRecord]:
    now = timezone.now()
    return [
        JobRecord(
            job=job,
            record_id=item.record_id,
            record_name=item.record_name,
            target=item.target,
            line=item.line,
            before=jsonable(item.before),
            payload=item.payload,
            state=State.SKIPPED if item.problem else State.PENDING,
            message=item.problem,
            code="NOT_SENT" if item.problem else "",
            finished_at=now if item.problem else None,
        )
        for item in plan.records
    ]


def csv_job_create(
    *,
    upload: BulkUpload,
    user: Any,
    changes: Sequence[Change],
    trigger: list[str] | None,
    plan_input: Mapping[str, Any],
    lines: int,
) -> tuple[BulkJob, bool]:
    """A job whose records a task finds (`crmadmin.planning.plan_run`): it keeps the upload and
    the column mapping until its plan is stored, and shows as "finding the records" meanwhile.
    One job per upload: a mapping sent twice (a double click) gets the first job, and False."""
    try:
        with transaction.atomic():
            job = BulkJob.objects.create(
                connection_id=upload.connection_id,
                module=upload.module,
                user=user,
                change=[change.as_dict() for change in changes],
                trigger=trigger,
                preview_at=timezone.now(),  # replaced by the time the records are read
                status=Status.FINDING,
                total=lines,
                upload=upload,
                plan_input=dict(plan_input),
            )
    except IntegrityError:
        return BulkJob.objects.get(upload=upload), False
    return job, True


def list_job_create(
    *,
    connection: Connection,
    module: str,
    user: Any,
    changes: Sequence[Change],
    trigger: list[str] | None,
    plan_input: Mapping[str, Any],
) -> BulkJob:
    """A bulk edit chosen on the record list, whose records a task reads
    (`crmadmin.planning.plan_run`): until its plan is stored it keeps the ids ticked or the
    list's search, and shows as "finding the records"."""
    return BulkJob.objects.create(
        connection=connection,
        module=module,
        user=user,
        change=[change.as_dict() for change in changes],
        trigger=trigger,
        preview_at=timezone.now(),  # replaced by the time the records are read
        status=Status.FINDING,
        total=len(plan_input.get("record_ids", ())),
        plan_input=dict(plan_input),
    )


def plan_store(*, job_id: int, runner: str, plan: Plan) -> bool:
    """The found records as the job's rows, and the job in preview, in one transaction; only
    for the run that holds the job (False otherwise: cancelled, or taken over). Rows a killed
    run may have left are replaced, never added to."""
    with transaction.atomic():
        job = (
            BulkJob.objects.select_for_update()
            .filter(pk=job_id, runner=runner, status=Status.FINDING)
            .first()
        )
        if job is None:
            return False
        job.records.all().delete()
        JobRecord.objects.bulk_create(_planned_rows(job, plan), batch_size=500)
        BulkJob.objects.filter(pk=job_id).update(
            status=Status.PREVIEW,
            preview_at=plan.preview_at,
            total=len(plan.records),
            plan_input={},
            runner="",
            wait_reason="",
            error="",
            heartbeat_at=timezone.now(),
        )
        if job.upload_id is not None:
            BulkUpload.objects.filter(pk=job.upload_id).delete()
    counts_refresh(job_id)
    return True


def plan_retry(*, job: BulkJob) -> bool:
    """A CSV job whose records could not be found goes back to finding them; False when its
    upload is no longer kept (or the job is not one whose finding failed). A job chosen on the
    record list keeps what it needs in `plan_input`."""
    failed = BulkJob.objects.filter(pk=job.pk, status=Status.FAILED)
    if "mapped" in job.plan_input:
        failed = failed.filter(upload__isnull=False)
    updated = failed.exclude(plan_input={}).update(
        status=Status.FINDING,
        error="",
        wait_reason="",
        runner="",
        heartbeat_at=None,
        finished_at=None,
        cancel_requested=False,
        looked_up=0,
    )
    return bool(updated)


def job_start(*, job: BulkJob) -> bool:
    """Preview → queued. False if the job was already started."""
    started = BulkJob.objects.filter(pk=job.pk, status=Status.PREVIEW).update(status=Status.QUEUED)
    return bool(started)


def job_cancel(*, job: BulkJob) -> None:
    """Ask the job to stop after the batch in flight; a job not running yet stops at once."""
    BulkJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    BulkJob.objects.filter(pk=job.pk, status__in=[Status.QUEUED, Status.PREVIEW]).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    )
    # A CSV job still finding its records (or whose finding failed) stops at once: the task
    # notices at its next step and stores nothing. Its upload is no longer needed.
    planning = BulkJob.objects.filter(pk=job.pk).exclude(plan_input={})
    if planning.filter(status__in=[Status.FINDING, Status.FAILED]).update(
        status=Status.CANCELLED, finished_at=timezone.now()
    ):
        BulkUpload.objects.filter(job__pk=job.pk).delete()


def job_retry_failed(*, job: BulkJob) -> int:
    """Failed records back to pending and the job queued again; how many will be retried."""
    with transaction.atomic():
        count = job.records.filter(state=State.FAILED).update(
            state=State.PENDING, code="", message="", field="", finished_at=None
        )
        if count:
            BulkJob.objects.filter(pk=job.pk).update(
                status=Status.QUEUED, cancel_requested=False, error="", finished_at=None
            )
    counts_refresh(job.pk)
    return count


def job_resumable(*, job: BulkJob, stale_seconds: float | None = None) -> bool:
    """A job whose runner has stopped showing a heartbeat (its worker died) or that stopped on
    transient errors: enqueueing it again resumes it."""
    if job.status == Status.FAILED:
        return job.records.filter(state__in=[State.PENDING, State.IN_FLIGHT]).exists()
    if job.status not in (Status.RUNNING, Status.WAITING, Status.QUEUED, Status.FINDING):
        return False
    stale = settings.JOBS_STALE_SECONDS if stale_seconds is None else stale_seconds
    since = job.heartbeat_at or job.created_at
    return since <= timezone.now() - timedelta(seconds=stale)


def stale_jobs(*, stale_seconds: float | None = None) -> list[BulkJob]:
    active = BulkJob.objects.filter(
        status__in=[Status.RUNNING, Status.WAITING, Status.QUEUED, Status.FINDING]
    )
    return [job for job in active if job_resumable(job=job, stale_seconds=stale_seconds)]


# --- Running ------------------------------------------------------------------------------------


class _LostJob(Exception):
    """Another run took the job over (ours was presumed dead): stop without touching it."""


@dataclass
class _Run:
    job: BulkJob
    runner: str
    client: ZohoClient
    sleep: Callable[[float], None]
    transient: int = 0

    @property
    def guard(self) -> datetime:
        return self.job.preview_at


def job_run(
    *,
    job_id: int,
    client: ZohoClient | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Run (or resume) one job until it is finished, cancelled or stopped; returns its status.

    Safe to call again at any point: everything it did is recorded before the next step.
    """
    runner = uuid.uuid4().hex
    job = _runner_claim(job_id, runner)
    if job is None:
        return BulkJob.objects.get(pk=job_id).status
    client = client or client_for(job.connection, priority=budget.BACKGROUND)
    run = _Run(job=job, runner=runner, client=client, sleep=sleep)
    try:
        doubtful = list(job.records.filter(state__in=[State.IN_FLIGHT, State.UNKNOWN]))
        linking = job.kind == BulkJob.Kind.LINK
        if linking:
            _release(doubtful)  # linking a pair twice is harmless: simply send it again
        else:
            _reconcile(run, doubtful)
        while True:
            _heartbeat(run)
            if BulkJob.objects.filter(pk=job.pk, cancel_requested=True).exists():
                return _finish(run, Status.CANCELLED)
            if _budget_wait(run):
                continue
            batch = _batch_claim(run)
            if not batch:
                return _finish(run, Status.FINISHED)
            if linking:
                _link_send(run, batch)
            else:
                _batch_send(run, batch)
            if run.transient >= settings.JOBS_MAX_TRANSIENT:
                return _finish(run, Status.FAILED, error=run.job.wait_reason)
    except _LostJob:
        return BulkJob.objects.get(pk=job_id).status
    except ZohoError as error:
        # Auth, permission, validation of the whole request: not transient, so the job stops and
        # says why; the rows keep their state and Resume picks up from there.
        _release_in_flight_unsent(run)
        return _finish(run, Status.FAILED, error=error_summary(error))


def _runner_claim(job_id: int, runner: str) -> BulkJob | None:
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=job_id)
        if job.status in (Status.PREVIEW, Status.FINISHED, Status.CANCELLED, Status.FINDING):
            return None
        if job.plan_input:
            return None  # a CSV job whose records were never found: nothing to send
        fresh = timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS)
        alive = job.runner and job.heartbeat_at and job.heartbeat_at > fresh
        if alive and job.status in (Status.RUNNING, Status.WAITING):
            return None
        now = timezone.now()
        job.runner, job.heartbeat_at, job.status = runner, now, Status.RUNNING
        job.started_at = job.started_at or now
        job.error, job.wait_reason = "", ""
        job.save(
            update_fields=["runner", "heartbeat_at", "status", "started_at", "error", "wait_reason"]
        )
        return job


def _heartbeat(run: _Run, **changes: Any) -> None:
    updated = BulkJob.objects.filter(pk=run.job.pk, runner=run.runner).update(
        heartbeat_at=timezone.now(), **changes
    )
    if not updated:
        raise _LostJob
    for name, value in changes.items():
        setattr(run.job, name, value)


def _wait(run: _Run, seconds: float, reason: str) -> None:
    """Sleep in short steps, keeping the heartbeat fresh so no one presumes us dead."""
    _heartbeat(run, status=Status.WAITING, wait_reason=reason)
    left = seconds
    while left > 0:
        step = min(left, 5.0)
        run.sleep(step)
        left -= step
        _heartbeat(run)
    _heartbeat(run, status=Status.RUNNING)


def _budget_wait(run: _Run) -> bool:
    """Pause while the connection's API budget says so (crmadmin/budget.py); True if it did."""
    hold = budget.job_hold(run.job.connection)
    if hold is None:
        return False
    _wait(run, hold.seconds, hold.reason)
    return True


def _batch_claim(run: _Run) -> list[JobRecord]:
    """Mark the next ≤100 pending rows in flight and commit, before anything is sent."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update().get(pk=run.job.pk)
        if job.runner != run.runner:
            raise _LostJob
        pending = job.records.filter(state=State.PENDING).order_by("pk")
        if job.kind == BulkJob.Kind.LINK:
            # One call links one contact's deals: the batch is the next contact's pairs.
            contact = pending.values_list("record_id", flat=True).first()
            pending = pending.filter(record_id=contact)
        ids = list(pending.values_list("pk", flat=True)[:MAX_WRITE_RECORDS])
        if not ids:
            return []
        number = (job.records.aggregate(n=Count("batch", distinct=True))["n"] or 0) + 1
        for row in JobRecord.objects.filter(pk__in=ids):
            row.state, row.batch, row.attempts = State.IN_FLIGHT, number, row.attempts + 1
            row.save(update_fields=["state", "batch", "attempts"])
    return list(JobRecord.objects.filter(pk__in=ids).order_by("pk"))


def _batch_send(run: _Run, batch: list[JobRecord]) -> None:
    records = [{**row.payload, "id": row.record_id} for row in batch]
    while True:
        BulkJob.objects.filter(pk=run.job.pk).update(put_calls=F("put_calls") + 1)
        try:
            results = zoho_records_update(
                client=run.client,
                module=run.job.module,
                records=records,
                trigger=run.job.trigger,
                if_unmodified_since=run.guard,
            )
        except budget.SlotWaitTimeout as error:
            # crmadmin's own limit: nothing was sent, and a busy org is no fault of the job.
            _wait(run, error.retry_after or 1.0, budget.WAITING_FOR_SLOT)
            continue
        except RateLimitError as error:
            # 429: Zoho refused the request as a whole before doing anything; resending is safe.
            run.transient += 1
            delay = error.retry_after if error.retry_after is not None else _backoff(run)
            if run.transient >= settings.JOBS_MAX_TRANSIENT:
                _release(batch)
                _heartbeat(run, wait_reason=f"Zoho kept refusing: too many requests ({error})")
                return
            _wait(run, delay, "Zoho asked us to slow down (429); waiting before resending.")
            continue
        except ConflictError:
            # 412 for the whole request: the header guards every record in it, so find which
            # ones changed and send the rest again.
            run.transient = 0
            _split_conflict(run, batch)
            return
        except (ServerError, TransportError, NonJsonResponseError) as error:
            # The PUT may or may not have been applied: never resend blindly, re-read instead.
            run.transient += 1
            reason = f"Zoho did not answer the last batch cleanly ({error_summary(error)})"
            _heartbeat(run, wait_reason=reason)
            _reconcile(run, batch)
            if run.transient < settings.JOBS_MAX_TRANSIENT:
                _wait(run, _backoff(run), reason + "; waiting before going on.")
            return
        run.transient = 0
        _results_store(run, batch, results)
        _heartbeat(run, wait_reason="")
        return


def _backoff(run: _Run) -> float:
    return float(settings.JOBS_RETRY_BACKOFF * (2 ** max(run.transient - 1, 0)))


def _results_store(run: _Run, batch: list[JobRecord], results: list[RecordResult]) -> None:
    """Each record's outcome and its history entry, for the whole batch in one transaction."""
    now = timezone.now()
    doubtful, stored = [], []
    for position, row in enumerate(batch):
        result = results[position] if position < len(results) else None
        if result is None or (result.code == "ALREADY_MODIFIED" and row.attempts > 1):
            # No answer for it, or a resend after a doubtful batch (the first send may be what
            # modified it): read the record to decide.
            doubtful.append(row)
            continue
        _outcome_set(row, result, now)
        stored.append(row)
    with transaction.atomic():
        JobRecord.objects.bulk_update(stored, ["state", "code", "message", "field", "finished_at"])
        AuditEntry.objects.bulk_create([_audit_entry(run, row) for row in stored])
    if doubtful:
        _reconcile(run, doubtful)
    counts_refresh(run.job.pk)


def _outcome_set(row: JobRecord, result: RecordResult, now: datetime) -> None:
    if result.ok:
        row.state, row.message = State.SUCCEEDED, ""
    elif result.code == "ALREADY_MODIFIED":
        row.state = State.SET_ASIDE
        row.message = "Changed in Zoho since your preview; review it and run the change again."
    else:
        row.state, row.message = State.FAILED, _words(result)
    row.code = result.code[:60]
    row.field = _field_named(result)
    row.finished_at = now


def _words(result: RecordResult) -> str:
    if result.error is not None:
        return str(result.error)[:500]
    return f"{result.code}: {result.message}"[:500]


def _field_named(result: RecordResult) -> str:
    if result.error is not None:
        for error in result.error.field_errors:
            if error.api_name:
                return error.api_name[:100]
    name = result.details.get("api_name") if result.details else None
    return str(name)[:100] if name else ""


def _audit_entry(run: _Run, row: JobRecord) -> AuditEntry:
    """The record's history entry for this job's change, linked to the job."""
    labels = {item["api_name"]: item.get("label", item["api_name"]) for item in run.job.change}
    after = {key: value for key, value in row.payload.items() if key != "$append_values"}
    return AuditEntry(
        user_id=run.job.user_id,
        connection_id=run.job.connection_id,
        module=run.job.module,
        record_id=row.record_id,
        record_name=row.record_name,
        changes=[
            {
                "api_name": name,
                "label": labels.get(name, name),
                "before": row.before.get(name),
                "after": value,
            }
            for name, value in after.items()
        ],
        response_code=row.code or "SUCCESS",
        succeeded=row.state == State.SUCCEEDED,
        job=run.job,
    )


def _split_conflict(run: _Run, batch: list[JobRecord]) -> None:
    """After a whole-request 412: records modified after the preview are set aside (or, on a
    resend, confirmed as ours); the rest go back to pending and are sent again without them."""
    _reconcile(run, batch)
    settled = JobRecord.objects.filter(pk__in=[row.pk for row in batch]).exclude(
        state=State.PENDING
    )
    if not settled.exists():
        # Zoho says something changed but no record reads as changed: do not loop on it.
        run.transient += 1
        _heartbeat(
            run,
            wait_reason="Zoho refused a batch as changed since the preview (412), but no record "
            "in it reads as changed; check that this server's clock is right.",
        )


def _reconcile(run: _Run, rows: list[JobRecord]) -> None:
    """Decide each doubtful row by re-reading its record; never by resending."""
    if not rows:
        return
    fields = _changed_names(run.job)
    now = timezone.now()
    for row in rows:
        record = record_get(
            client=run.client,
            module=run.job.module,
            record_id=row.record_id,
            fields=[*fields, "Modified_Time"],
        )
        if record is None:
            row.state, row.code = State.FAILED, "NOT_FOUND"
            row.message = "The record no longer exists in Zoho."
        elif not _modified_after(record, run.guard):
            row.state, row.code, row.message = State.PENDING, "", ""
            row.save(update_fields=["state", "code", "message"])
            continue
        elif change_present(row.payload, record):
            row.state, row.code = State.SUCCEEDED, "SUCCESS"
            row.message = "Confirmed by re-reading the record after an interrupted batch."
        else:
            row.state, row.code = State.SET_ASIDE, "ALREADY_MODIFIED"
            row.message = "Changed in Zoho since your preview; review it and run the change again."
        row.finished_at = now
        row.save(update_fields=["state", "code", "message", "finished_at"])
        _audit_entry(run, row).save()
    counts_refresh(run.job.pk)


def _changed_names(job: BulkJob) -> list[str]:
    return [item["api_name"] for item in job.change]


def _modified_after(record: Mapping[str, Any], moment: datetime) -> bool:
    modified = record.get("Modified_Time")
    if not modified:
        return True
    return parse_zoho_datetime(modified) > moment.replace(microsecond=0)


def change_present(payload: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether the record already holds what the payload would write."""
    appending = payload.get("$append_values") or {}
    for name, value in payload.items():
        if name == "$append_values":
            continue
        current = record.get(name)
        if isinstance(value, list):
            have = {str(item) for item in current or []}
            want = {str(item) for item in value}
            if not (want <= have if appending.get(name) else want == have):
                return False
            continue
        meta = Field(api_name=name, field_label=name, data_type=_type_of(value, current))
        if value_change(meta, current, value) is not UNCHANGED:
            return False
    return True


def _type_of(value: Any, current: Any) -> str:
    if isinstance(value, Mapping) or isinstance(current, Mapping):
        return "ownerlookup"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "double"
    return "text"


def _release(batch: list[JobRecord]) -> None:
    """Rows Zoho refused as a whole with 429 were certainly not applied (or, in a link job, may
    be sent again harmlessly): pending again."""
    JobRecord.objects.filter(pk__in=[row.pk for row in batch], state=State.IN_FLIGHT).update(
        state=State.PENDING
    )


def _release_in_flight_unsent(run: _Run) -> None:
    """After a non-transient error the rows in flight are doubtful; the next run re-reads them."""
    run.job.records.filter(state=State.IN_FLIGHT).update(state=State.UNKNOWN)


def _finish(run: _Run, status: str, *, error: str = "") -> str:
    counts_refresh(run.job.pk)
    BulkJob.objects.filter(pk=run.job.pk, runner=run.runner).update(
        status=status,
        error=error,
        wait_reason="" if status != Status.FAILED else run.job.wait_reason,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    if status == Status.FAILED:
        logger.warning("Bulk job %s stopped: %s", run.job.pk, error)
    return status


# --- Bulk linking -------------------------------------------------------------------------------
# A link job's rows are pairs: `record_id` is the contact's external ID, `target` the deal's, the
# payload the role. Linking is idempotent (a pair already linked only gets its role set again), so
# rows in flight after a crash and calls that met a transient fault are simply sent again.


def link_job_create(
    *, connection: Connection, user: Any, contact_field: str, deal_field: str, pairs: Sequence[Pair]
) -> BulkJob:
    """A queued link job, one row per pair in input order; a pair given twice is sent once."""
    with transaction.atomic():
        job = BulkJob.objects.create(
            connection=connection,
            module=CONTACTS,
            user=user,
            kind=BulkJob.Kind.LINK,
            change=[{"contact_field": contact_field, "deal_field": deal_field}],
            preview_at=timezone.now(),
            status=Status.QUEUED,
            total=len(pairs),
        )
        first: dict[tuple[str, str], int] = {}
        rows = []
        for pair in pairs:
            again = first.setdefault((pair.contact, pair.deal), pair.line) != pair.line
            rows.append(
                JobRecord(
                    job=job,
                    record_id=pair.contact[:255],
                    target=pair.deal[:255],
                    line=pair.line,
                    payload={"role": pair.role, "role_id": pair.role_id},
                    state=State.SKIPPED if again else State.PENDING,
                    code="NOT_SENT" if again else "",
                    message=f"The same pair as line {first[(pair.contact, pair.deal)]}."
                    if again
                    else "",
                )
            )
        JobRecord.objects.bulk_create(rows, batch_size=500)
    counts_refresh(job.pk)
    return job


def _pair_of(row: JobRecord) -> Pair:
    return Pair(
        line=row.line or 0,
        contact=row.record_id,
        deal=row.target,
        role=row.payload.get("role", ""),
        role_id=row.payload.get("role_id", ""),
    )


def _link_send(run: _Run, batch: list[JobRecord]) -> None:
    """One call for one contact's pairs; an error that stops every call (auth, scope) marks the
    job's unsent pairs as not sent (Retry sends them) and stops the job."""
    fields = run.job.change[0]
    while True:
        BulkJob.objects.filter(pk=run.job.pk).update(put_calls=F("put_calls") + 1)
        try:
            results, stopped = pairs_link_call(
                client=run.client,
                contact_field=fields["contact_field"],
                deal_field=fields["deal_field"],
                pairs=[_pair_of(row) for row in batch],
            )
        except TRANSIENT_LINK_FAULTS as error:
            run.transient += 1
            delay = error.retry_after if isinstance(error, RateLimitError) else None
            reason = f"Zoho did not answer the last call cleanly ({error_summary(error)})"
            if run.transient >= settings.JOBS_MAX_TRANSIENT:
                _release(batch)
                _heartbeat(run, wait_reason=reason)
                return
            wait = delay if delay is not None else _backoff(run)
            _wait(run, wait, reason + "; waiting before sending it again.")
            continue
        run.transient = 0
        _link_results_store(run, batch, results)
        if stopped is not None:
            _link_rest_not_sent(run, stopped)
            raise stopped
        _heartbeat(run, wait_reason="")
        return


def _link_results_store(run: _Run, batch: list[JobRecord], results: list[PairResult]) -> None:
    now = timezone.now()
    fields = run.job.change[0]
    writes = []
    for row, result in zip(batch, results, strict=True):
        row.state = State.SUCCEEDED if result.ok else State.FAILED
        row.code, row.message = result.code[:60], result.message[:500]
        row.finished_at = now
        if result.code != "NOT_SENT":
            label = deal_label(name="", deal_field=fields["deal_field"], external_id=row.target)
            writes.append(LinkWrite(result.deal_id, label, result.ok, result.code, result.message))
    with transaction.atomic():
        JobRecord.objects.bulk_update(batch, ["state", "code", "message", "finished_at"])
        links_audit_write(
            user=run.job.user,
            connection=run.job.connection,
            action=AuditEntry.Action.LINK,
            contact_id="",
            contact_label=f"{fields['contact_field']} {batch[0].record_id}",
            writes=writes,
            job=run.job,
        )
    counts_refresh(run.job.pk)


def _link_rest_not_sent(run: _Run, error: ZohoError) -> None:
    """The pairs no call reached: failed as not sent, with why, so Retry sends them later."""
    run.job.records.filter(state=State.PENDING).update(
        state=State.FAILED,
        code="NOT_SENT",
        message=not_sent_text(error)[:500],
        finished_at=timezone.now(),
    )
    counts_refresh(run.job.pk)


# --- Watching -----------------------------------------------------------------------------------


def counts_refresh(job_id: int) -> None:
    counts = dict(
        JobRecord.objects.filter(job_id=job_id)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    BulkJob.objects.filter(pk=job_id).update(
        succeeded=counts.get(State.SUCCEEDED, 0),
        failed=counts.get(State.FAILED, 0),
        set_aside=counts.get(State.SET_ASIDE, 0),
        skipped=counts.get(State.SKIPPED, 0),
    )


def progress(job: BulkJob) -> Progress:
    counts = dict(
        job.records.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    sent_done = counts.get(State.SUCCEEDED, 0) + counts.get(State.FAILED, 0)
    sent_done += counts.get(State.SET_ASIDE, 0)
    done = sent_done + counts.get(State.SKIPPED, 0)
    rate = seconds_left = None
    if job.started_at and sent_done:
        end = job.finished_at or timezone.now()
        elapsed = max((end - job.started_at).total_seconds(), 0.001)
        rate = sent_done / elapsed
        left = job.total - done
        seconds_left = left / rate if job.is_active and rate else None
    return Progress(
        status=job.status,
        total=job.total,
        done=done,
        succeeded=counts.get(State.SUCCEEDED, 0),
        failed=counts.get(State.FAILED, 0),
        set_aside=counts.get(State.SET_ASIDE, 0),
        skipped=counts.get(State.SKIPPED, 0),
        in_flight=counts.get(State.IN_FLIGHT, 0) + counts.get(State.UNKNOWN, 0),
        rate=rate,
        seconds_left=seconds_left,
        percent=int(100 * done / job.total) if job.total else 100,
        counts=counts,
    )


def preview_sample(job: BulkJob, *, size: int = SAMPLE_SIZE) -> list[dict[str, Any]]:
    """Before → after for the first records to send, one row per changed field."""
    labels = {item["api_name"]: item.get("label", item["api_name"]) for item in job.change}
    rows = []
    for record in job.records.filter(state=State.PENDING).order_by("pk")[:size]:
        appending = record.payload.get("$append_values") or {}
        for name, after in record.payload.items():
            if name == "$append_values":
                continue
            rows.append(
                {
                    "record": record.record_name or record.record_id,
                    "label": labels.get(name, name),
                    "before": record.before.get(name),
                    "after": after,
                    "appended": bool(appending.get(name)),
                }
            )
    return rows


def jobs_visible(user: Any) -> Any:
    """Owners see their jobs; managers (staff) see every job."""
    jobs = BulkJob.objects.select_related("connection", "user")
    if is_manager(user):
        return jobs
    return jobs.filter(user=user)


def results_rows(job: BulkJob) -> Iterable[list[str]]:
    """The per-record (per-pair) results as CSV rows, header first; cells a spreadsheet would
    run as formulas are defused."""
    rows = job.records.order_by("pk").iterator(chunk_size=1000)
    if job.kind == BulkJob.Kind.LINK:
        fields = job.change[0]
        yield [
            "line",
            fields["contact_field"],
            fields["deal_field"],
            "role",
            "state",
            "code",
            "message",
        ]
        for row in rows:
            yield _defused(
                [
                    str(row.line or ""),
                    row.record_id,
                    row.target,
                    row.payload.get("role", ""),
                    row.get_state_display(),
                    row.code,
                    row.message,
                ]
            )
        return
    yield [
        "line",
        "record_id",
        "record_name",
        "state",
        "code",
        "field",
        "message",
        "batch",
        "attempts",
    ]
    for row in rows:
        yield _defused(
            [
                str(row.line or ""),
                row.record_id,
                row.record_name,
                row.get_state_display(),
                row.code,
                row.field,
                row.message,
                str(row.batch or ""),
                str(row.attempts),
            ]
        )


def _defused(cells: list[str]) -> list[str]:
    return [f"'{cell}" if cell[:1] in ("=", "+", "-", "@") else cell for cell in cells]


__all__ = [
    "ACTIONS",
    "Change",
    "Cursor",
    "Plan",
    "PlannedRecord",
    "Progress",
    "TableRow",
    "bulk_fields",
    "change_present",
    "counts_refresh",
    "csv_job_create",
    "job_cancel",
    "job_create",
    "job_resumable",
    "job_retry_failed",
    "job_run",
    "job_start",
    "jobs_visible",
    "jsonable",
    "link_job_create",
    "list_job_create",
    "matching_cursor",
    "matching_read",
    "name_field_of",
    "plan_build",
    "plan_retry",
    "plan_rows_build",
    "plan_store",
    "preview_sample",
    "preview_time",
    "progress",
    "records_by_id",
    "records_by_key",
    "records_matching",
    "records_read_missing",
    "records_search_by_key",
    "results_rows",
    "stale_jobs",
    "upload_keep",
]
