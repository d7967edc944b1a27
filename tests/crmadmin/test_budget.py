"""The API budget governor (crmadmin/budget.py): slots shared through the database or Redis,
credits counted per call and per hour, what the job loop and the health page see."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
import responses
from django.db import connections as db_connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crmadmin import budget, jobs
from crmadmin.models import ApiLease, ApiUsageHour, BulkJob, Connection
from crmadmin.zoho import client_for
from tests.crmadmin.test_jobs import PUT_URL, all_ok, make_job
from updater.records import records_update

URL = "https://zoho.test/crm/v8/Leads"


@pytest.mark.parametrize(
    ("method", "path", "body", "credits"),
    [
        ("GET", "/crm/v8/Leads", None, 1),
        ("GET", "/crm/v8/settings/fields", None, 1),
        ("PUT", "/crm/v8/Leads", json.dumps({"data": [{"id": "1"}] * 100}), 10),
        ("PUT", "/crm/v8/Leads", json.dumps({"data": [{"id": "1"}] * 11}), 2),
        ("PUT", "/crm/v8/Leads/1", json.dumps({"data": [{"Last_Name": "x"}]}), 1),
        ("POST", "/crm/v8/Leads/1/actions/convert", json.dumps({"data": [{}]}), 5),
        ("POST", "/crm/v8/__composite_requests", json.dumps({"__composite_requests": []}), 2),
        ("PUT", "/crm/v8/Leads", b"not json", 1),
    ],
)
def test_credits_for_counts_each_call_by_the_reference_rules(method, path, body, credits):
    assert budget.credits_for(method=method, path=path, body=body) == credits


@pytest.mark.parametrize(
    ("edition", "concurrency", "share", "limit", "job_slots"),
    [
        (Connection.Edition.FREE, None, 50, 5, 2),
        (Connection.Edition.STANDARD, None, 50, 10, 5),
        (Connection.Edition.ULTIMATE, None, 50, 25, 12),
        (Connection.Edition.ENTERPRISE, 3, 50, 3, 1),
        (Connection.Edition.ENTERPRISE, 3, 100, 3, 3),
    ],
)
def test_limits_come_from_the_edition_unless_set(edition, concurrency, share, limit, job_slots):
    connection = Connection(edition=edition, max_concurrency=concurrency, job_share=share)
    assert budget.concurrency_of(connection) == limit
    assert budget.job_slots_of(connection) == job_slots


def test_people_try_the_slots_jobs_may_not_take_first(zoho):
    connection = zoho.connection
    connection.max_concurrency, connection.job_share = 4, 50

    people = budget.slot_order(connection, priority=budget.INTERACTIVE)
    background = budget.slot_order(connection, priority=budget.BACKGROUND)

    assert sorted(people[:2]) == [2, 3] and sorted(people) == [0, 1, 2, 3]
    assert sorted(background) == [0, 1]


def test_no_more_than_k_slots_are_held_and_a_person_waiting_too_long_is_told_busy(zoho):
    connection = zoho.connection
    connection.max_concurrency = 2
    connection.save()
    with (
        budget.slot_held(connection, priority=budget.INTERACTIVE, wait=0),
        budget.slot_held(connection, priority=budget.INTERACTIVE, wait=0),
    ):
        assert budget.in_flight(connection) == 2
        with (
            pytest.raises(budget.SlotWaitTimeout) as refused,
            budget.slot_held(connection, priority=budget.INTERACTIVE, wait=0.05),
        ):
            pass
    assert refused.value.code == "TOO_MANY_REQUESTS" and refused.value.retry_after == 2.0
    assert budget.in_flight(connection) == 0


def test_a_job_may_not_take_the_slots_kept_for_people(zoho):
    connection = zoho.connection
    connection.max_concurrency, connection.job_share = 2, 50
    connection.save()
    with budget.slot_held(connection, priority=budget.BACKGROUND, wait=0):
        with (
            pytest.raises(budget.SlotWaitTimeout),
            budget.slot_held(connection, priority=budget.BACKGROUND, wait=0),
        ):
            pass
        with budget.slot_held(connection, priority=budget.INTERACTIVE, wait=0):
            assert budget.in_flight(connection) == 2


@override_settings(ZOHO_BUDGET_REDIS_URL="", ZOHO_BUDGET_LOCK_FOLDER="")  # the database leases
def test_an_expired_lease_of_a_crashed_process_frees_its_slot(zoho):
    connection = zoho.connection
    connection.max_concurrency = 1
    connection.save()
    ApiLease.objects.create(
        connection=connection,
        slot=0,
        token="crashed",
        expires_at=timezone.now() - timedelta(seconds=1),
    )

    with budget.slot_held(connection, priority=budget.INTERACTIVE, wait=0):
        assert list(ApiLease.objects.values_list("token", flat=True)) != ["crashed"]


def _peak_of_twelve_callers(connection: Connection) -> int:
    """The most calls in flight at once while 12 threads each hold a slot for 20 ms."""
    peak, current, lock = [0], [0], threading.Lock()

    def call() -> None:
        try:
            with budget.slot_held(connection, priority=budget.INTERACTIVE, wait=10):
                with lock:
                    current[0] += 1
                    peak[0] = max(peak[0], current[0])
                threading.Event().wait(0.02)
                with lock:
                    current[0] -= 1
        finally:
            db_connections.close_all()  # each thread's own database connection

    threads = [threading.Thread(target=call) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return peak[0]


@override_settings(ZOHO_BUDGET_REDIS_URL="", ZOHO_BUDGET_LOCK_FOLDER="")  # the database leases
def test_the_database_slots_hold_under_threads(transactional_db, editors_group):
    connection = Connection.objects.create(name="T", client_id="x", scopes="a", max_concurrency=3)
    assert _peak_of_twelve_callers(connection) <= 3
    assert ApiLease.objects.count() == 0


@pytest.fixture
def file_slots(tmp_path):
    budget._slots_for.cache_clear()
    with override_settings(ZOHO_BUDGET_REDIS_URL="", ZOHO_BUDGET_LOCK_FOLDER=str(tmp_path)):
        yield tmp_path
    budget._slots_for.cache_clear()


def test_file_slots_hold_under_threads_and_leave_no_lease_rows(transactional_db, file_slots):
    connection = Connection.objects.create(name="T", client_id="x", scopes="a", max_concurrency=3)
    assert _peak_of_twelve_callers(connection) == 3  # all three slots were used, never a fourth
    assert ApiLease.objects.count() == 0
    assert sorted(path.name for path in file_slots.iterdir()) == [
        f"{connection.pk}-{slot}.lock" for slot in range(3)
    ]


def test_a_file_slot_is_held_across_processes_and_freed_when_its_holder_dies(zoho, file_slots):
    connection = zoho.connection
    connection.max_concurrency = 1
    connection.save()
    # Another process takes the only slot (the same flock on the same file), then is killed.
    holder = subprocess.Popen(  # noqa: S603 - a fixed command, no input
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
            str(file_slots / f"{connection.pk}-0.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert budget.in_flight(connection) == 1
        with (
            pytest.raises(budget.SlotWaitTimeout),
            budget.slot_held(connection, priority=budget.INTERACTIVE, wait=0),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()

    with (
        CaptureQueriesContext(db_connections["default"]) as queries,
        budget.slot_held(connection, priority=budget.INTERACTIVE, wait=0),
    ):
        assert budget.in_flight(connection) == 1
    assert budget.in_flight(connection) == 0
    assert queries.captured_queries == []  # a slot costs no database statement


def _redis_emptied(url: str):
    """A client of the Redis database at ``url``, emptied; the test is skipped without Redis."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


