"""Bulk edit at scale: 2,000 Contacts changed by real `db_worker` processes against the sandbox CRM.

The sandbox runs in this process (threaded, on loopback) and counts what it serves: PUT calls to
/crm/v8/Contacts (must be ⌈N/100⌉) and updates applied per record (each must be exactly 1). The
change sets `Title` to a value unique to the run, so every chosen record is sent. With --workers W
the records are split into W jobs (one job runs its batches in order on one worker; several
workers run several jobs at once). Reports records per second from Start to the last job finished.

Run: .venv/bin/python bench/bulk_edit.py [--records 2000] [--workers 1] [--no-write]
  On SQLite (default: a fresh file in a temporary folder), or on PostgreSQL with
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/crmadmin_bulk_bench (an empty database you
  created; it is migrated, then used). Writes its section of bench/RESULTS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTION = "Bulk edit: 2,000 records through db_worker processes (bench/bulk_edit.py)"
MODULE = "Contacts"
FIELD = "Title"
PUT_PATH = f"PUT /crm/v8/{MODULE}"
CONTACT_SHARE = 0.30  # the seed gives Contacts 30% of its records
TIMEOUT = 900


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulk-bench-") as folder:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        result = run(args, database_url=database_url, folder=Path(folder))
    print(result)
    if not args.no_write:
        from bench.admin_wide.setup import results_write

        results_write(f"{SECTION} [{result_key(database_url, args.workers)}]", result)


def result_key(database_url: str, workers: int) -> str:
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    return f"{engine}, {workers} worker{'s' if workers != 1 else ''}"


def run(args: argparse.Namespace, *, database_url: str, folder: Path) -> str:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from crmadmin import jobs
    from crmadmin.models import BulkJob, JobRecord
    from crmadmin.services.browse import ListQuery
    from crmadmin.tasks import bulk_job_run
    from crmadmin.zoho import client_for, metadata_options
    from sandbox.testing import running_sandbox
    from tests.fixtures.connections import connection_to
    from tests.support.workers import db_worker, manage, worker_env
    from updater.metadata import fields_list

    call_command("migrate", verbosity=0)
    seeded = int(args.records / CONTACT_SHARE) + 200
    with running_sandbox(db_path=folder / "crm.sqlite3", records=seeded) as sandbox:
        user = get_user_model().objects.create_user(f"bench-{time.time_ns()}", is_staff=True)
        connection = connection_to(sandbox, name=f"Bench {datetime.now(UTC):%H:%M:%S}")
        client = client_for(connection)
        fields = [
            meta
            for meta in fields_list(client=client, module=MODULE, **metadata_options(connection))
            if meta.api_name == FIELD
        ]
        special = set(sandbox.special.get(MODULE, {}).values())
        records = jobs.records_matching(
            client=client,
            module=MODULE,
            query=ListQuery(columns=("Full_Name",), per_page=200),
            fields=[FIELD],
        )
        records = [record for record in records if record["id"] not in special][: args.records]
        assert len(records) == args.records, f"only {len(records)} Contacts seeded"
        value = f"bulk bench {time.time_ns()}"
        changes = [jobs.Change(FIELD, FIELD, "set", value)]
        preview_at = jobs.preview_time()
        share = -(-len(records) // args.workers // 100) * 100  # whole batches per job
        created = []
        for start in range(0, len(records), share):
            plan = jobs.plan_build(
                records=records[start : start + share],
                changes=changes,
                fields=fields,
                preview_at=preview_at,
            )
            job = jobs.job_create(
                connection=connection,
                module=MODULE,
                user=user,
                changes=changes,
                trigger=[],
                plan=plan,
            )
            jobs.job_start(job=job)
            created.append(job)
        env = worker_env(database_url=database_url, settings_module="tests.settings")
        manage(["jobs_resume", "--backend", "database"], env=env)  # what the scripts run first
        puts_before = sandbox.requests_served(PUT_PATH)
        started = time.monotonic()
        with contextlib.ExitStack() as stack:
            for _ in range(args.workers):
                stack.enter_context(db_worker(env=env, log=folder / "workers.log"))
            for job in created:
                bulk_job_run.using(backend="database").enqueue(job.pk)
            ids = [job.pk for job in created]
            deadline = time.monotonic() + TIMEOUT
            while BulkJob.objects.filter(pk__in=ids, status__in=BulkJob.ACTIVE).exists():
                if time.monotonic() > deadline:
                    raise SystemExit(f"jobs not finished after {TIMEOUT} s")
                time.sleep(0.1)
            elapsed = time.monotonic() - started
        puts = sandbox.requests_served(PUT_PATH) - puts_before
        rows = JobRecord.objects.filter(job_id__in=ids)
        states = dict(rows.values_list("record_id", "state"))
        updates = sandbox.updates_of(MODULE)
        succeeded = [rid for rid, state in states.items() if state == JobRecord.State.SUCCEEDED]
        exactly_once = all(updates.get(rid, 0) == 1 for rid in succeeded) and all(
            updates.get(rid, 0) == 0 for rid in states if rid not in succeeded
        )
        holds = all(sandbox.get_record(MODULE, rid).get(FIELD) == value for rid in succeeded)
        statuses = sorted(set(BulkJob.objects.filter(pk__in=ids).values_list("status", flat=True)))
    expected = -(-args.records // 100)
    return "\n".join(
        [
            f"{args.records} Contacts, `{FIELD}` set to one value, in {len(created)} job(s) run by "
            f"{args.workers} `db_worker` process(es) ({result_key(database_url, args.workers)});",
            "the sandbox CRM in the bench process on loopback counts what it serves.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| PUT calls counted at the sandbox | **{puts}** (⌈N/100⌉ = {expected}) |",
            f"| records updated | {len(succeeded)} of {len(states)} "
            f"(jobs: {', '.join(statuses)}) |",
            f"| every updated record written exactly once, none skipped | "
            f"{'yes' if exactly_once and len(succeeded) == len(states) else 'NO'} |",
            f"| every record holds the new value | {'yes' if holds else 'NO'} |",
            f"| throughput, enqueue → last job finished | "
            f"**{len(states) / elapsed:.0f} records/s** ({elapsed:.1f} s) |",
            "",
            f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
            f"{os.cpu_count()} CPUs shared with the sandbox and the bench.",
            "Rerun: `.venv/bin/python bench/bulk_edit.py --records 2000 --workers 1` (SQLite); "
            "`createdb crmadmin_bulk_bench && DATABASE_URL=postgres://postgres@127.0.0.1:5432/"
            "crmadmin_bulk_bench .venv/bin/python bench/bulk_edit.py --workers 2; "
            "dropdb crmadmin_bulk_bench` (a throwaway PostgreSQL database, never `test`).",
        ]
    )


if __name__ == "__main__":
    main()
