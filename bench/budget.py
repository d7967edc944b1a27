"""The API budget under load: a bulk job of 2,000 records and people editing, under K calls at once.

3 gunicorn workers and 2 `db_worker` processes (production settings, one SQLite file) share a
sandbox CRM allowing K calls at once, each call held 50 ms by a latency fault
(tests/support/budget_load.py sets the scene, the same one the proof test uses). Four people open a
record's edit page and save it: first with no job running, then while the jobs run. The sandbox
measures the peak calls in flight (must never exceed K) and counts every 429 it answers.

Run: .venv/bin/python bench/budget.py [--records 2000] [--concurrency 3] [--no-write]
Writes its section of bench/RESULTS.md unless --no-write.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTION = "API budget: bulk job + people editing under a concurrency limit (bench/budget.py)"
PEOPLE = 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--job-share", type=int, default=67)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    with tempfile.TemporaryDirectory(prefix="budget-bench-") as folder:
        result = run(args, folder=Path(folder))
    print(result)
    if not args.no_write:
        from bench.admin_wide.setup import results_write

        results_write(f"{SECTION} [SQLite, K={args.concurrency}]", result)


def run(args: argparse.Namespace, *, folder: Path) -> str:
    from tests.support.budget_load import Timings, budget_load, wait_until

    with budget_load(
        folder=folder,
        records=args.records,
        jobs=2,
        concurrency=args.concurrency,
        job_share=args.job_share,
        web_workers=3,
        job_workers=2,
        latency=args.latency,
        people=PEOPLE,
    ) as load:
        limits = load.sandbox.app.limits
        alone = Timings()
        load.people(clients=PEOPLE, until=lambda: False, timings=alone, rounds=5)
        before = limits.snapshot()
        limits.set(reset=True)
        started = time.monotonic()
        load.enqueue()
        wait_until(lambda: any(s == "running" for s, _ in load.jobs_state()), timeout=60)
        waits: set[str] = set()

        def still_running() -> bool:
            waits.update(reason for _, reason in load.jobs_state() if reason)
            return not load.jobs_active()

        during = Timings()
        load.people(clients=PEOPLE, until=still_running, timings=during)
        wait_until(lambda: not load.jobs_active(), timeout=900)
        elapsed = time.monotonic() - started
        state = limits.snapshot()
        statuses = sorted({s for s, _ in load.jobs_state()})
        done = load.sql("SELECT COUNT(*) FROM crmadmin_jobrecord WHERE state = 'succeeded'")[0][0]
    a, d = alone.summary(), during.summary()
    k = args.concurrency
    return "\n".join(
        [
            f"{args.records} Contacts in 2 bulk jobs on 2 `db_worker` processes, {PEOPLE} people "
            f"opening and saving records through 3 gunicorn workers; the sandbox allows K = {k} "
            f"calls at once, each held {args.latency * 1000:.0f} ms; jobs may use "
            f"{args.job_share}% of K.",
            "",
            "| measure | people alone | people while the jobs run |",
            "|---|---|---|",
            f"| peak calls in flight at the sandbox (K = {k}) | {before['peak_in_flight']} | "
            f"**{state['peak_in_flight']}** |",
            f"| 429s from the sandbox (concurrency / credits) | {before['refused_concurrency']} / "
            f"{before['refused_credits']} | "
            f"**{state['refused_concurrency']} / {state['refused_credits']}** |",
            f"| open record p50 / p95 | {a['open_p50'] * 1000:.0f} / {a['open_p95'] * 1000:.0f} ms"
            f" | {d['open_p50'] * 1000:.0f} / {d['open_p95'] * 1000:.0f} ms |",
            f"| save record p50 / p95 | {a['save_p50'] * 1000:.0f} / {a['save_p95'] * 1000:.0f} ms"
            f" | {d['save_p50'] * 1000:.0f} / {d['save_p95'] * 1000:.0f} ms |",
            f"| saves (failed) | {a['n']} ({len(alone.failures)}) | {d['n']} "
            f"({len(during.failures)}) |",
            f"| records updated by the jobs | | {done} of {args.records} in {elapsed:.1f} s "
            f"(jobs: {', '.join(statuses)}) |",
            "",
            "Job waits seen on the job page: "
            + ("; ".join(f"“{reason}”" for reason in sorted(waits)) or "none"),
            "",
            f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
            f"{os.cpu_count()} CPUs shared by the sandbox, 3 web and 2 job workers and the bench.",
            "Rerun: `.venv/bin/python bench/budget.py --records 2000 --concurrency 3` (SQLite + "
            "locmem).",
        ]
    )


if __name__ == "__main__":
    main()
