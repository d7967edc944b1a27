"""Finding a bulk edit's records in the background, so no web request waits for Zoho's reads.

A bulk edit from a CSV: the mapping step (views/jobs.py `bulk_upload_map`) validates the mapping,
creates the job in "finding the records" with its upload and the mapping (`jobs.csv_job_create`)
and enqueues `crmadmin.tasks.job_plan`, which runs `plan_run`: clean every line with its field's
edit-form field, find the records by search (100 key values a call), build the plan and store
it, which moves the job to its preview. A 50,000-line CSV is 500 searches: minutes against Zoho,
far past any worker timeout of a web request.

A bulk edit from the record list: `bulk_new` validates the change form and creates the job with
the ids ticked or the list's search (`jobs.list_job_create`, `list_plan_input`); the task reads
the ticked records (one GET each, up to 200) or every record the search matches (200 a page, up
to 250 pages), then builds the plan the same way.

Every read is at background priority: within the connection's job share, pausing below its
credit reserve.

Planning only reads, so a run killed midway is simply run again from the start (`jobs_resume`
re-enqueues a job whose heartbeat went stale). The job's rows are written once, together with the
move to preview, in one transaction (`jobs.plan_store`): no run leaves half a plan, nor a second
copy of one.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from crmadmin import budget, jobs
from crmadmin.forms.browse import RecordListForm
from crmadmin.forms.bulk import table_read, table_rows
from crmadmin.forms.records.loading import time_zone_for
from crmadmin.forms.records.types import FormContext
from crmadmin.models import BulkJob
from crmadmin.problems import Problem, problem_for
from crmadmin.services import browse
from crmadmin.zoho import client_for, metadata_options
from updater.client import ZohoClient
from updater.errors import (
    NonJsonResponseError,
    RateLimitError,
    ServerError,
    TransportError,
    ZohoError,
)
from updater.metadata import users_list
from updater.records import MAX_IN_VALUES, MAX_PER_PAGE

logger = logging.getLogger(__name__)

Status = BulkJob.Status
USER_TYPES = frozenset({"ownerlookup", "userlookup"})
# A search is a read: after one of these it is simply sent again, after a wait.
TRANSIENT = (RateLimitError, ServerError, TransportError, NonJsonResponseError)
DIRECT_READS_PER_STEP = 20  # record ids read one GET each between two heartbeats
T = TypeVar("T")

UPLOAD_GONE = Problem(
    title="The CSV is no longer kept",
    detail="An upload is kept for a day while its records cannot be found.",
    next_step="Upload the CSV again and map its columns.",
)


class _Lost(Exception):
    """The job was cancelled, or another run took it over: stop and store nothing."""


class _Stopped(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.summary)
        self.problem = problem


@dataclass
class _Run:
    job: BulkJob
    runner: str
    client: ZohoClient
    sleep: Callable[[float], None]
    transient: int = 0
    note: str = ""  # what the job page says between waits


def plan_input_for(*, key_column: int, key_field: str, key_label: str, mapped: Mapping) -> dict:
    """What the task needs of the mapping form, as JSON (column numbers become keys otherwise)."""
    return {
        "key_column": key_column,
        "key_field": key_field,
        "key_label": key_label,
        "mapped": [[column, name] for column, name in mapped.items()],
    }


def list_plan_input(*, record_ids: list[str], every: bool, list_query: str) -> dict:
    """What the task needs of the record list's choice: the ids ticked, or its search."""
    if every:
        return {"list_query": list_query}
    return {"record_ids": list(dict.fromkeys(record_ids))}


