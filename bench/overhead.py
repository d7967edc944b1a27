"""crmadmin's own time per page next to the CRM's: Contacts, warm metadata, in process (Django's
test client), the sandbox CRM on loopback.

Every round opens a Contact's edit page, saves one changed field and opens a 200-row list page
through the app, recording the HTTP requests each page sends to the CRM. The same requests are
then sent straight to the sandbox with a keep-alive ``requests.Session`` and timed. The overhead
of a page is its time through the app less the time of its own CRM requests sent straight:

- open = the page's GET of the record;
- save = the PUT *and* the GET that re-reads the record after it (issue #10.2: the page shows
  what Zoho holds), so a save is compared with the PUT + GET it makes;
- list = the records GET of 200 rows.

The replayed PUT carries the record's current Modified_Time in If-Unmodified-Since (the app's
own PUT has just changed it). Medians and 95th percentiles over the rounds, same run.

Run: .venv/bin/python bench/overhead.py [rounds] [--profile open|save|list]
(writes bench/RESULTS.md; with --profile, prints a pyinstrument profile of that page instead).
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.admin_wide.setup import django_setup, first_record_id, results_write, staff_client

TARGET_RECORD_MS = 8.0
TARGET_LIST_MS = 10.0


class Recorder:
    """Notes every CRM request the app sends (method, url, headers, body) and the answer."""

    def __init__(self) -> None:
        self.sent: list[tuple[requests.PreparedRequest, requests.Response]] = []

    def install(self) -> None:
        from crmadmin.zoho import GovernedSession

        original = GovernedSession.send
        recorder = self

        def send(session, request, **kwargs):
            response = original(session, request, **kwargs)
            if "/crm/" in (request.url or ""):
                recorder.sent.append((request.copy(), response))
            return response

        GovernedSession.send = send

    def take(self) -> list[tuple[requests.PreparedRequest, requests.Response]]:
        sent, self.sent = self.sent, []
        return sent


def straight(
    session: requests.Session, sent: list, modified_time: str | None
) -> tuple[float, float]:
    """Send the page's CRM requests again, straight to the sandbox; (wall ms, CPU ms) taken."""
    from updater.payload import format_zoho_datetime, parse_zoho_datetime

    start, cpu = time.perf_counter(), time.thread_time()
    for request, _ in sent:
        headers = dict(request.headers)
        if "If-Unmodified-Since" in headers and modified_time:
            headers["If-Unmodified-Since"] = format_zoho_datetime(
                parse_zoho_datetime(modified_time)
            )
        response = session.request(request.method, request.url, headers=headers, data=request.body)
        assert response.status_code < 300, (request.method, request.url, response.status_code)
        response.content  # noqa: B018 - read the body, as the app does
    return (time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000


def timed(call, *args: Any, **kwargs: Any) -> tuple[Any, tuple[float, float]]:
    """The answer, and (wall ms, CPU ms of this thread: the sandbox serves from its own threads,
    so this is crmadmin's work plus the client side of its HTTP calls, whatever else runs)."""
    start, cpu = time.perf_counter(), time.thread_time()
    response = call(*args, **kwargs)
    return response, ((time.perf_counter() - start) * 1000, (time.thread_time() - cpu) * 1000)


def modified_time_of(sent: list) -> str | None:
    for _, response in reversed(sent):
        if response.request.method == "GET":
            with_data = response.json().get("data") or [{}]
            return with_data[0].get("Modified_Time")
    return None


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main(rounds: int = 30, profile: str = "") -> None:
    django_setup()
    from django.db import connection as db

    from sandbox.testing import running_sandbox
    from tests.crmadmin.record_support import form_data
    from tests.fixtures.connections import connection_to

    recorder = Recorder()
    recorder.install()
    with (
        tempfile.TemporaryDirectory() as folder,
        running_sandbox(db_path=Path(folder) / "crm.sqlite3", records=800) as handle,
    ):
        connection = connection_to(handle)
        client = staff_client()
        record_id = first_record_id(connection, "Contacts")
        edit_url = f"/records/{connection.pk}/Contacts/{record_id}/"
        list_url = f"/records/{connection.pk}/Contacts/?per_page=200"
        session = requests.Session()
        page = client.get(edit_url).content.decode()  # warms metadata and the user list
        client.get(list_url)
        recorder.take()
        if profile:
            return profile_page(client, profile, edit_url, list_url, form_data)
        rows: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = {
            "open": [],
            "save": [],
            "list": [],
        }
        writes: dict[str, list[int]] = {"open": [], "save": [], "list": []}
        for n in range(rounds):
            with _writes_counted(db) as counted:
                response, app_ms = timed(client.get, edit_url)
            assert response.status_code == 200
            page, sent = response.content.decode(), recorder.take()
            assert [r.method for r, _ in sent] == ["GET"], [r.method for r, _ in sent]
            rows["open"].append((app_ms, straight(session, sent, None)))
            writes["open"].append(counted())

            with _writes_counted(db) as counted:
                response, app_ms = timed(
                    client.post, edit_url, form_data(page, Last_Name=f"Bench {n}")
                )
            assert "Saved. Changed" in response.content.decode()
            sent = recorder.take()
            assert [r.method for r, _ in sent] == ["PUT", "GET"], [r.method for r, _ in sent]
            rows["save"].append((app_ms, straight(session, sent, modified_time_of(sent))))
            writes["save"].append(counted())

            with _writes_counted(db) as counted:
                response, app_ms = timed(client.get, list_url)
            assert response.status_code == 200
            assert response.content.decode().count("<tr") >= 200
            sent = recorder.take()
            assert {r.method for r, _ in sent} == {"GET"}, [r.url for r, _ in sent]
            if n == 0:
                print("list page requests:", [r.path_url for r, _ in sent])
            rows["list"].append((app_ms, straight(session, sent, None)))
            writes["list"].append(counted())
    report(rounds, rows, writes)


def _writes_counted(db):
    """Count INSERT/UPDATE/DELETE statements run inside the block (a read page should run 0)."""
    import contextlib

    @contextlib.contextmanager
    def block():
        statements: list[str] = []

        def wrapper(execute, sql, params, many, context):
            if sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
                statements.append(sql)
            return execute(sql, params, many, context)

        with db.execute_wrapper(wrapper):
            yield lambda: len(statements)

    return block()


def profile_page(client, which: str, edit_url: str, list_url: str, form_data) -> None:
    from pyinstrument import Profiler

    page = client.get(edit_url).content.decode()
    profiler = Profiler(interval=0.0005)
    with profiler:
        for n in range(20):
            if which == "open":
                client.get(edit_url)
            elif which == "save":
                client.post(edit_url, form_data(page, Last_Name=f"Profiled {n}"))
                page = client.get(edit_url).content.decode()
            else:
                client.get(list_url)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def report(rounds: int, rows: dict, writes: dict) -> None:
    lines = [
        f"Contacts, warm metadata, {rounds} rounds, in process (Django test client), the sandbox "
        "on loopback. *App* = the page through crmadmin; *CRM* = the same HTTP requests sent "
        "straight to the sandbox with a keep-alive `requests.Session`, right after; *overhead* = "
        "app - CRM, per round. A save is compared with the PUT **and** the GET that re-reads the "
        "record after it (issue #10.2: the page shows what Zoho holds); the list page with its "
        "records GET of 200 rows and its count GET. *Own CPU* = the CPU time of the thread "
        "serving the page less that of the thread sending the same requests straight (the "
        "sandbox answers from its own threads): crmadmin's own work, which other load on the "
        "machine does not inflate as it inflates wall time.\n",
        "| page | CRM requests | app median / p95 ms | CRM median / p95 ms | "
        "**overhead median** / p95 ms | target | own CPU median / p95 ms | "
        "DB writes per page (median) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for name, requests_made in (
        ("open", "GET"),
        ("save", "PUT + GET"),
        ("list", "GET 200 rows + count"),
    ):
        app = [a[0] for a, _ in rows[name]]
        crm = [c[0] for _, c in rows[name]]
        over = [a[0] - c[0] for a, c in rows[name]]
        cpu = [a[1] - c[1] for a, c in rows[name]]
        target = TARGET_LIST_MS if name == "list" else TARGET_RECORD_MS
        median = statistics.median(over)
        verdicts.append(f"{name} {'met' if median <= target else 'MISSED'}")
        lines.append(
            f"| {name} | {requests_made} | {statistics.median(app):.1f} / {p95(app):.1f} | "
            f"{statistics.median(crm):.1f} / {p95(crm):.1f} | **{median:.1f}** / "
            f"{p95(over):.1f} | ≤ {target:.0f} | {statistics.median(cpu):.1f} / {p95(cpu):.1f} | "
            f"{statistics.median(writes[name]):g} |"
        )
    lines.append(
        f"\nTargets: {', '.join(verdicts)}. Python {platform.python_version()}, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, 2 CPUs shared with other work.\n"
        "Rerun: `.venv/bin/python bench/overhead.py [rounds]` (SQLite + locmem; with "
        "`CACHE_URL=redis://127.0.0.1:6379/8` for Redis); a profile of one page: "
        "`.venv/bin/python bench/overhead.py --profile open|save|list`."
    )
    body = "\n".join(lines)
    print(body)
    results_write(
        f"Overhead per page over the CRM's own time (bench/overhead.py) [{setup()}]", body
    )


def setup() -> str:
    from django.conf import settings

    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    slots = (
        "Redis"
        if settings.ZOHO_BUDGET_REDIS_URL
        else "file locks"
        if settings.ZOHO_BUDGET_LOCK_FOLDER
        else "the database"
    )
    return (
        f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, {cache}, slots in {slots}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("rounds", nargs="?", type=int, default=30)
    parser.add_argument("--profile", choices=["open", "save", "list"], default="")
    arguments = parser.parse_args()
    main(arguments.rounds, arguments.profile)
