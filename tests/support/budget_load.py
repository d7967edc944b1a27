"""Bulk jobs and people editing at once under an org's concurrency limit, for the test that proves
the API budget holds across processes and the bench that times it (bench/budget.py).

gunicorn web workers and `db_worker` job workers (separate processes, one SQLite file, the
production settings) share one sandbox CRM set to K calls at once, with a latency fault so every
call stays in flight long enough to collide. The sandbox counts the peak in flight and every call
it refused; people's threads open a record's edit page and save it, timing both.

The harness reads and writes the job and connection rows with `sqlite3` directly (SQLite only):
polling through `manage.py shell` would take a second per look.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.production import (
    Server,
    gunicorn_running,
    logged_in_session,
    production_env,
)
from tests.support.workers import db_worker

ROOT = Path(__file__).resolve().parents[2]
USERNAME, PASSWORD = "budget", "budget-load-password-0123"
MODULE, FIELD = "Contacts", "Title"
REQUEST_TIMEOUT = 60

# Run by `manage.py shell -c` with the workers' settings: the user, the connection (K calls at
# once) and the bulk jobs, planned from what the sandbox holds, started but not yet enqueued.
SEED_SCRIPT = """
import json, os
from django.contrib.auth import get_user_model
from crmadmin import jobs
from crmadmin.models import Connection
from crmadmin.services.browse import ListQuery
from crmadmin.zoho import client_for, metadata_options
from updater.metadata import fields_list
spec = json.loads(os.environ["CRMADMIN_SEED"])
user = get_user_model().objects.create_user(spec["username"], password=spec["password"],
                                            is_staff=True, is_superuser=True)
connection = Connection.objects.create(
    name="Sandbox CRM", data_centre=Connection.DataCentre.CUSTOM,
    accounts_server=spec["url"], api_domain=spec["url"], client_id=spec["client_id"],
    client_secret=spec["client_secret"], scopes=spec["scopes"], granted_scopes=spec["scopes"],
    refresh_token=spec["refresh_token"], access_token=spec["access_token"],
    access_token_expires_at=spec["expires_at"], status=Connection.Status.CONNECTED,
    org_name="Sandbox org", time_zone="Asia/Kolkata",
    max_concurrency=spec["concurrency"], job_share=spec["job_share"],
)
client = client_for(connection)
fields = fields_list(client=client, module=spec["module"], **metadata_options(connection))
fields = [f for f in fields if f.api_name == spec["field"]]
wanted = set(spec["job_ids"])
records = jobs.records_matching(client=client, module=spec["module"],
                                query=ListQuery(columns=("Full_Name",), per_page=200),
                                fields=[spec["field"]])
