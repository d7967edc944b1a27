"""crmadmin under the production server: gunicorn with several sync workers beside the sandbox CRM.

The workers are separate processes sharing one database (this test's database: on PostgreSQL the
pytest-django test database itself) and one cache (Redis when CACHE_URL says so). A dozen logged-in
clients open pages that call Zoho at the same moment, right after the access token expired: every
page must answer 200 in bounded time (no deadlock, no 500), and on PostgreSQL the sandbox must see
exactly one refresh, because `crmadmin.zoho.ConnectionTokenStore.refresh_lock` is a row lock
(`SELECT ... FOR UPDATE`) that holds across processes. SQLite ignores FOR UPDATE; there crmadmin's
settings open every SQLite file with `transaction_mode=IMMEDIATE`, so the refresh transaction takes
SQLite's one write lock up front and the other workers wait for it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection as db

from tests.support.production import Server, gunicorn_running, logged_in_session, production_env

BASE_DIR = Path(settings.BASE_DIR)
WORKERS = 3
CLIENTS = 12
REQUEST_TIMEOUT = 60  # seconds one page may take; far above normal, far below "hung"
DEADLINE = 120  # seconds for the whole concurrent wave
USERNAME, PASSWORD = "ops", "production-server-password-0123"

# Run by `manage.py shell -c` with the workers' settings, so the rows are written exactly as the
# workers will read them (same encryption keys, same database).
SEED_SCRIPT = """
import json, os
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from crmadmin.models import Connection
spec = json.loads(os.environ["CRMADMIN_SEED"])
get_user_model().objects.create_user(spec["username"], password=spec["password"], is_staff=True)
connection = Connection.objects.create(
    name="Sandbox CRM", data_centre=Connection.DataCentre.CUSTOM,
    accounts_server=spec["url"], api_domain=spec["url"], client_id=spec["client_id"],
    client_secret=spec["client_secret"], scopes=spec["scopes"], granted_scopes=spec["scopes"],
    refresh_token=spec["refresh_token"], access_token=spec["access_token"],
    access_token_expires_at=timezone.now() - timedelta(minutes=1),
    status=Connection.Status.CONNECTED, org_name="Sandbox org", time_zone="Asia/Kolkata",
)
print(connection.pk)
"""


def app_env(*, database_url: str, static_root: Path, sandbox_url: str) -> dict[str, str]:
    """The production environment, with this test's cache and no retry backoff (faster waves)."""
    return production_env(
        database_url=database_url,
        static_root=static_root,
        sandbox_url=sandbox_url,
        cache_url=os.environ.get("CACHE_URL", "locmemcache://crmadmin"),
        ZOHO_RETRY_BACKOFF="0",
        PYTHONUNBUFFERED="1",
    )


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}"
    return result.stdout


def database_url_of_this_test(tmp_path: Path) -> str:
    """The database the workers share with this test: PostgreSQL's test database, or a file.

    pytest-django keeps a SQLite test database in memory, which no other process can open, so on
    SQLite the workers get a migrated file of their own instead, opened the only way several
    processes can share it: `BEGIN IMMEDIATE` transactions. With SQLite's default deferred
    transactions, two workers inside `refresh_lock` both hold a read lock and both want to write:
    SQLite answers "database is locked" at once (a 500) instead of waiting.
    """
    if db.vendor == "postgresql":
        s = db.settings_dict
        auth = quote(s["USER"] or "", safe="")
        if s["PASSWORD"]:
            auth += ":" + quote(s["PASSWORD"], safe="")
        host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        return f"postgres://{auth}@{host}/{s['NAME']}"
    return f"sqlite:///{tmp_path / 'app.sqlite3'}"


@dataclass
class Result:
    statuses: list[int] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)  # 200s without what the page is for
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def log_in(url: str) -> requests.Session:
    return logged_in_session(
        base_url=url, username=USERNAME, password=PASSWORD, timeout=REQUEST_TIMEOUT
    )


