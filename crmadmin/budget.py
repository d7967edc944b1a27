"""The governor of each connection's Zoho API budget, shared by every crmadmin process.

Zoho limits an org two ways (zoho-api.md §4.4) and answers 429 TOO_MANY_REQUESTS past either:

- **Calls in flight at once** (per edition: Free 5, Standard 10, Professional 15, Enterprise 20,
  Ultimate 25) **[M/H]**. crmadmin holds a *slot* for every API call, from the moment it is sent
  until its answer is read: at most K slots exist per connection (``Connection.max_concurrency``,
  or the edition's). A slot is a lease that expires on its own, so a crashed worker frees its slot
  after ``ZOHO_BUDGET_LEASE_SECONDS`` at most. Two stores keep the slots, one algorithm:
  Redis when ``ZOHO_BUDGET_REDIS_URL`` is set (each slot is a redis-py ``Lock``: ``SET NX PX``
  with a token, released only by its holder), otherwise the database (one ``ApiLease`` row per
  slot; the unique (connection, slot) pair makes it a semaphore on SQLite and PostgreSQL alike,
  across processes and machines).
- **Credits per rolling 24 hours**, counted per call by ``credits_for`` and kept per clock hour in
  ``ApiUsageHour`` (the rolling window is the last 24 hourly rows). Zoho's own count, when it sends
  ``X-API-CREDITS-REMAINING``, is stored on the connection and wins when it is lower.

Priorities: a person waiting (``INTERACTIVE``) may take any of the K slots and tries the ones jobs
may not use first; a bulk job (``BACKGROUND``) may take only the first ``job_share`` percent of
them, so people always find free slots. ``job_hold`` tells the job loop when to pause: credits
below the connection's reserve, or every slot busy (a 429 from Zoho itself is waited out by the job
loop, for its Retry-After).
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache as django_cache
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from redis.exceptions import RedisError

from crmadmin.models import ApiLease, ApiUsageHour, Connection
from updater.errors import RateLimitError

log = logging.getLogger(__name__)

INTERACTIVE = "interactive"
BACKGROUND = "background"

Edition = Connection.Edition


@dataclass(frozen=True)
class EditionLimits:
    concurrency: int
    daily_credits: int  # the base; Zoho adds credits per user licence up to a cap


# zoho-api.md §4.4: concurrency per edition [M/H]; credits per 24 h: Free 5,000, the others
# 50,000 + a number per user licence (not known to crmadmin: set Connection.daily_credits).
EDITIONS = {
    Edition.FREE: EditionLimits(concurrency=5, daily_credits=5_000),
    Edition.STANDARD: EditionLimits(concurrency=10, daily_credits=50_000),
    Edition.PROFESSIONAL: EditionLimits(concurrency=15, daily_credits=50_000),
    Edition.ENTERPRISE: EditionLimits(concurrency=20, daily_credits=50_000),
    Edition.ULTIMATE: EditionLimits(concurrency=25, daily_credits=50_000),
}

# Credits per call (zoho-api.md §4.4). Documented [H]: most calls cost 1, Convert Lead 5, a
# composite request 1-2 (we count 2). Assumed [L] (one source, APIEV): insert/update/upsert cost
# 1 credit per 10 records; we count it, as the budget should err on the side of spending less.
CONVERT_CREDITS = 5
COMPOSITE_CREDITS = 2
RECORDS_PER_WRITE_CREDIT = 10
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})

WAITING_FOR_SLOT = (
    "Waiting for API budget: the calls this org may have at once are all in use; the job goes "
    "on when one is free."
)


def credits_for(*, method: str, path: str, body: bytes | str | None) -> int:
    """The credits one API call costs (see the table above)."""
    parts = [part for part in path.split("/") if part]
    if parts[-2:] == ["actions", "convert"]:
        return CONVERT_CREDITS
    if "__composite_requests" in parts:
        return COMPOSITE_CREDITS
    if method.upper() in WRITE_METHODS and body:
        try:
            data = json.loads(body).get("data")
        except (ValueError, AttributeError):
            data = None
        if isinstance(data, list) and data:
            return math.ceil(len(data) / RECORDS_PER_WRITE_CREDIT)
    return 1


def is_api_call(url: str) -> bool:
    """Calls to the CRM API count against the budget; token requests to the accounts server not."""
    return urlsplit(url).path.startswith("/crm/")


# -- the limits of one connection ---------------------------------------------------------------


def concurrency_of(connection: Connection) -> int:
    return connection.max_concurrency or EDITIONS[Edition(connection.edition)].concurrency


def job_slots_of(connection: Connection) -> int:
    """The slots bulk jobs may take: ``job_share`` percent of K, at least one."""
    return max(1, math.floor(concurrency_of(connection) * connection.job_share / 100))


def daily_credits_of(connection: Connection) -> int:
    return connection.daily_credits or EDITIONS[Edition(connection.edition)].daily_credits


# -- slots: one algorithm, three stores -------------------------------------------------------


class DatabaseSlots:
    """Slots as ``ApiLease`` rows; the unique (connection, slot) constraint is the semaphore."""

    def try_take(
        self, *, connection_id: int, slots: list[int], token: str, background: bool, ttl: float
    ) -> int | None:
        now = timezone.now()
        try:
            held = dict(
                ApiLease.objects.filter(connection_id=connection_id).values_list(
                    "slot", "expires_at"
                )
            )
            free = [slot for slot in slots if slot not in held]
            if not free and any(held[slot] < now for slot in slots):
                # Only now clear the leases of crashed processes (one write less per call).
                ApiLease.objects.filter(connection_id=connection_id, expires_at__lt=now).delete()
                free = [slot for slot in slots if held[slot] < now]
            for slot in free:
                try:
                    with transaction.atomic():
                        ApiLease.objects.create(
                            connection_id=connection_id,
                            slot=slot,
                            token=token,
                            background=background,
                            expires_at=now + timedelta(seconds=ttl),
                        )
                except IntegrityError:
                    continue  # another process took it between our read and our insert
                return slot
        except OperationalError:
            # SQLite's write lock stayed busy past its timeout: no slot this round.
            log.warning(
                "budget: database busy while taking a slot for connection %s", connection_id
            )
        return None

    def give_back(self, *, connection_id: int, slot: int, token: str) -> None:
        ApiLease.objects.filter(connection_id=connection_id, slot=slot, token=token).delete()

    def in_flight(self, *, connection_id: int) -> int:
        return ApiLease.objects.filter(
            connection_id=connection_id, expires_at__gte=timezone.now()
        ).count()


class RedisSlots:
    """Slots as redis-py Locks (``SET key token NX PX ttl``), which expire on their own."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)
        self._held: dict[tuple[int, int, str], Any] = {}

    def _key(self, connection_id: int, slot: int) -> str:
        return f"crmadmin:budget:{connection_id}:slot:{slot}"

    def try_take(
        self, *, connection_id: int, slots: list[int], token: str, background: bool, ttl: float
    ) -> int | None:
        for slot in slots:
            lock = self.redis.lock(self._key(connection_id, slot), timeout=ttl, blocking=False)
            if lock.acquire(token=token):
                self._held[(connection_id, slot, token)] = lock
                return slot
        return None

    def give_back(self, *, connection_id: int, slot: int, token: str) -> None:
        from redis.exceptions import LockError

        lock = self._held.pop((connection_id, slot, token), None)
        if lock is None:
            return
        # A LockError: the lease expired (the call outlived it) and may be someone else's now.
        with suppress(LockError):
            lock.release()

    def in_flight(self, *, connection_id: int) -> int:
        keys = list(self.redis.scan_iter(match=f"crmadmin:budget:{connection_id}:slot:*"))
        return len(keys)


