"""The exactly-once proof: a real `db_worker` runs a bulk job against the sandbox CRM, is SIGKILLed
mid-batch, and two fresh workers resume the job (SQLite here; PostgreSQL in CI's second run). The
sandbox counts the updates applied to each record: every record the job sends is updated exactly
once, and none is skipped. Likewise a worker killed while finding a CSV's records leaves a job that
fresh workers find again from the start, with one row per line."""

from __future__ import annotations

import signal
import time

from django.db import connection as db

from crmadmin import jobs, planning
from crmadmin.models import BulkJob, BulkUpload, JobRecord
from crmadmin.services.browse import ListQuery
from crmadmin.tasks import bulk_job_run, job_plan
from crmadmin.zoho import client_for, metadata_options
from sandbox.testing import running_sandbox
from tests.fixtures.connections import connection_to
from tests.support.workers import db_worker, manage, worker_env
from updater.metadata import fields_list

MODULE = "Contacts"
ADDED = "Korean"
PUT_PATH = f"PUT /crm/v8/{MODULE}"
SEARCH_PATH = f"GET /crm/v8/{MODULE}/search"


def wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


def planned_job(connection, user) -> BulkJob:
    client = client_for(connection)
    fields = fields_list(client=client, module=MODULE, **metadata_options(connection))
    languages = [meta for meta in fields if meta.api_name == "Languages"]
    changes = [jobs.Change("Languages", "Languages", "append", [ADDED])]
    preview_at = jobs.preview_time()
    records = jobs.records_matching(
        client=client,
        module=MODULE,
        query=ListQuery(columns=("Full_Name",), per_page=200),
        fields=["Languages"],
    )
    plan = jobs.plan_build(
        records=records, changes=changes, fields=languages, preview_at=preview_at
    )
    job = jobs.job_create(
        connection=connection, module=MODULE, user=user, changes=changes, trigger=[], plan=plan
    )
    jobs.job_start(job=job)
    return job


