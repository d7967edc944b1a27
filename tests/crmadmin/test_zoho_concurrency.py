"""Many workers finding one expired token cause exactly one refresh at the token endpoint.

On PostgreSQL the lock is `SELECT ... FOR UPDATE` on the connection row, so it also holds across
processes and machines; on SQLite a per-process lock stands in (SQLite ignores FOR UPDATE).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection as db
from django.db import connections
from django.utils import timezone

from crmadmin.models import ApiCallLog, Connection
from crmadmin.zoho import calls_flush, client_for
from tests.fixtures.connections import connection_to

WORKERS = 20


def _refreshes(sandbox) -> int:
    """Refresh requests that reached the sandbox's token endpoint so far."""
    return sandbox.token_requests["refresh_token"]


def _run_workers(connection: Connection, count: int) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            client_for(connection).request("GET", "org")
        except BaseException as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _expired(sandbox) -> Connection:
    connection = connection_to(sandbox)
    sandbox.expire_access_tokens()
    Connection.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    return connection


@pytest.mark.postgres
def test_twenty_workers_with_an_expired_token_cause_one_refresh_on_postgresql(
    transactional_db, sandbox
):
    if db.vendor != "postgresql":
        pytest.skip("the row lock needs PostgreSQL (CI runs this with DATABASE_URL=postgres://…)")
    connection = _expired(sandbox)
    before = _refreshes(sandbox)

    errors = _run_workers(connection, WORKERS)

    assert errors == []
    assert _refreshes(sandbox) - before == 1
    calls_flush(connection.pk)
    assert ApiCallLog.objects.get(connection=connection).calls >= WORKERS
    connection.refresh_from_db()
    assert connection.access_token_expires_at > timezone.now() + timedelta(minutes=50)


def test_threads_of_one_process_share_one_refresh_on_any_database(transactional_db, sandbox):
    connection = _expired(sandbox)
    before = _refreshes(sandbox)

    errors = _run_workers(connection, 5)

    assert errors == []
    assert _refreshes(sandbox) - before == 1