def plan_run(
    *,
    job_id: int,
    client: ZohoClient | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Find the records of a job (a CSV's, or those chosen on the record list) and move it to
    its preview; returns the job's status.

    Safe to call again at any point, and a second run of a job whose run is alive backs off.
    """
    runner = uuid.uuid4().hex
    job = _claim(job_id, runner)
    if job is None:
        return BulkJob.objects.get(pk=job_id).status
    # As `jobs.job_run`: each call within ZOHO_REQUEST_DEADLINE_SECONDS, well inside the
    # heartbeat's JOBS_STALE_SECONDS, at background priority (the connection's job share).
    client = client or client_for(job.connection, priority=budget.BACKGROUND)
    run = _Run(job=job, runner=runner, client=client, sleep=sleep)
    try:
        plan = _plan(run)
        jobs.plan_store(job_id=job_id, runner=runner, plan=plan)
    except _Lost:
        pass
    except _Stopped as stop:
        _fail(run, stop.problem)
    except ZohoError as error:
        _fail(run, problem_for(error, reading=True))  # planning only reads
    return BulkJob.objects.get(pk=job_id).status


def _claim(job_id: int, runner: str) -> BulkJob | None:
    with transaction.atomic():
        # Only the job's row is locked: the connection's row guards its token refreshes.
        jobs_locked = BulkJob.objects.select_for_update(of=("self",))
        job = jobs_locked.select_related("connection").get(pk=job_id)
        if job.status != Status.FINDING:
            return None
        fresh = timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS)
        if job.runner and job.heartbeat_at and job.heartbeat_at > fresh:
            return None
        job.runner, job.heartbeat_at = runner, timezone.now()
        job.wait_reason, job.looked_up = "", 0
        job.plan_input.pop("problem", None)  # of an earlier run that failed
        job.save(update_fields=["runner", "heartbeat_at", "wait_reason", "looked_up", "plan_input"])
        return job


def _plan(run: _Run) -> jobs.Plan:
    if "mapped" in run.job.plan_input:
        return _plan_csv(run)
    return _plan_list(run)


def _plan_list(run: _Run) -> jobs.Plan:
    """The records ticked on the list (one GET each) or every record its search matches (200 a
    page), read with the changed fields, and each one's before → after."""
    job, given = run.job, run.job.plan_input
    meta = _call(
        run,
        partial(
            browse.module_meta,
            client=run.client,
            options=metadata_options(job.connection),
            module=job.module,
        ),
    )
    fields = jobs.bulk_fields(meta.fields)
    changes = [jobs.Change(**item) for item in job.change]
    gone = {change.api_name for change in changes} - {item.api_name for item in fields}
    if meta.module is None or gone:
        raise _Stopped(
            Problem(
                title="The module's fields have changed",
                detail=f"{job.module} no longer offers {', '.join(sorted(gone)) or 'its fields'} "
                "to a bulk edit through this connection.",
                next_step="Choose the records on the list again and give the change.",
            )
        )
    name_field = jobs.name_field_of(meta.fields)
    wanted = [*(change.api_name for change in changes), name_field]
    preview_at = jobs.preview_time()
    if "record_ids" in given:
        records = _read_ticked(run, record_ids=given["record_ids"], fields=wanted)
    else:
        query = list_query_of(given.get("list_query", ""), meta)
        records = _read_matching(run, query=query, fields=wanted)
    return jobs.plan_build(
        records=records,
        changes=changes,
        fields=fields,
        preview_at=preview_at,
        name_field=name_field,
    )


def _read_ticked(run: _Run, *, record_ids: list[str], fields: list[str]) -> list[dict[str, Any]]:
    ids = list(dict.fromkeys(record_ids))
    _beat(run, total=len(ids), to_look_up=len(ids), looked_up=0)
    records: list[dict[str, Any]] = []
    for start in range(0, len(ids), DIRECT_READS_PER_STEP):
        chunk = ids[start : start + DIRECT_READS_PER_STEP]
        records += _call(
            run,
            partial(
                jobs.records_by_id,
                client=run.client,
                module=run.job.module,
                record_ids=chunk,
                fields=fields,
            ),
        )
        _beat(run, looked_up=start + len(chunk))
    return records


def _read_matching(
    run: _Run, *, query: browse.ListQuery, fields: list[str]
) -> list[dict[str, Any]]:
    """Page by page, each page one call within the budget; the first page says how many match
    (or Zoho's count endpoint does), which the job page shows as the number to read."""
    cursor = jobs.matching_cursor(query=query, fields=fields)
    records: list[dict[str, Any]] = []
    while not cursor.done:
        before = cursor
        page, cursor = _call(
            run,
            partial(jobs.matching_read, client=run.client, module=run.job.module, cursor=before),
        )
        records += page.records
        if before.page == 1:
            counted = _matching_count(run, cursor=before, page=page)
            _beat(run, to_look_up=counted, total=counted)
        _beat(run, looked_up=min(len(records), run.job.to_look_up or len(records)))
    return records[: jobs.MAX_JOB_RECORDS]


def _matching_count(run: _Run, *, cursor: jobs.Cursor, page: Any) -> int:
    """How many records will be read, for the job page only: 0 (not said) if Zoho cannot
    count them, as the record list does."""
    try:
        total = _call(
            run,
            partial(
                browse.matching_total,
                client=run.client,
                scope=str(run.job.connection_id),
                module=run.job.module,
                query=cursor.query,
                page=page,
            ),
        )
    except ZohoError:
        return 0
    return min(total, cursor.limit)


def list_query_of(raw: str, meta: Any) -> browse.ListQuery:
    """The record list's search, re-read from its query string exactly as the list reads it."""
    form = RecordListForm(QueryDict(raw), fields=meta.fields, saved_columns=("Modified_Time",))
    if not form.is_valid():
        return browse.ListQuery(columns=("Modified_Time",), per_page=MAX_PER_PAGE)
    return browse.ListQuery(**form.query_values())


def _plan_csv(run: _Run) -> jobs.Plan:
    job, given = run.job, run.job.plan_input
    upload = job.upload
    if upload is None:
        raise _Stopped(UPLOAD_GONE)
    options = metadata_options(job.connection)
    meta = _call(
        run, partial(browse.module_meta, client=run.client, options=options, module=job.module)
    )
    fields = jobs.bulk_fields(meta.fields)
    mapped = {int(column): name for column, name in given["mapped"]}
    gone = set(mapped.values()) - {item.api_name for item in fields}
    if meta.module is None or gone:
        raise _Stopped(
            Problem(
                title="The module's fields have changed",
                detail=f"{job.module} no longer offers {', '.join(sorted(gone)) or 'its fields'} "
                "to a bulk edit through this connection.",
                next_step="Upload the CSV again and map its columns to the fields offered now.",
            )
        )
    writes_users = any(
        item.data_type in USER_TYPES for item in fields if item.api_name in mapped.values()
    )
    users = _call(run, partial(users_list, client=run.client, **options)) if writes_users else []
    context = FormContext(
        connection_id=job.connection_id, time_zone=time_zone_for(job.connection, run.client)
    )
    rows = table_rows(
        table_read(upload.text)[1],
        key_column=given["key_column"],
        mapped=mapped,
        fields=fields,
        context=context,
        users=users,
    )
    keys = list(dict.fromkeys(row.key for row in rows if row.key and not row.problem))
    _beat(run, total=len(rows), to_look_up=len(keys), looked_up=0)
    name_field = jobs.name_field_of(meta.fields)
    wanted = [*sorted({name for row in rows for name in row.values}), name_field]
    key_field = given["key_field"]
    preview_at = jobs.preview_time()
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(keys), MAX_IN_VALUES):
        chunk = keys[start : start + MAX_IN_VALUES]
        found |= _call(
            run,
            partial(
                jobs.records_search_by_key,
                client=run.client,
                module=job.module,
                key_field=key_field,
                keys=chunk,
                fields=wanted,
            ),
        )
        _beat(run, looked_up=start + len(chunk))
    if key_field == "id":
        found |= _read_missing(run, keys=keys, found=found, fields=wanted)
    return jobs.plan_rows_build(
        rows=rows,
        found=found,
        key_label=given["key_label"],
        fields=fields,
        preview_at=preview_at,
        name_field=name_field,
    )


def _read_missing(
    run: _Run, *, keys: list[str], found: Mapping[str, Any], fields: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """Zoho's search may not have indexed a record edited moments ago (zoho-api.md §3.3): the
    ids it did not find are read directly, the first `jobs.MAX_DIRECT_READS`."""
    missing = [key for key in keys if key not in found and key.isdigit()][: jobs.MAX_DIRECT_READS]
    read: dict[str, list[dict[str, Any]]] = {}
    if missing:
        run.note = (
            f"Reading the {len(missing):,} record IDs the search did not find one by one "
            "(Zoho's search can lag behind a recent edit)."
        )
        _beat(run, wait_reason=run.note)
    for start in range(0, len(missing), DIRECT_READS_PER_STEP):
        read |= _call(
            run,
            partial(
                jobs.records_read_missing,
                client=run.client,
                module=run.job.module,
                keys=missing[start : start + DIRECT_READS_PER_STEP],
                found={},
                fields=fields,
            ),
        )
    return read


def _call(run: _Run, read: Callable[[], T]) -> T:
    """One read, after the budget allows it; sent again after a transient fault, up to
    JOBS_MAX_TRANSIENT in a row (then the error stops the planning, in words)."""
    waited = False
    while True:
        _beat(run)
        hold = budget.job_hold(run.job.connection)
        if hold is not None:
            _wait(run, hold.seconds, hold.reason)
            waited = True
            continue
        try:
            result = read()
        except budget.SlotWaitTimeout as error:
            # crmadmin's own limit: nothing was sent, and a busy org is no fault of the job.
            _wait(run, error.retry_after or 1.0, budget.WAITING_FOR_SLOT)
            waited = True
            continue
        except TRANSIENT as error:
            run.transient += 1
            if run.transient >= settings.JOBS_MAX_TRANSIENT:
                raise
            delay = error.retry_after if isinstance(error, RateLimitError) else None
            if delay is None:
                delay = settings.JOBS_RETRY_BACKOFF * (2 ** (run.transient - 1))
            words = problem_for(error, reading=True).summary
            reason = f"Zoho did not answer a search cleanly ({words}); trying again."
            _wait(run, delay, reason)
            waited = True
            continue
        run.transient = 0
        if waited:
            _beat(run, wait_reason=run.note)
        return result


def _beat(run: _Run, **changes: Any) -> None:
    """Show the run is alive (and its progress); a cancelled or taken-over job stops it."""
    updated = BulkJob.objects.filter(pk=run.job.pk, runner=run.runner, status=Status.FINDING)
    if not updated.update(heartbeat_at=timezone.now(), **changes):
        raise _Lost
    for name, value in changes.items():
        setattr(run.job, name, value)


def _wait(run: _Run, seconds: float, reason: str) -> None:
    """Sleep in short steps, keeping the heartbeat fresh so no one presumes the run dead."""
    _beat(run, wait_reason=reason)
    left = seconds
    while left > 0:
        step = min(left, 5.0)
        run.sleep(step)
        left -= step
        _beat(run)


def _fail(run: _Run, problem: Problem) -> None:
    """Nothing is stored but why: the job page shows the problem and offers to try again."""
    words = {
        "title": problem.title,
        "detail": problem.detail,
        "next_step": problem.next_step,
        "needs_reconnect": problem.needs_reconnect,
    }
    BulkJob.objects.filter(pk=run.job.pk, runner=run.runner, status=Status.FINDING).update(
        status=Status.FAILED,
        error=problem.summary,
        wait_reason="",
        plan_input={**run.job.plan_input, "problem": words},
        runner="",
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    logger.warning("Finding the records of job %s stopped: %s", run.job.pk, problem.summary)


__all__ = ["USER_TYPES", "list_plan_input", "list_query_of", "plan_input_for", "plan_run"]