def contact_ids(sandbox, count: int) -> list[str]:
    special = {i for ids in sandbox.special.values() for i in ids.values()}
    rows = sandbox.app.store.all_records("Contacts")
    return [r["id"] for r in rows if r["id"] not in special][:count]


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic with the production storage (WhiteNoise's compressed manifest)."""
    root = tmp_path_factory.mktemp("static")
    env = app_env(
        database_url="sqlite:///:memory:", static_root=root, sandbox_url="http://127.0.0.1:9"
    )
    manage(env, "collectstatic", "--noinput")
    return root


@pytest.fixture
def production_server(transactional_db, sandbox, static_root, tmp_path):
    """gunicorn with WORKERS sync workers on a free loopback port; a staff user and a sandbox
    connection whose access token has expired (here and at the sandbox)."""
    cache.clear()  # the workers share it when it is Redis: no metadata from other tests
    env = app_env(
        database_url=database_url_of_this_test(tmp_path),
        static_root=static_root,
        sandbox_url=sandbox.url,
    )
    if db.vendor != "postgresql":
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
    }
    printed = manage({**env, "CRMADMIN_SEED": json.dumps(seed)}, "shell", "-c", SEED_SCRIPT)
    connection_id = int(printed.split()[-1])
    sandbox.expire_access_tokens()
    with gunicorn_running(env=env, workers=WORKERS, logs=tmp_path, log_requests=True) as server:
        yield server, connection_id


def wave(server: Server, paths_of: list[list[str]]) -> Result:
    """One logged-in session per entry of `paths_of` opens its paths, all released together."""
    sessions = [log_in(server.url) for _ in paths_of]
    barrier = threading.Barrier(len(paths_of), timeout=REQUEST_TIMEOUT)
    result = Result()

    def client(n: int) -> None:
        barrier.wait()
        for path in paths_of[n]:
            started = time.monotonic()
            try:
                page = sessions[n].get(f"{server.url}{path}", timeout=REQUEST_TIMEOUT)
            except requests.RequestException as error:
                with result.lock:
                    result.errors.append(f"{path}: {type(error).__name__}")
                continue
            shows = "record-link" if path.endswith("/Contacts/") else 'id="field-Last_Name"'
            with result.lock:
                if page.status_code == 200 and shows not in page.text:
                    result.blank.append(path)
                result.statuses.append(page.status_code)
                result.seconds.append(time.monotonic() - started)

    threads = [
        threading.Thread(target=client, args=(n,), daemon=True) for n in range(len(paths_of))
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + DEADLINE
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"clients still waiting after {DEADLINE} s"
    return result


def test_a_dozen_clients_on_three_gunicorn_workers_all_get_their_pages_after_one_refresh(
    production_server, sandbox
):
    server, connection_id = production_server
    listing = f"/records/{connection_id}/Contacts/"
    paths_of = [  # half start on the list, half on a record: both call Zoho first thing
        [listing, f"{listing}{record_id}/"][:: 1 if n % 2 else -1]
        for n, record_id in enumerate(contact_ids(sandbox, CLIENTS))
    ]
    before = sandbox.token_requests["refresh_token"]

    result = wave(server, paths_of)

    assert result.errors == []
    assert len(result.statuses) == 2 * CLIENTS
    assert set(result.statuses) == {200}, server.error_log.read_text()[-3000:]
    assert result.blank == []
    assert max(result.seconds) < REQUEST_TIMEOUT
    assert len(server.pids_serving(f"/records/{connection_id}/")) == WORKERS
    refreshes = sandbox.token_requests["refresh_token"] - before
    assert refreshes == 1, "the refresh lock should let exactly one worker refresh"


def test_the_production_server_serves_compressed_static_files_and_secure_headers(
    production_server,
):
    server, _ = production_server

    login = requests.get(f"{server.url}/login/", timeout=REQUEST_TIMEOUT)
    stylesheet = re.search(r'href="(/static/crmadmin/app\.[0-9a-f]+\.css)"', login.text)
    css = requests.get(
        f"{server.url}{stylesheet.group(1)}",
        timeout=REQUEST_TIMEOUT,
        headers={"Accept-Encoding": "gzip"},
    )

    assert login.headers["X-Frame-Options"] == "DENY"
    assert login.headers["X-Content-Type-Options"] == "nosniff"
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in css.headers["Cache-Control"]