class FileSlots:
    """Slots as OS file locks (``flock``), one file per slot in ``folder``: for one host, the
    SQLite default, where the web process and the task worker share no Redis. Taking and giving
    back a slot writes nothing to the database, and the kernel frees the lock of a process that
    dies (no lease to expire). Each take opens its own file, so threads of one process exclude
    each other too."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self._held: dict[tuple[int, int, str], int] = {}
        self._guard = threading.Lock()

    def _path(self, connection_id: int, slot: int) -> Path:
        return self.folder / f"{connection_id}-{slot}.lock"

    def _locked(self, connection_id: int, slot: int) -> int | None:
        """An open descriptor holding the slot's lock, or None when another holds it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path(connection_id, slot), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    def try_take(
        self, *, connection_id: int, slots: list[int], token: str, background: bool, ttl: float
    ) -> int | None:
        for slot in slots:
            fd = self._locked(connection_id, slot)
            if fd is not None:
                with self._guard:
                    self._held[(connection_id, slot, token)] = fd
                return slot
        return None

    def give_back(self, *, connection_id: int, slot: int, token: str) -> None:
        with self._guard:
            fd = self._held.pop((connection_id, slot, token), None)
        if fd is not None:
            os.close(fd)  # closing the last descriptor of the file releases its lock

    def in_flight(self, *, connection_id: int) -> int:
        held = 0
        for path in self.folder.glob(f"{connection_id}-*.lock"):
            slot = int(path.stem.rsplit("-", 1)[1])
            fd = self._locked(connection_id, slot)
            if fd is None:
                held += 1
            else:
                os.close(fd)
        return held


