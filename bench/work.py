"""crmadmin's work per page, counted rather than timed: Python function calls (cProfile),
database queries and cache round trips for a Contact's open, a save and a 200-row list page
(warm metadata, in process, the sandbox CRM on loopback; the sandbox's own threads are not
counted). Counts do not move with other load on the machine, so they show what a change bought
where timings (bench/overhead.py) are too noisy to; they are not a substitute for timings.

With ``--compare REF`` the same pages are counted in a temporary worktree of the git ref REF
too, and the two are printed side by side with their ratio.

Run: .venv/bin/python bench/work.py [--compare REF] [--rounds N]   (writes bench/RESULTS.md)
With ``CACHE_URL=redis://127.0.0.1:6379/8`` the cache round trips are Redis commands sent.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("open", "save", "list")


def count(rounds: int) -> dict[str, dict[str, float]]:
    sys.path.insert(0, str(ROOT))
    from bench.admin_wide.setup import django_setup, first_record_id, staff_client

    django_setup()
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from sandbox.testing import running_sandbox
    from tests.crmadmin.record_support import form_data
    from tests.fixtures.connections import connection_to

    trips = _cache_trips()
    with (
        tempfile.TemporaryDirectory() as folder,
        running_sandbox(db_path=Path(folder) / "crm.sqlite3", records=300) as handle,
    ):
        connection = connection_to(handle)
        client = staff_client()
        record_id = first_record_id(connection, "Contacts")
        edit_url = f"/records/{connection.pk}/Contacts/{record_id}/"
        list_url = f"/records/{connection.pk}/Contacts/?per_page=200"
        client.get(list_url)
        page = client.get(edit_url).content.decode()
        state = {"page": page, "n": 0}

        def save() -> Any:
            state["n"] += 1
            data = form_data(state["page"], Last_Name=f"Counted {state['n']}")
            response = client.post(edit_url, data)
            state["page"] = response.content.decode()
            return response

        visits = {
            "open": lambda: client.get(edit_url),
            "save": save,
            "list": lambda: client.get(list_url),
        }
        for visit in visits.values():  # warm: metadata, form class, templates
            for _ in range(3):
                visit()
        counted: dict[str, dict[str, float]] = {}
        for name, visit in visits.items():
            profile = cProfile.Profile()
            trips.clear()
            with CaptureQueriesContext(db) as queries:
                profile.enable()
                for _ in range(rounds):
                    response = visit()
                    assert response.status_code == 200, (name, response.status_code)
                profile.disable()
            counted[name] = {
                "calls": pstats.Stats(profile).total_calls / rounds,
                "queries": len(queries) / rounds,
                "cache_trips": len(trips) / rounds,
            }
    return counted


def _cache_trips() -> list[bytes]:
    """Every command (or pipeline) sent to Redis, when the cache is Redis."""
    sent: list[bytes] = []
    with contextlib.suppress(ImportError):
        from redis.connection import AbstractConnection

        send = AbstractConnection.send_packed_command

        def spy(self: Any, command: Any, check_health: bool = True) -> None:
            sent.append(b"")
            return send(self, command, check_health)

        AbstractConnection.send_packed_command = spy
    return sent


def counted_at(ref: str, rounds: int) -> dict[str, dict[str, float]]:
    """The counts of the tree at git ref ``ref``, from a temporary worktree."""
    git = shutil.which("git") or "git"
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "tree"
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, "-C", str(ROOT), "worktree", "add", "--detach", str(tree), ref],
            check=True,
            capture_output=True,
        )
        try:
            script = tree / "bench" / "work.py"
            if not script.exists():  # an older tree: count it with this script
                script.write_text(Path(__file__).read_text())
            answer = subprocess.run(  # noqa: S603 - fixed argv, no shell
                [sys.executable, str(script), "--json", "--rounds", str(rounds)],
                cwd=tree,
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(tree)},
            )
        finally:
            subprocess.run(  # noqa: S603 - fixed argv, no shell
                [git, "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def report(now: dict, before: dict | None, ref: str, rounds: int) -> str:
    redis = "redis" in os.environ.get("CACHE_URL", "")
    trips = "Redis round trips" if redis else "cache round trips (locmem: none)"
    lines = [
        f"Work per page, Contacts, warm metadata, {rounds} rounds each, in process; counted, "
        "not timed (the same on a busy machine). *Calls* = Python function calls (cProfile) "
        f"of the thread serving the page; *queries* = database statements; *{trips}*.\n",
    ]
    if before is None:
        lines += ["| page | calls | queries | cache trips |", "|---|---|---|---|"]
        for page in PAGES:
            c = now[page]
            lines.append(
                f"| {page} | {c['calls']:,.0f} | {c['queries']:g} | {c['cache_trips']:g} |"
            )
    else:
        lines += [
            f"| page | calls {ref} → now (ratio) | queries | cache trips |",
            "|---|---|---|---|",
        ]
        for page in PAGES:
            b, c = before[page], now[page]
            lines.append(
                f"| {page} | {b['calls']:,.0f} → {c['calls']:,.0f} "
                f"({c['calls'] / b['calls']:.2f}) | {b['queries']:g} → {c['queries']:g} | "
                f"{b['cache_trips']:g} → {c['cache_trips']:g} |"
            )
    lines.append(
        f"\nPython {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} "
        "UTC. Rerun: `.venv/bin/python bench/work.py [--compare REF]` (with "
        "`CACHE_URL=redis://127.0.0.1:6379/8` for Redis round trips)."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--compare", default="", help="a git ref to count side by side")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    now = count(options.rounds)
    if options.json:
        print(json.dumps(now))
        return
    before = counted_at(options.compare, options.rounds) if options.compare else None
    body = report(now, before, options.compare, options.rounds)
    print(body)
    from bench.admin_wide.setup import results_write

    redis = "redis" in os.environ.get("CACHE_URL", "")
    results_write(f"Work per page{' (Redis)' if redis else ''} (bench/work.py)", body)


if __name__ == "__main__":
    main()
