"""crmadmin under its production server, for the test that proves it and the bench that times it.

Both run gunicorn in a subprocess with the settings `scripts/serve` uses, beside a sandbox CRM on
loopback, and log in through the real form. Keeping that harness here means the test and the bench
measure the same server: a setting changed for one is changed for both.

Nothing here imports Django settings: the bench imports this before it configures Django.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gunicorn
import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30  # gunicorn answers /login/ in ~1 s; 30 s means it is not going to


class ServerDidNotStart(RuntimeError):
    """gunicorn exited or never answered /login/; the message holds its error log's tail."""


class LoginFailed(RuntimeError):
    """The login form did not redirect: wrong credentials, or CSRF/session cookies not set."""


def free_port() -> int:
    """A loopback port nobody listens on, so parallel runs never collide."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(
    *, database_url: str, cache_url: str, sandbox_url: str, static_root: Path, **overrides: str
) -> dict[str, str]:
    """What scripts/serve sets, with throwaway keys and plain http on loopback.

    The keys are fresh per call because nothing outside the run may read its rows; the secure-cookie
    and SSL settings are off because the clients speak http to 127.0.0.1. `overrides` adds or
    replaces variables for one caller without forking the rest.
    """
    env = {k: v for k, v in os.environ.items() if k != "STATICFILES_BACKEND"}
    env.update(
        DJANGO_SETTINGS_MODULE="crmadmin.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        TOKEN_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        ZOHO_ALLOW_CUSTOM_DOMAINS="true",
        SANDBOX_URL=sandbox_url,
        STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


@dataclass
class Server:
    """A running gunicorn: where it listens and where it logs."""

    url: str
    process: subprocess.Popen
    access_log: Path | None
    error_log: Path

    def pids_serving(self, prefix: str) -> set[str]:
        """Worker pids that answered requests for paths starting with `prefix`."""
        if self.access_log is None:
            raise ValueError("start the server with log_requests=True to see which worker served")
        lines = self.access_log.read_text().splitlines()
        return {
            line.split()[0]
            for line in lines
            if len(line.split()) == 3 and line.split()[2].startswith(prefix)
        }


@contextlib.contextmanager
def gunicorn_running(
    *, env: dict[str, str], workers: int, logs: Path, log_requests: bool = False
) -> Iterator[Server]:
    """gunicorn with `workers` sync workers on a free loopback port, stopped on the way out.

    Yields once /login/ answers 200, so callers never race the workers' startup. `log_requests`
    writes an access log of "pid status path" lines (for `Server.pids_serving`); the bench leaves it
    off so it times the server without per-request log writes.
    """
    port = free_port()
    access_log = logs / "access.log" if log_requests else None
    error_log = logs / "error.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "crmadmin.wsgi",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "90",
        "--graceful-timeout",
        "5",
        "--error-logfile",
        str(error_log),
    ]
    if access_log is not None:
        command += ["--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %(U)s"]
    if gunicorn.version_info >= (27,):
        command.append("--no-control-socket")  # one per server, not ~/.gunicorn/gunicorn.ctl
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - fixed argv, no shell
    server = Server(f"http://127.0.0.1:{port}", process, access_log, error_log)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        _stop(process)


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            if requests.get(f"{server.url}/login/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    log = server.error_log.read_text()[-3000:] if server.error_log.exists() else ""
    raise ServerDidNotStart(f"gunicorn did not start in {START_SECONDS} s:\n{log}")


def _stop(process: subprocess.Popen) -> None:
    """Terminate gracefully (workers finish their request), kill if that hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def logged_in_session(
    *, base_url: str, username: str, password: str, timeout: float
) -> requests.Session:
    """A browser-like session that logged in through the real form, CSRF token included.

    Going through /login/ (not a forged session cookie) is the point: the production server's
    CSRF, cookie and session settings are part of what runs.
    """
    session = requests.Session()
    page = session.get(f"{base_url}/login/", timeout=timeout)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base_url}/login/",
        timeout=timeout,
        allow_redirects=False,
        data={
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": "/",
        },
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise LoginFailed(f"login as {username!r} answered {answer.status_code}")
    return session