@pytest.fixture
def redis_slots():
    url = "redis://127.0.0.1:6379/5"
    client = _redis_emptied(url)
    budget._slots_for.cache_clear()
    with override_settings(ZOHO_BUDGET_REDIS_URL=url):
        yield client
    budget._slots_for.cache_clear()


def test_redis_slots_are_locks_that_expire_and_are_released_by_their_holder(zoho, redis_slots):
    connection = zoho.connection
    connection.max_concurrency = 1
    connection.save()
    key = f"crmadmin:budget:{connection.pk}:slot:0"
    with budget.slot_held(connection, priority=budget.INTERACTIVE, wait=0):
        assert budget.in_flight(connection) == 1
        assert 0 < redis_slots.pttl(key) <= 30_000
        with (
            pytest.raises(budget.SlotWaitTimeout),
            budget.slot_held(connection, priority=budget.INTERACTIVE, wait=0),
        ):
            pass
    assert not redis_slots.exists(key)
    assert ApiLease.objects.count() == 0


def test_each_api_call_counts_its_credits_and_zohos_remaining_count(zoho):
    zoho.add(
        responses.PUT,
        URL,
        json={"data": []},
        headers={"X-API-CREDITS-REMAINING": "1234"},
    )
    client = client_for(zoho.connection)
    records_update(client=client, module="Leads", records=[{"id": str(n)} for n in range(25)])

    row = ApiUsageHour.objects.get(connection=zoho.connection)
    assert (row.credits, row.calls, row.rate_limited) == (3, 1, 0)
    zoho.connection.refresh_from_db()
    assert zoho.connection.credits_remaining == 1234
    assert ApiLease.objects.count() == 0