def test_a_worker_killed_mid_batch_leaves_a_job_that_resumes_exactly_once(
    transactional_db, editor_user, tmp_path
):
    with running_sandbox(db_path=tmp_path / "crm.sqlite3", records=1000) as sandbox:
        job = planned_job(connection_to(sandbox), editor_user)
        to_send = list(
            job.records.filter(state=JobRecord.State.PENDING).values_list("record_id", flat=True)
        )
        assert len(to_send) > 200  # three batches at least
        # Each PUT is held 1.5 s at the sandbox before it is applied: the kill lands mid-batch,
        # and the killed worker's PUT still reaches the records after the worker is gone.
        sandbox.faults.set("latency", path=PUT_PATH, seconds=1.5)
        env = worker_env(
            database_url=f"sqlite:///{db.settings_dict['NAME']}",
            JOBS_STALE_SECONDS="2",
        )
        if db.vendor == "postgresql":
            env["DATABASE_URL"] = _postgres_url()
        bulk_job_run.using(backend="database").enqueue(job.pk)
        log = tmp_path / "worker.log"

        with db_worker(env=env, log=log) as worker:
            wait_for(
                lambda: job.records.filter(state=JobRecord.State.IN_FLIGHT, batch=2).exists(),
                seconds=60,
                what="the second batch in flight",
            )
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        killed_at = job.records.filter(state=JobRecord.State.IN_FLIGHT).count()
        assert killed_at > 0  # the worker died with a batch in flight
        time.sleep(2.5)  # the dead runner's heartbeat goes stale
        assert jobs.job_resumable(job=BulkJob.objects.get(pk=job.pk), stale_seconds=2)

        # Resume as the scripts do (jobs_resume, then workers), with two workers and the job
        # enqueued twice: one run holds the job, the other sees its heartbeat and backs off.
        manage(["jobs_resume", "--backend", "database"], env=env)
        bulk_job_run.using(backend="database").enqueue(job.pk)
        with db_worker(env=env, log=log), db_worker(env=env, log=log):
            wait_for(
                lambda: BulkJob.objects.get(pk=job.pk).status == BulkJob.Status.FINISHED,
                seconds=90,
                what="the resumed job to finish",
            )

        job.refresh_from_db()
        outcomes = dict(job.records.values_list("record_id", "state"))
        updates = sandbox.updates_of(MODULE)
        succeeded = [rid for rid in to_send if outcomes[rid] == JobRecord.State.SUCCEEDED]
        assert {outcomes[rid] for rid in to_send} <= {
            JobRecord.State.SUCCEEDED,
            JobRecord.State.FAILED,  # the seeded locked / awaiting-approval records
        }
        assert len(succeeded) >= len(to_send) - 3
        assert {rid: updates.get(rid, 0) for rid in to_send} == {
            rid: 1 if rid in succeeded else 0 for rid in to_send
        }
        for rid in succeeded:
            assert ADDED in (sandbox.get_record(MODULE, rid).get("Languages") or [])
        assert sandbox.requests_served(PUT_PATH) >= -(-len(to_send) // 100)


def _postgres_url() -> str:
    settings = db.settings_dict
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def test_a_worker_killed_while_finding_a_csvs_records_leaves_a_job_found_again_once(
    transactional_db, editor_user, tmp_path
):
    with running_sandbox(db_path=tmp_path / "crm.sqlite3", records=300) as sandbox:
        connection = connection_to(sandbox)
        keys = [record["External_Contact_ID"] for record in sandbox.app.store.all_records(MODULE)]
        keys += [f"nobody-{n}" for n in range(300 - len(keys))]
        upload = BulkUpload.objects.create(
            connection=connection,
            module=MODULE,
            user=editor_user,
            encoding="UTF-8",
            text="External ID,Title\n" + "".join(f"{key},Buyer\n" for key in keys),
        )
        job, _ = jobs.csv_job_create(
            upload=upload,
            user=editor_user,
            changes=[jobs.Change("Title", "Title", "csv")],
            trigger=[],
            plan_input=planning.plan_input_for(
                key_column=0,
                key_field="External_Contact_ID",
                key_label="External Contact ID",
                mapped={1: "Title"},
            ),
            lines=len(keys),
        )
        # Each search is held 1.5 s: the kill lands while the second one is on its way.
        sandbox.faults.set("latency", path=SEARCH_PATH, seconds=1.5)
        env = worker_env(
            database_url=f"sqlite:///{db.settings_dict['NAME']}",
            JOBS_STALE_SECONDS="2",
        )
        if db.vendor == "postgresql":
            env["DATABASE_URL"] = _postgres_url()
        job_plan.using(backend="database").enqueue(job.pk)
        log = tmp_path / "worker.log"

        with db_worker(env=env, log=log) as worker:
            wait_for(
                lambda: BulkJob.objects.get(pk=job.pk).looked_up >= 100,
                seconds=60,
                what="the first search done",
            )
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        stopped = BulkJob.objects.get(pk=job.pk)
        assert (stopped.status, stopped.records.count()) == (BulkJob.Status.FINDING, 0)
        time.sleep(2.5)  # the dead runner's heartbeat goes stale
        assert [found.pk for found in jobs.stale_jobs(stale_seconds=2)] == [job.pk]

        sandbox.faults.clear()
        manage(["jobs_resume", "--backend", "database"], env=env)
        job_plan.using(backend="database").enqueue(job.pk)  # and once more, by hand
        with db_worker(env=env, log=log), db_worker(env=env, log=log):
            wait_for(
                lambda: BulkJob.objects.get(pk=job.pk).status == BulkJob.Status.PREVIEW,
                seconds=90,
                what="the records found again",
            )

        job.refresh_from_db()
        lines = list(job.records.values_list("line", flat=True))
        assert sorted(lines) == list(range(2, len(keys) + 2))  # one row per line, no copy
        assert job.records.filter(state=JobRecord.State.PENDING).count() == len(
            [key for key in keys if not key.startswith("nobody-")]
        )
        assert not BulkUpload.objects.filter(pk=upload.pk).exists()
        assert sandbox.requests_served(f"PUT /crm/v8/{MODULE}") == 0