@cache
def _slots_for(redis_url: str, lock_folder: str) -> DatabaseSlots | RedisSlots | FileSlots:
    if redis_url:
        return RedisSlots(redis_url)
    return FileSlots(lock_folder) if lock_folder else DatabaseSlots()


def slots() -> DatabaseSlots | RedisSlots | FileSlots:
    """The configured store of slots: Redis when ``ZOHO_BUDGET_REDIS_URL`` is set, else file
    locks when ``ZOHO_BUDGET_LOCK_FOLDER`` is (the SQLite default), else the database."""
    return _slots_for(settings.ZOHO_BUDGET_REDIS_URL, str(settings.ZOHO_BUDGET_LOCK_FOLDER or ""))


def slot_order(connection: Connection, *, priority: str) -> list[int]:
    """Which slots a caller may take, in the order it tries them.

    Jobs get slots 0..J-1 only. People get all K, the ones jobs cannot take first; within each
    group the order is shuffled so that callers do not all queue on the same row or key.
    """
    limit, job_slots = concurrency_of(connection), job_slots_of(connection)
    if priority == BACKGROUND:
        ordered = list(range(job_slots))
        random.shuffle(ordered)
        return ordered
    people_only, shared = list(range(job_slots, limit)), list(range(job_slots))
    random.shuffle(people_only)
    random.shuffle(shared)
    return people_only + shared


class SlotWaitTimeout(RateLimitError):
    """No slot came free in time: crmadmin's own limit refused the call before it was sent."""

    # Read by crmadmin.problems: the words must say crmadmin held the call back, not Zoho.
    held_back = True