@override_settings(ZOHO_BUDGET_COUNT_IN_CACHE=True)
def test_with_a_shared_cache_credits_are_counted_there_and_written_in_batches(zoho):
    zoho.add(responses.PUT, URL, json={"data": []})
    client = client_for(zoho.connection)
    records_update(client=client, module="Leads", records=[{"id": "1"}])  # writes the first
    assert ApiUsageHour.objects.get(connection=zoho.connection).calls == 1

    records_update(client=client, module="Leads", records=[{"id": str(n)} for n in range(25)])

    row = ApiUsageHour.objects.get(connection=zoho.connection)
    assert (row.credits, row.calls) == (1, 1)  # the second call is not written yet
    seen = budget.budget_of(zoho.connection)  # but every process reading the cache counts it
    assert (seen.used, seen.hours[-1].calls) == (4, 2)
    budget.usage_flush(zoho.connection.pk)
    row.refresh_from_db()
    assert (row.credits, row.calls, row.rate_limited) == (4, 2, 0)
    assert budget.budget_of(zoho.connection).used == 4


def test_a_429_from_zoho_is_counted_and_reaches_the_caller(zoho):
    zoho.add(
        responses.PUT,
        URL,
        status=429,
        json={"code": "TOO_MANY_REQUESTS", "details": {}, "message": "x", "status": "error"},
        headers={"Retry-After": "7"},
    )
    from updater.errors import RateLimitError

    with pytest.raises(RateLimitError) as raised:
        records_update(client=client_for(zoho.connection), module="Leads", records=[{"id": "1"}])

    assert raised.value.retry_after == 7
    assert ApiUsageHour.objects.get(connection=zoho.connection).rate_limited == 1
    zoho.connection.refresh_from_db()
    assert zoho.connection.last_rate_limited_at is not None


def test_budget_sums_the_last_24_hours_and_takes_zohos_lower_count(zoho):
    connection = zoho.connection
    connection.edition, connection.credit_reserve = Connection.Edition.FREE, 1000
    now = timezone.now().replace(minute=30)
    hour = now.replace(minute=0, second=0, microsecond=0)
    ApiUsageHour.objects.create(connection=connection, hour=hour, credits=100, calls=50)
    ApiUsageHour.objects.create(
        connection=connection, hour=hour - timedelta(hours=5), credits=40, calls=4, rate_limited=2
    )
    ApiUsageHour.objects.create(connection=connection, hour=hour - timedelta(hours=30), credits=999)

    counted = budget.budget_of(connection, now=now)
    assert (counted.used, counted.remaining, counted.rate_limited) == (140, 4860, 2)
    assert len(counted.hours) == 24 and counted.hours[-1].credits == 100

    connection.credits_remaining, connection.credits_remaining_at = 900, now
    reported = budget.budget_of(connection, now=now)
    assert reported.remaining == 800  # 900 said by Zoho this hour, less the 100 spent since
    assert reported.below_reserve


def test_a_job_pauses_below_the_reserve_and_says_why_on_its_page(zoho, editor_user, client):
    connection = zoho.connection
    connection.daily_credits, connection.credit_reserve = 500, 100
    connection.save()
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    usage = ApiUsageHour.objects.create(connection=connection, hour=hour, credits=450)
    job = make_job(connection, editor_user, count=3)
    zoho.add_callback(responses.PUT, PUT_URL, callback=all_ok)
    seen = []

    def sleep(seconds: float) -> None:
        job.refresh_from_db()
        seen.append((job.status, job.wait_reason))
        usage.credits = 0  # the day rolls on: credits come free again
        usage.save()

    assert jobs.job_run(job_id=job.pk, sleep=sleep) == BulkJob.Status.FINISHED
    status, reason = seen[0]
    assert status == BulkJob.Status.WAITING
    assert reason.startswith("Paused for API budget: 50 of the org's 500 daily credits")

    job.refresh_from_db()
    job.status, job.wait_reason = BulkJob.Status.WAITING, reason
    job.save()
    client.force_login(editor_user)
    page = client.get(f"/jobs/{job.pk}/")
    assert "Paused for API budget" in page.content.decode()


def test_people_save_while_a_job_pauses_below_the_reserve(zoho):
    connection = zoho.connection
    connection.daily_credits, connection.credit_reserve = 500, 100
    connection.save()
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    ApiUsageHour.objects.create(connection=connection, hour=hour, credits=450)
    zoho.add_callback(responses.PUT, URL, callback=all_ok)

    assert budget.job_hold(connection) is not None
    saved = records_update(client=client_for(connection), module="Leads", records=[{"id": "1"}])
    assert saved[0].code == "SUCCESS"


