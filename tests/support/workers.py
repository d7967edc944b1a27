"""Task workers (`manage.py db_worker`) in subprocesses, for the kill test and the bulk edit bench.

A worker runs with the caller's settings module and database, so the job rows the caller wrote are
the ones it claims; it is started on the "database" backend alias unless told otherwise.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def worker_env(
    *, database_url: str, settings_module: str = "tests.settings", **overrides: str
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE=settings_module,
        LOG_LEVEL="WARNING",
        **overrides,
    )
    return env


def manage(args: list[str], *, env: dict[str, str]) -> str:
    """Run one management command to the end; its output."""
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


@contextlib.contextmanager
def db_worker(
    *, env: dict[str, str], backend: str = "database", log: Path | None = None
) -> Iterator[subprocess.Popen]:
    """One `db_worker` polling every 0.1 s; SIGKILLed on the way out if still running."""
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--backend",
        backend,
        "--interval",
        "0.1",
        "--no-startup-delay",
        "--no-reload",
    ]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        if log:
            out.close()