@contextmanager
def slot_held(
    connection: Connection,
    *,
    priority: str,
    wait: float,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Iterator[float]:
    """Hold one of the connection's slots for the duration of a call; yields the seconds waited.

    Waits at most ``wait`` seconds, then raises a 429-like ``RateLimitError`` (nothing was sent,
    so the caller may try again), which the problems module words as crmadmin holding the call back.
    """
    store, token = slots(), uuid.uuid4().hex
    order = slot_order(connection, priority=priority)
    ttl = settings.ZOHO_BUDGET_LEASE_SECONDS
    started = monotonic()
    pause = 0.02
    while True:
        slot = store.try_take(
            connection_id=connection.pk,
            slots=order,
            token=token,
            background=priority == BACKGROUND,
            ttl=ttl,
        )
        if slot is not None:
            break
        if monotonic() - started + pause > wait:
            raise SlotWaitTimeout(
                status=429,
                code="TOO_MANY_REQUESTS",
                message=f"all {concurrency_of(connection)} calls this connection may have in "
                "flight at once are in use",
                retry_after=settings.ZOHO_BUDGET_RETRY_SECONDS,
            )
        sleep(pause * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret
        pause = min(pause * 2, 0.25)
    try:
        yield monotonic() - started
    finally:
        store.give_back(connection_id=connection.pk, slot=slot, token=token)


def in_flight(connection: Connection) -> int:
    return slots().in_flight(connection_id=connection.pk)


# -- credits --------------------------------------------------------------------------------


def _this_hour(now: datetime | None = None) -> datetime:
    return (now or timezone.now()).replace(minute=0, second=0, microsecond=0)


# Counters kept in Django's cache (atomic increments on Redis and locmem), written to the database
# in batches: the API call log and last success (crmadmin.zoho) always; the hourly credits when the
# cache is shared by every process (ZOHO_BUDGET_COUNT_IN_CACHE, on by default with Redis), so
# that every process reads the same count (the written rows plus what is pending).
PENDING_TTL_SECONDS = 3 * 24 * 3600
USAGE_FIELDS = ("credits", "calls", "rate_limited")


def cache_count(key: str, delta: int = 1) -> int:
    """Add ``delta`` to the counter at ``key`` (atomic on Redis and locmem); its new value."""
    try:
        return django_cache.incr(key, delta)  # the usual case: the counter is there
    except ValueError:
        if django_cache.add(key, delta, PENDING_TTL_SECONDS):
            return delta
        return django_cache.incr(key, delta)  # another process added it meanwhile


def cache_take(key: str) -> int:
    """Take the counter at ``key`` (leaving what other processes add meanwhile); its value."""
    value = django_cache.get(key) or 0
    if value:
        try:
            django_cache.decr(key, value)
        except ValueError:  # gone meanwhile: nothing to take
            return 0
    return value


@dataclass(frozen=True)
class Counted:
    counts: dict[str, int]  # each counter's new value
    opened: frozenset[str]  # the flush gates this caller opened: it writes the batch


def cache_note(
    *,
    counts: Mapping[str, int] | None = None,
    values: Mapping[str, Any] | None = None,
    gates: Sequence[str] = (),
) -> Counted:
    """Add to counters, set values and try flush gates (``flush_due``), all in one round trip
    when the cache is Redis: every API call notes its count, credits and success this way, and
    an open made fifteen Redis round trips before (issue #16). Elsewhere (the per-process locmem
    cache) one cache call each, which costs no round trip.

    On Redis the commands go in one pipeline straight to the cache's client, with the cache's own
    keys and serializer, so ``django_cache.get`` reads what is written here. Each count also
    renews its counter's lifetime (the pending counts outlive any flush interval).
    """
    counts, values = dict(counts or {}), dict(values or {})
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        new = {key: cache_count(key, delta) for key, delta in counts.items()}
        for key, value in values.items():
            django_cache.set(key, value, PENDING_TTL_SECONDS)
        opened = [
            gate
            for gate in gates
            if django_cache.add(f"{gate}:flushed", 1, settings.ZOHO_CALLS_FLUSH_SECONDS)
        ]
        return Counted(counts=new, opened=frozenset(opened))
    key_of = backend.make_and_validate_key
    client = backend._cache.get_client(write=True)  # Django's own Redis client
    dumps = backend._cache._serializer.dumps  # as Django's cache.set stores
    pipe = client.pipeline(transaction=False)
    for key, delta in counts.items():
        pipe.incrby(key_of(key), delta)
        pipe.expire(key_of(key), PENDING_TTL_SECONDS)  # it lives on while it is counted
    for key, value in values.items():
        pipe.set(key_of(key), dumps(value), ex=PENDING_TTL_SECONDS)
    gate_ms = int(settings.ZOHO_CALLS_FLUSH_SECONDS * 1000)
    for gate in gates:  # as Django's cache.add: a gate that lasts no time is always open
        if gate_ms > 0:
            pipe.set(key_of(f"{gate}:flushed"), 1, nx=True, px=gate_ms)
    try:
        answers = pipe.execute()
    except RedisError as error:
        # Counts are for people to read (the budget keeps its own slots): a call that Zoho
        # answered is never turned into an error because Redis did not take its count.
        log.warning("API call counts not kept: Redis answered %s", type(error).__name__)
        return Counted(counts=dict.fromkeys(counts, 0), opened=frozenset())
    new = dict(zip(counts, answers[: 2 * len(counts) : 2], strict=True))
    tried = iter(answers[2 * len(counts) + len(values) :])
    opened = [gate for gate in gates if gate_ms <= 0 or next(tried)]
    return Counted(counts=new, opened=frozenset(opened))


def flush_due(counted: Counted, gate: str, pending: int = 0) -> bool:
    """True for one caller per interval (per connection, across processes that share the
    cache: the one that opened ``gate``), or when a batch is full."""
    return pending >= settings.ZOHO_CALLS_FLUSH_BATCH or gate in counted.opened


def _usage_key(connection_id: int, hour: datetime, field: str) -> str:
    return f"crmadmin:usage:{connection_id}:{hour:%Y%m%d%H}:{field}"


def _last_hours(now: datetime | None = None) -> list[datetime]:
    start = _this_hour(now) - timedelta(hours=23)
    return [start + timedelta(hours=n) for n in range(24)]


def usage_record(
    *,
    connection_id: int,
    credits: int,
    rate_limited: bool = False,
    credits_remaining: int | None = None,
) -> None:
    """Count one call's credits (and a 429) in this hour's row; note Zoho's own remaining count."""
    hour = _this_hour()
    counts = {"credits": credits, "calls": 1, "rate_limited": int(rate_limited)}
    if settings.ZOHO_BUDGET_COUNT_IN_CACHE:
        gate = f"crmadmin:usage:{connection_id}"
        counted = cache_note(
            counts={_usage_key(connection_id, hour, f): n for f, n in counts.items() if n},
            gates=[gate],
        )
        if flush_due(counted, gate, counted.counts[_usage_key(connection_id, hour, "calls")]):
            usage_flush(connection_id)
    else:
        _usage_write(connection_id, hour, counts)
    seen: dict[str, Any] = {}
    if credits_remaining is not None:
        seen.update(credits_remaining=credits_remaining, credits_remaining_at=timezone.now())
    if rate_limited:
        seen["last_rate_limited_at"] = timezone.now()
    if seen:
        Connection.objects.filter(pk=connection_id).update(**seen)


def usage_flush(connection_id: int) -> None:
    """Write the hourly counts pending in the cache to the connection's ApiUsageHour rows."""
    for hour, counts in usage_pending(connection_id).items():
        taken = {field: cache_take(_usage_key(connection_id, hour, field)) for field in counts}
        if any(taken.values()):
            _usage_write(
                connection_id, hour, {field: taken.get(field, 0) for field in USAGE_FIELDS}
            )


def usage_pending(connection_id: int, now: datetime | None = None) -> dict[datetime, dict]:
    """The counts of the last 24 hours not written yet (one cache round trip)."""
    if not settings.ZOHO_BUDGET_COUNT_IN_CACHE:
        return {}
    keys = {
        _usage_key(connection_id, hour, field): (hour, field)
        for hour in _last_hours(now)
        for field in USAGE_FIELDS
    }
    pending: dict[datetime, dict] = {}
    for key, value in django_cache.get_many(list(keys)).items():
        if value:
            hour, field = keys[key]
            pending.setdefault(hour, {})[field] = value
    return pending


def _usage_write(connection_id: int, hour: datetime, counts: dict[str, int]) -> None:
    changes = {field: F(field) + counts[field] for field in USAGE_FIELDS}
    rows = ApiUsageHour.objects.filter(connection_id=connection_id, hour=hour)
    if not rows.update(**changes):
        try:
            with transaction.atomic():
                ApiUsageHour.objects.create(connection_id=connection_id, hour=hour, **counts)
        except IntegrityError:
            rows.update(**changes)  # another worker created this hour's row first


def remaining_header(headers: Any) -> int | None:
    """``X-API-CREDITS-REMAINING`` as a number, when Zoho sent it (once half the day is used)."""
    value = (headers or {}).get("X-API-CREDITS-REMAINING")
    try:
        return max(0, int(str(value).strip())) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class HourUsage:
    hour: datetime
    credits: int
    calls: int
    rate_limited: int


@dataclass(frozen=True)
class Budget:
    """What the health page shows and what ``job_hold`` decides on."""

    concurrency: int
    job_slots: int
    in_flight: int
    daily_credits: int
    used: int  # credits counted by crmadmin in the last 24 h
    remaining: int  # the lower of our count and Zoho's last X-API-CREDITS-REMAINING
    reported_remaining: int | None
    reserve: int
    rate_limited: int  # 429s from Zoho in the last 24 h
    last_rate_limited: datetime | None
    hours: list[HourUsage]

    @property
    def below_reserve(self) -> bool:
        return self.remaining < self.reserve

    @property
    def reserve_mark(self) -> int:
        """Credits used past which the reserve is reached (the meter's "high" mark)."""
        return max(0, self.daily_credits - self.reserve)

    @property
    def peak_hour(self) -> int:
        return max((hour.credits for hour in self.hours), default=0)


def budget_of(connection: Connection, *, now: datetime | None = None) -> Budget:
    now = now or timezone.now()
    start = _this_hour(now) - timedelta(hours=23)
    rows = {
        row.hour: row for row in ApiUsageHour.objects.filter(connection=connection, hour__gte=start)
    }
    pending = usage_pending(connection.pk, now)
    hours = []
    for hour in _last_hours(now):
        row, more = rows.get(hour), pending.get(hour, {})
        hours.append(
            HourUsage(
                hour=hour,
                credits=(row.credits if row else 0) + more.get("credits", 0),
                calls=(row.calls if row else 0) + more.get("calls", 0),
                rate_limited=(row.rate_limited if row else 0) + more.get("rate_limited", 0),
            )
        )
    used = sum(hour.credits for hour in hours)
    daily = daily_credits_of(connection)
    remaining = max(0, daily - used)
    reported = None
    seen = connection.credits_remaining_at
    if connection.credits_remaining is not None and seen and seen > now - timedelta(hours=1):
        # Zoho's count, less what we spent since it said so (counted from that hour on).
        since = ApiUsageHour.objects.filter(connection=connection, hour__gte=_this_hour(seen))
        spent = since.aggregate(n=Sum("credits"))["n"] or 0
        spent += sum(
            more.get("credits", 0) for hour, more in pending.items() if hour >= _this_hour(seen)
        )
        reported = connection.credits_remaining
        remaining = min(remaining, max(0, reported - spent))
    return Budget(
        concurrency=concurrency_of(connection),
        job_slots=job_slots_of(connection),
        in_flight=in_flight(connection),
        daily_credits=daily,
        used=used,
        remaining=remaining,
        reported_remaining=reported,
        reserve=connection.credit_reserve,
        rate_limited=sum(hour.rate_limited for hour in hours),
        last_rate_limited=connection.last_rate_limited_at,
        hours=hours,
    )


# -- what a bulk job should do next --------------------------------------------------------------


@dataclass(frozen=True)
class Hold:
    seconds: float
    reason: str


def job_hold(connection: Connection) -> Hold | None:
    """Why a bulk job should wait before its next batch, and for how long; None to go on."""
    connection.refresh_from_db()
    budget = budget_of(connection)
    if budget.below_reserve:
        return Hold(
            seconds=settings.JOBS_BUDGET_PAUSE_SECONDS,
            reason=f"Paused for API budget: {budget.remaining:,} of the org's "
            f"{budget.daily_credits:,} daily credits are left, below the reserve of "
            f"{budget.reserve:,} kept for people editing. The job goes on by itself as "
            "credits free up (Zoho counts the last 24 hours).",
        )
    if budget.in_flight >= budget.concurrency:
        return Hold(seconds=settings.ZOHO_BUDGET_RETRY_SECONDS, reason=WAITING_FOR_SLOT)
    return None