def test_health_page_shows_credits_reserve_calls_in_flight_and_429s(zoho, staff_client):
    connection = zoho.connection
    connection.edition, connection.credit_reserve = Connection.Edition.FREE, 700
    connection.save()
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    ApiUsageHour.objects.create(
        connection=connection, hour=hour, credits=120, calls=80, rate_limited=3
    )

    html = staff_client.get(f"/connections/{connection.pk}/").content.decode()

    assert 'value="120"' in html and "120 of 5000" in html
    assert '<dd id="credit-reserve">700 ' in html
    assert '<dd id="calls-in-flight">0 of 5 ' in html
    assert '<dd id="rate-limited">3' in html
    assert html.count('<li title="') == 24
    assert "style=" not in html.split('id="connection-budget"')[1].split("</section>")[0]


def test_a_call_crmadmin_held_back_is_not_worded_as_zohos_refusal():
    from crmadmin.budget import SlotWaitTimeout
    from crmadmin.problems import problem_for

    error = SlotWaitTimeout(
        status=429, code="TOO_MANY_REQUESTS", message="all 3 calls in use", retry_after=2
    )
    problem = problem_for(error)

    assert problem.title == "Too many calls to Zoho at once"
    assert "crmadmin held this request back, unsent" in problem.detail
    assert "Try again in about 2 seconds." in problem.detail
    assert "Zoho asks" not in problem.detail


@pytest.fixture
def redis_cache():
    """Django's default cache on Redis (database 6), whatever the run's own cache is."""
    url = "redis://127.0.0.1:6379/6"
    client = _redis_emptied(url)
    backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    budget._slots_for.cache_clear()
    # The slots stay off Redis (file locks or database leases): only the counts are counted here.
    with override_settings(
        CACHES={"default": backend}, ZOHO_BUDGET_COUNT_IN_CACHE=True, ZOHO_BUDGET_REDIS_URL=""
    ):
        yield client
    budget._slots_for.cache_clear()


def test_on_redis_an_api_calls_counts_and_success_cost_three_round_trips_and_read_back(
    zoho, redis_cache, monkeypatch
):
    from redis.connection import AbstractConnection

    from crmadmin.zoho import calls_shown

    zoho.add(responses.GET, URL, json={"data": []})
    client = client_for(zoho.connection)
    client.request("GET", "Leads")  # creates the counters (and gives them their lifetime)
    sent: list[bytes] = []
    send = AbstractConnection.send_packed_command

    def spy(self, command, check_health=True):
        sent.append(b"".join(command) if isinstance(command, list) else command)
        return send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", spy)
    client.request("GET", "Leads")
    monkeypatch.undo()

    # The call's count and gate, its credits and calls, its success: one pipeline each.
    assert len(sent) == 3, [c.replace(b"\r\n", b" ")[:70] for c in sent]
    assert b"INCRBY" in sent[0] and b"crmadmin:calls:" in sent[0] and b"NX" in sent[0]
    assert sent[1].count(b"INCRBY") == 2 and b"crmadmin:usage:" in sent[1]
    assert b"crmadmin:calls:" in sent[2] and b"success" in sent[2]
    # What the pipelines wrote, Django's cache reads: the health page and the budget count both
    # calls (the first was written at once, the second is pending in the cache).
    shown = calls_shown(Connection.objects.get(pk=zoho.connection.pk))
    assert shown.calls_today == 2
    assert shown.last_success_at is not None
    assert budget.budget_of(zoho.connection).hours[-1].calls == 2
    counters = redis_cache.keys("*crmadmin:calls:*-*") + redis_cache.keys("*crmadmin:usage:*")
    assert counters and all(
        0 < redis_cache.ttl(key) <= budget.PENDING_TTL_SECONDS for key in counters
    )


@override_settings(ZOHO_CALLS_FLUSH_SECONDS=0)
def test_on_redis_a_flush_interval_of_zero_writes_every_call(zoho, redis_cache):
    zoho.add(responses.GET, URL, json={"data": []})
    client = client_for(zoho.connection)
    for _ in range(3):
        client.request("GET", "Leads")

    assert ApiUsageHour.objects.get(connection=zoho.connection).calls == 3
    assert zoho.connection.call_days.get().calls == 3


def test_on_redis_a_call_zoho_answered_is_not_an_error_when_its_counts_are_not_taken(
    zoho, redis_cache, monkeypatch, caplog
):
    from redis.client import Pipeline
    from redis.exceptions import ConnectionError as RedisConnectionError

    zoho.add(responses.PUT, URL, json={"data": [{"code": "SUCCESS", "details": {"id": "1"}}]})
    client = client_for(zoho.connection)

    def refused(self, raise_on_error=True):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(Pipeline, "execute", refused)
    records_update(client=client, module="Leads", records=[{"id": "1"}])  # no exception

    assert len(zoho.calls) == 1
    assert "API call counts not kept: Redis answered ConnectionError" in caplog.text