records = [r for r in records if r["id"] in wanted]
changes = [jobs.Change(spec["field"], spec["field"], "set", "budget load")]
created = []
share = -(-len(records) // spec["jobs"])
for start in range(0, len(records), share):
    plan = jobs.plan_build(records=records[start:start + share], changes=changes, fields=fields,
                           preview_at=jobs.preview_time())
    job = jobs.job_create(connection=connection, module=spec["module"], user=user,
                          changes=changes, trigger=[], plan=plan)
    jobs.job_start(job=job)
    created.append(job.pk)
print(json.dumps({"connection": connection.pk, "jobs": created}))
"""
ENQUEUE_SCRIPT = """
import json, os
from crmadmin.tasks import bulk_job_run
for job_id in json.loads(os.environ["CRMADMIN_JOBS"]):
    bulk_job_run.enqueue(job_id)
"""


@dataclass
class Timings:
    opens: list[float] = field(default_factory=list)
    saves: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> dict[str, float]:
        def pct(values: list[float], q: float) -> float:
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

        return {
            "n": len(self.saves),
            "open_p50": statistics.median(self.opens) if self.opens else 0.0,
            "open_p95": pct(self.opens, 0.95),
            "save_p50": statistics.median(self.saves) if self.saves else 0.0,
            "save_p95": pct(self.saves, 0.95),
        }


@dataclass
class Load:
    """A running scene: the servers, the job ids, and ways to look at and steer it."""

    server: Server
    sandbox: object
    env: dict[str, str]
    db_path: Path
    connection_id: int
    job_ids: list[int]
    people_ids: list[str]

    def sql(self, query: str, *params: object) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=30)) as db, db:
            return db.execute(query, params).fetchall()

    def jobs_state(self) -> list[tuple[str, str]]:
        marks = ",".join("?" * len(self.job_ids))
        return self.sql(
            f"SELECT status, wait_reason FROM crmadmin_bulkjob WHERE id IN ({marks})",  # noqa: S608
            *self.job_ids,
        )

    def jobs_active(self) -> bool:
        return any(status in ("queued", "running", "waiting") for status, _ in self.jobs_state())

    def set_reserve(self, credits: int) -> None:
        self.sql(
            "UPDATE crmadmin_connection SET credit_reserve = ? WHERE id = ?",
            credits,
            self.connection_id,
        )

    def enqueue(self) -> None:
        manage(self.env, "shell", "-c", ENQUEUE_SCRIPT, CRMADMIN_JOBS=json.dumps(self.job_ids))

    def people(
        self, *, clients: int, until: object, timings: Timings, rounds: int | None = None
    ) -> None:
        """`clients` people each open a record and save it, again and again: `rounds` times, or
        at least once and then until `until()` says stop."""
        from tests.crmadmin.record_support import form_data

        def person(n: int) -> None:
            session = logged_in_session(
                base_url=self.server.url,
                username=USERNAME,
                password=PASSWORD,
                timeout=REQUEST_TIMEOUT,
            )
            record_id = self.people_ids[n % len(self.people_ids)]
            url = f"{self.server.url}/records/{self.connection_id}/{MODULE}/{record_id}/"
            done = 0
            while done < rounds if rounds is not None else (done == 0 or not until()):
                started = time.monotonic()
                page = session.get(url, timeout=REQUEST_TIMEOUT)
                opened = time.monotonic()
                if page.status_code != 200:
                    with timings.lock:
                        timings.failures.append(f"open {page.status_code}")
                    continue
                data = form_data(page.text, **{FIELD: f"person {n} save {done}"})
                saved = session.post(url, data=data, timeout=REQUEST_TIMEOUT)
                ended = time.monotonic()
                with timings.lock:
                    timings.opens.append(opened - started)
                    if saved.status_code == 200 and "Saved." in saved.text:
                        timings.saves.append(ended - opened)
                    else:
                        timings.failures.append(f"save {saved.status_code}")
                done += 1

        threads = [threading.Thread(target=person, args=(n,), daemon=True) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=900)


def manage(env: dict[str, str], *args: str, **extra_env: str) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, **extra_env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


@contextlib.contextmanager
def budget_load(
    *,
    folder: Path,
    records: int,
    jobs: int,
    concurrency: int,
    job_share: int,
    web_workers: int,
    job_workers: int,
    latency: float,
    people: int,
) -> Iterator[Load]:
    """The scene, up and ready (jobs created, not enqueued); everything stopped on the way out."""
    from sandbox.testing import running_sandbox

    seeded = int(records / 0.30) + 200  # the seed gives Contacts 30% of its records
    with running_sandbox(
        db_path=folder / "crm.sqlite3", records=seeded, concurrency=concurrency
    ) as sandbox:
        special = {i for ids in sandbox.special.values() for i in ids.values()}
        contacts = [
            r["id"] for r in sandbox.app.store.all_records(MODULE) if r["id"] not in special
        ]
        job_ids, people_ids = contacts[:records], contacts[records : records + people]
        db_path = folder / "app.sqlite3"
        static_root = folder / "static"
        env = production_env(
            database_url=f"sqlite:///{db_path}",
            cache_url="locmemcache://budget",
            sandbox_url=sandbox.url,
            static_root=static_root,
            ZOHO_RETRY_BACKOFF="0",
            JOBS_RETRY_BACKOFF="0.2",
            JOBS_BUDGET_PAUSE_SECONDS="1",
            ZOHO_BUDGET_RETRY_SECONDS="0.5",
            PYTHONUNBUFFERED="1",
        )
        manage(env, "collectstatic", "--noinput")
        manage(env, "migrate", "--noinput")
        tokens = sandbox.issue_tokens()
        seed = {
            "username": USERNAME,
            "password": PASSWORD,
            "url": sandbox.url,
            "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret,
            "scopes": tokens.get("scope") or "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL",
            "refresh_token": tokens["refresh_token"],
            "access_token": tokens["access_token"],
            "expires_at": time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + tokens.get("expires_in", 3600))
            ),
            "concurrency": concurrency,
            "job_share": job_share,
            "module": MODULE,
            "field": FIELD,
            "job_ids": job_ids,
            "jobs": jobs,
        }
        printed = manage(env, "shell", "-c", SEED_SCRIPT, CRMADMIN_SEED=json.dumps(seed))
        made = json.loads(printed.strip().splitlines()[-1])
        sandbox.faults.set("latency", seconds=latency, path="/crm/")
        with contextlib.ExitStack() as stack:
            server = stack.enter_context(
                gunicorn_running(env=env, workers=web_workers, logs=folder)
            )
            for _ in range(job_workers):
                stack.enter_context(
                    db_worker(env=env, backend="default", log=folder / "workers.log")
                )
            sandbox.app.limits.set(reset=True)
            yield Load(
                server=server,
                sandbox=sandbox,
                env=env,
                db_path=db_path,
                connection_id=made["connection"],
                job_ids=made["jobs"],
                people_ids=people_ids,
            )


def wait_until(predicate: object, *, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False
