"""The bulk edit engine (crmadmin/jobs.py) against Zoho over mocked HTTP: what each PUT carries,
what is stored per record, and how doubtful batches are settled by reading, never by resending."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import responses

from crmadmin import jobs
from crmadmin.models import AuditEntry, BulkJob, JobRecord
from tests.crmadmin.record_support import API

MODULE = "Leads"
PUT_URL = f"{API}/{MODULE}"
PREVIEW_AT = datetime(2024, 1, 15, 10, 0, 0, tzinfo=UTC)
BEFORE = "2024-01-15T15:00:00+05:30"  # 09:30 UTC: not modified since the preview
AFTER = "2024-01-15T16:00:00+05:30"  # 10:30 UTC: modified after the preview
STATUS = jobs.Field(api_name="Lead_Status", field_label="Lead Status", data_type="picklist")
TAGS = jobs.Field(api_name="Tags_MS", field_label="Tags", data_type="multiselectpicklist")


def ids(count: int) -> list[str]:
    return [f"41500000000{n:05d}" for n in range(1, count + 1)]


def make_job(connection, user, count=3, *, changes=None, records=None):
    changes = changes or [jobs.Change("Lead_Status", "Lead Status", "set", "Contacted")]
    records = records or [
        {"id": record_id, "Lead_Status": "New", "Tags_MS": ["a"], "Last_Name": f"Name {n}"}
        for n, record_id in enumerate(ids(count))
    ]
    plan = jobs.plan_build(
        records=records, changes=changes, fields=[STATUS, TAGS], preview_at=PREVIEW_AT
    )
    job = jobs.job_create(
        connection=connection,
        module=MODULE,
        user=user,
        changes=changes,
        trigger=["workflow"],
        plan=plan,
    )
    assert jobs.job_start(job=job)
    return job


def answer(*entries, status=200):
    body = {"data": list(entries)}
    return (status, {}, json.dumps(body))


def ok(record_id):
    return {
        "code": "SUCCESS",
        "details": {"id": record_id, "Modified_Time": AFTER},
        "message": "record updated",
        "status": "success",
    }


def all_ok(request):
    sent = json.loads(request.body)["data"]
    return answer(*[ok(item["id"]) for item in sent])


def sent(call) -> list[dict]:
    return json.loads(call.request.body)["data"]


def puts(rsps) -> list:
    return [call for call in rsps.calls if call.request.method == "PUT"]


def states(job) -> dict[str, str]:
    return dict(job.records.values_list("record_id", "state"))


def run(job) -> str:
    return jobs.job_run(job_id=job.pk, sleep=lambda seconds: None)


@pytest.fixture
def job_user(editor_user):
    return editor_user


def test_job_sends_100_records_per_put_guarded_by_the_preview_time(zoho, job_user):
    job = make_job(zoho.connection, job_user, count=250)
    zoho.add_callback(responses.PUT, PUT_URL, callback=all_ok)

    assert run(job) == BulkJob.Status.FINISHED

    calls = puts(zoho)
    assert [len(sent(call)) for call in calls] == [100, 100, 50]
    assert all(
        c.request.headers["If-Unmodified-Since"] == "2024-01-15T10:00:00+00:00" for c in calls
    )
    first = json.loads(calls[0].request.body)
    assert first["trigger"] == ["workflow"]
    assert first["data"][0] == {"Lead_Status": "Contacted", "id": ids(1)[0]}
    assert [item["id"] for call in calls for item in sent(call)] == ids(250)
    job.refresh_from_db()
    assert (job.succeeded, job.failed, job.set_aside, job.put_calls) == (250, 0, 0, 3)
    assert set(job.records.values_list("batch", flat=True)) == {1, 2, 3}
    entry = AuditEntry.objects.get(record_id=ids(1)[0])
    assert entry.job == job and entry.succeeded
    assert entry.changes == [
        {"api_name": "Lead_Status", "label": "Lead Status", "before": "New", "after": "Contacted"}
    ]


def test_job_stores_each_records_outcome_from_a_207_answer(zoho, job_user):
    job = make_job(zoho.connection, job_user, count=3)
    first, second, third = ids(3)
    refused = {
        "code": "INVALID_DATA",
        "details": {"api_name": "Lead_Status", "json_path": "$.data[1].Lead_Status"},
        "message": "invalid data",
        "status": "error",
    }
    changed = {
        "code": "ALREADY_MODIFIED",
        "details": {"id": third, "Modified_Time": AFTER},
        "message": "record modified",
        "status": "error",
    }
    zoho.put(PUT_URL, status=207, json={"data": [ok(first), refused, changed]})

    assert run(job) == BulkJob.Status.FINISHED

    rows = {row.record_id: row for row in job.records.all()}
    assert rows[first].state == JobRecord.State.SUCCEEDED
    assert (rows[second].state, rows[second].code, rows[second].field) == (
        JobRecord.State.FAILED,
        "INVALID_DATA",
        "Lead_Status",
    )
    assert "invalid data" in rows[second].message
    assert rows[third].state == JobRecord.State.SET_ASIDE
    assert rows[third].message.startswith("Changed in Zoho since your preview")
    job.refresh_from_db()
    assert (job.succeeded, job.failed, job.set_aside) == (1, 1, 1)


def test_whole_request_412_is_split_by_reading_which_records_changed(zoho, job_user):
    job = make_job(zoho.connection, job_user, count=3)
    first, second, third = ids(3)
    zoho.put(
        PUT_URL,
        status=412,
        json={
            "code": "ALREADY_MODIFIED",
            "details": {},
            "message": "record modified",
            "status": "error",
        },
    )
    for record_id, modified, status in (
        (first, BEFORE, "New"),
        (second, AFTER, "Lost"),
        (third, BEFORE, "New"),
    ):
        zoho.get(
            f"{API}/{MODULE}/{record_id}?fields=Lead_Status,Modified_Time",
            json={"data": [{"id": record_id, "Lead_Status": status, "Modified_Time": modified}]},
        )
    zoho.add_callback(responses.PUT, PUT_URL, callback=all_ok)

    assert run(job) == BulkJob.Status.FINISHED

    calls = puts(zoho)
    assert [item["id"] for item in sent(calls[0])] == [first, second, third]
    assert [item["id"] for item in sent(calls[1])] == [first, third]
    assert states(job) == {
        first: JobRecord.State.SUCCEEDED,
        second: JobRecord.State.SET_ASIDE,
        third: JobRecord.State.SUCCEEDED,
    }


def test_rows_left_in_flight_by_a_dead_worker_are_read_not_resent(zoho, job_user):
    changes = [jobs.Change("Tags_MS", "Tags", "append", ["vip"])]
    job = make_job(zoho.connection, job_user, count=3, changes=changes)
    applied, untouched, theirs = ids(3)
    # A worker marked the batch in flight, sent it, and was killed before storing the answer.
    job.records.update(state=JobRecord.State.IN_FLIGHT, batch=1, attempts=1)
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING, runner="dead")
    reads = {
        applied: {"Tags_MS": ["a", "vip"], "Modified_Time": AFTER},
        untouched: {"Tags_MS": ["a"], "Modified_Time": BEFORE},
        theirs: {"Tags_MS": ["b"], "Modified_Time": AFTER},
    }
    for record_id, record in reads.items():
        zoho.get(
            f"{API}/{MODULE}/{record_id}?fields=Tags_MS,Modified_Time",
            json={"data": [{"id": record_id, **record}]},
        )
    zoho.add_callback(responses.PUT, PUT_URL, callback=all_ok)

    assert run(job) == BulkJob.Status.FINISHED

    (call,) = puts(zoho)
    assert sent(call) == [
        {"Tags_MS": ["vip"], "$append_values": {"Tags_MS": True}, "id": untouched}
    ]
    assert states(job) == {
        applied: JobRecord.State.SUCCEEDED,
        untouched: JobRecord.State.SUCCEEDED,
        theirs: JobRecord.State.SET_ASIDE,
    }


def test_a_timeout_on_the_put_is_settled_by_reading_and_only_unapplied_records_go_again(
    zoho, job_user
):
    job = make_job(zoho.connection, job_user, count=2)
    applied, untouched = ids(2)
    zoho.put(PUT_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    zoho.get(
        f"{API}/{MODULE}/{applied}?fields=Lead_Status,Modified_Time",
        json={"data": [{"id": applied, "Lead_Status": "Contacted", "Modified_Time": AFTER}]},
    )
    zoho.get(
        f"{API}/{MODULE}/{untouched}?fields=Lead_Status,Modified_Time",
        json={"data": [{"id": untouched, "Lead_Status": "New", "Modified_Time": BEFORE}]},
    )
    zoho.add_callback(responses.PUT, PUT_URL, callback=all_ok)

    assert run(job) == BulkJob.Status.FINISHED

    calls = puts(zoho)
    assert [[item["id"] for item in sent(call)] for call in calls] == [
        [applied, untouched],
        [untouched],
    ]
    assert set(states(job).values()) == {JobRecord.State.SUCCEEDED}


def test_a_429_waits_for_retry_after_then_resends_the_same_batch(zoho, job_user):
    job = make_job(zoho.connection, job_user, count=2)
    zoho.put(
        PUT_URL,
        status=429,
        headers={"Retry-After": "7"},
        json={"code": "TOO_MANY_REQUESTS", "details": {}, "message": "too many", "status": "error"},
    )
    zoho.add_callback(responses.PUT, PUT_URL, callback=all_ok)
    slept = []

    status = jobs.job_run(job_id=job.pk, sleep=slept.append)

    assert status == BulkJob.Status.FINISHED
    assert sum(slept) == pytest.approx(7, abs=0.5)
    first, second = (sent(call) for call in puts(zoho))
    assert first == second
    assert set(states(job).values()) == {JobRecord.State.SUCCEEDED}


def test_a_job_that_keeps_failing_stops_with_its_reason_instead_of_giving_up_silently(
    zoho, job_user, settings
):
    settings.JOBS_MAX_TRANSIENT = 2
    job = make_job(zoho.connection, job_user, count=1)
    zoho.put(PUT_URL, status=503, body="<html>503</html>", content_type="text/html")
    zoho.get(
        f"{API}/{MODULE}/{ids(1)[0]}?fields=Lead_Status,Modified_Time",
        json={"data": [{"id": ids(1)[0], "Lead_Status": "New", "Modified_Time": BEFORE}]},
    )

    assert run(job) == BulkJob.Status.FAILED

    job.refresh_from_db()
    assert "did not answer the last batch cleanly" in job.error
    assert states(job) == {ids(1)[0]: JobRecord.State.PENDING}
    assert jobs.job_resumable(job=job)


def test_cancel_stops_after_the_batch_in_flight(zoho, job_user):
    job = make_job(zoho.connection, job_user, count=150)

    def cancel_then_answer(request):
        jobs.job_cancel(job=job)
        return all_ok(request)

    zoho.add_callback(responses.PUT, PUT_URL, callback=cancel_then_answer)

    assert run(job) == BulkJob.Status.CANCELLED

    assert len(puts(zoho)) == 1
    job.refresh_from_db()
    assert (job.succeeded, job.records.filter(state=JobRecord.State.PENDING).count()) == (100, 50)


def test_retry_failed_sends_only_the_failed_records_again(zoho, job_user):
    job = make_job(zoho.connection, job_user, count=2)
    good, bad = ids(2)
    refused = {
        "code": "INVALID_DATA",
        "details": {"api_name": "Lead_Status"},
        "message": "invalid data",
        "status": "error",
    }
    zoho.put(PUT_URL, status=207, json={"data": [ok(good), refused]})
    zoho.add_callback(responses.PUT, PUT_URL, callback=all_ok)
    assert run(job) == BulkJob.Status.FINISHED

    assert jobs.job_retry_failed(job=job) == 1
    assert run(job) == BulkJob.Status.FINISHED

    assert [item["id"] for item in sent(puts(zoho)[1])] == [bad]
    assert set(states(job).values()) == {JobRecord.State.SUCCEEDED}


def test_records_already_holding_the_value_are_not_sent(zoho, job_user):
    records = [
        {"id": ids(2)[0], "Lead_Status": "Contacted"},
        {"id": ids(2)[1], "Lead_Status": "New"},
    ]
    job = make_job(zoho.connection, job_user, records=records)
    zoho.add_callback(responses.PUT, PUT_URL, callback=all_ok)

    run(job)

    assert [item["id"] for item in sent(puts(zoho)[0])] == [ids(2)[1]]
    skipped = job.records.get(record_id=ids(2)[0])
    assert (skipped.state, skipped.message) == (
        JobRecord.State.SKIPPED,
        "Already has this value: nothing to send.",
    )


def test_a_second_run_of_a_live_job_backs_off(zoho, job_user):
    job = make_job(zoho.connection, job_user, count=1)
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJob.Status.RUNNING, runner="alive", heartbeat_at=datetime.now(UTC)
    )

    assert run(job) == BulkJob.Status.RUNNING

    assert puts(zoho) == []
    assert not jobs.job_resumable(job=BulkJob.objects.get(pk=job.pk))


def test_plan_rows_build_keeps_each_csv_line_with_its_own_values_or_its_reason():
    rows = [
        jobs.TableRow(line=2, key="E1", values={"Lead_Status": "Hot"}),
        jobs.TableRow(line=3, key="E2", values={}, problem="Lead Status: Select a valid choice."),
        jobs.TableRow(line=4, key="E9", values={"Lead_Status": "Cold"}),
        jobs.TableRow(line=5, key="E3", values={"Lead_Status": "Cold"}),
        jobs.TableRow(line=6, key="E1", values={"Lead_Status": "Cold"}),
    ]
    found = {
        "E1": [{"id": "101", "Lead_Status": "New", "Full_Name": "Ada"}],
        "E3": [{"id": "103", "Lead_Status": "New"}, {"id": "104", "Lead_Status": "New"}],
    }

    plan = jobs.plan_rows_build(
        rows=rows, found=found, key_label="External ID", fields=[STATUS], preview_at=PREVIEW_AT
    )

    by_line = {item.line: item for item in plan.records}
    assert [item.line for item in plan.to_send] == [2]
    assert (by_line[2].record_id, by_line[2].record_name) == ("101", "Ada")
    assert (by_line[2].before, by_line[2].payload) == (
        {"Lead_Status": "New"},
        {"Lead_Status": "Hot"},
    )
    assert by_line[3].problem == "Lead Status: Select a valid choice."
    assert by_line[4].problem == "No record has External ID “E9”."
    assert by_line[5].problem == "2 records have External ID “E3”: give the record ID."
    assert by_line[6].problem == "The same record as line 2: sent once, from there."
