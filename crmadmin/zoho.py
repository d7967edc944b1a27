"""The bridge from crmadmin's Connection rows to the `updater` package.

`client_for(connection)` is how every view talks to Zoho. Tokens are read from and written to the
Connection row through `ConnectionTokenStore`, whose refresh lock is a row lock
(`SELECT ... FOR UPDATE`) so that many workers on many machines finding one expired token cause
one refresh: Zoho allows only 10 access tokens per refresh token per 10 minutes (zoho-api.md §1.4).
Every API call goes through `GovernedSession`, which holds one of the connection's slots while the
call is in flight and counts its credits (crmadmin/budget.py): the org's budget is shared by every
web and job worker.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from crmadmin import budget
from crmadmin.models import ApiCallLog, Connection
from crmadmin.problems import problem_for
from updater.client import ApiResponse, ZohoClient
from updater.errors import (
    AuthError,
    InvalidCodeError,
    OAuthError,
    RateLimitError,
    ServerError,
    TokenThrottledError,
    TransportError,
    UnsafeDomainError,
    ZohoError,
)
from updater.oauth import DATA_CENTRES, OAuthClient
from updater.tokens import Tokens

# What editing, linking and reading metadata need (zoho-api.md §1.2): records read and write,
# field/layout/module metadata, users (lookups, owners), the org (time zone), search, and the
# Files API (file and image upload fields: upload, and read for previews).
DEFAULT_SCOPES = (
    "ZohoCRM.modules.ALL",
    "ZohoCRM.settings.ALL",
    "ZohoCRM.users.READ",
    "ZohoCRM.org.READ",
    "ZohoSearch.securesearch.READ",
    "ZohoCRM.files.CREATE",
    "ZohoCRM.files.READ",
)

# SQLite ignores SELECT ... FOR UPDATE; within one process a lock per connection id stands in.
_local_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)
_local_locks_guard = threading.Lock()


def _local_lock(connection_id: int) -> threading.Lock:
    with _local_locks_guard:
        return _local_locks[connection_id]


def accounts_url_for(connection: Connection) -> str:
    """The accounts server the tokens were issued by (the callback's `accounts-server` wins)."""
    if connection.accounts_server:
        return connection.accounts_server.rstrip("/")
    return DATA_CENTRES[connection.data_centre].accounts_url


@sensitive_variables()
def oauth_client_for(connection: Connection, *, redirect_uri: str = "") -> OAuthClient:
    return OAuthClient(
        client_id=connection.client_id,
        client_secret=connection.client_secret,
        redirect_uri=redirect_uri or settings.ZOHO_REDIRECT_URI,
    )


class ConnectionTokenStore:
    """`updater.tokens.TokenStore` over one Connection row.

    ``row``, when given, is that row as the caller just read it (the view's permission check
    reads it): the first ``load`` uses its tokens instead of reading the row again (issue #16:
    one query less per page). Every later load reads the row, so a token another process
    refreshed meanwhile is seen; a stale first token meets a 401 and is refreshed under the lock
    like any expired one. A row built in code rather than read (its expiry still the string it was
    given) is read again.
    """

    def __init__(self, *, connection_id: int, row: Connection | None = None) -> None:
        self.connection_id = connection_id
        self._held = threading.local()
        self._first = row

    def _row(self) -> Connection:
        return Connection.objects.get(pk=self.connection_id)

    @sensitive_variables()
    def load(self) -> Tokens:
        first, self._first = self._first, None
        if first is None or not isinstance(first.access_token_expires_at, datetime | None):
            first = self._row()
        return _tokens_of(first)

    @contextmanager
    def refresh_lock(self) -> Iterator[Tokens]:
        uses_row_lock = db_connection.features.has_select_for_update
        local = nullcontext() if uses_row_lock else _local_lock(self.connection_id)
        self._held.failure = None
        self._held.locked = True
        try:
            with local, transaction.atomic():
                row = Connection.objects.select_for_update().get(pk=self.connection_id)
                if not row.refresh_token:
                    raise InvalidCodeError(
                        error="invalid_code",
                        message="This connection has no refresh token; a staff member must "
                        "connect it to Zoho first",
                    )
                yield _tokens_of(row)
        finally:
            self._held.locked = False
            # The failed refresh rolled the transaction back; record the failure after it.
            if self._held.failure is not None:
                self._failure_write(self._held.failure)
                self._held.failure = None

    @sensitive_variables("access_token")
    def save_access_token(
        self, *, access_token: str, expires_at: datetime, api_domain: str
    ) -> None:
        now = timezone.now()
        Connection.objects.filter(pk=self.connection_id).update(
            access_token=access_token,
            access_token_expires_at=expires_at,
            api_domain=api_domain,
            status=Connection.Status.CONNECTED,
            last_refresh_at=now,
            last_error="",
            updated_at=now,
        )

    def mark_refresh_failed(self, *, error: OAuthError) -> None:
        if getattr(self._held, "locked", False):
            self._held.failure = error
        else:
            self._failure_write(error)

    def _failure_write(self, error: OAuthError) -> None:
        now = timezone.now()
        changes: dict[str, Any] = {"last_error": error_summary(error), "last_error_at": now}
        if isinstance(error, TokenThrottledError):
            changes["status"] = Connection.Status.THROTTLED
        elif isinstance(error, InvalidCodeError):
            changes["status"] = Connection.Status.NEEDS_RECONNECT
            changes["access_token"] = ""
            changes["access_token_expires_at"] = None
        Connection.objects.filter(pk=self.connection_id).update(**changes)

    def record_call(self) -> None:
        calls_count(self.connection_id)


def error_summary(error: ZohoError) -> str:
    """A person's words for an error (never the token or secret: the catalogue holds no values)."""
    return problem_for(error).summary


@sensitive_variables()
def _tokens_of(row: Connection) -> Tokens:
    return Tokens(
        access_token=row.access_token,
        expires_at=row.access_token_expires_at,
        refresh_token=row.refresh_token,
        api_domain=row.api_domain,
    )


# Errors that say something about the connection's health (not about one record's values).
HEALTH_ERRORS = (AuthError, RateLimitError, ServerError, TransportError, UnsafeDomainError)


class ConnectionClient(ZohoClient):
    """A ZohoClient that also notes on the Connection row how its calls are going.

    Everything below ``request`` (token refresh, requests, urllib3) holds the access token, the
    refresh token or the client secret: a traceback page shows none of its frames' locals.
    """

    @sensitive_variables()
    def request(self, method: str, path: str, **kwargs: Any) -> ApiResponse:
        try:
            response = super().request(method, path, **kwargs)
        except HEALTH_ERRORS as error:
            Connection.objects.filter(pk=self.connection_id).update(
                last_error=error_summary(error), last_error_at=timezone.now()
            )
            raise
        success_note(self.connection_id)
        return response

    @property
    def connection_id(self) -> int:
        return self.store.connection_id  # type: ignore[attr-defined]


# -- how a connection's calls are going: counted in the cache, written in batches --------------
# A page that only reads must not write (issue #16): the day's call count and the last success
# are kept in Django's cache (Redis in production, shared by every process) and written to the
# ApiCallLog row and the Connection at most every ZOHO_CALLS_FLUSH_SECONDS per connection, or
# every ZOHO_CALLS_FLUSH_BATCH calls. The health pages add what is not written yet
# (`calls_shown`). With the per-process locmem cache another process's counts show once they are
# written; a process that dies loses at most one interval of counts (they are for people to read:
# the budget governor keeps its own).


def _calls_key(connection_id: int, day: date) -> str:
    return f"crmadmin:calls:{connection_id}:{day.isoformat()}"


def _success_key(connection_id: int) -> str:
    return f"crmadmin:calls:{connection_id}:success"


def calls_count(connection_id: int) -> None:
    """Count one API call of the connection (the updater calls it for every HTTP request)."""
    key, gate = _calls_key(connection_id, timezone.localdate()), f"crmadmin:calls:{connection_id}"
    counted = budget.cache_note(counts={key: 1}, gates=[gate])
    if budget.flush_due(counted, gate, counted.counts[key]):
        calls_flush(connection_id)


def success_note(connection_id: int) -> None:
    """Note a successful call; the interval's first one is written at once."""
    key = _success_key(connection_id)
    if budget.flush_due(budget.cache_note(values={key: timezone.now()}, gates=[key]), key):
        _success_write(connection_id)


def success_forget(connection_id: int) -> None:
    """Forget a last success not written yet (the tokens it describes are gone)."""
    django_cache.delete(_success_key(connection_id))


def calls_flush(connection_id: int) -> None:
    """Write the connection's counted calls (today's and yesterday's) and last success."""
    today = timezone.localdate()
    for day in (today - timedelta(days=1), today):
        if calls := budget.cache_take(_calls_key(connection_id, day)):
            _calls_write(connection_id, day, calls)
    _success_write(connection_id)


def _success_write(connection_id: int) -> None:
    succeeded = django_cache.get(_success_key(connection_id))
    if succeeded is not None:
        Connection.objects.filter(pk=connection_id).filter(
            Q(last_success_at__isnull=True) | Q(last_success_at__lt=succeeded)
        ).update(last_success_at=succeeded)


def _calls_write(connection_id: int, day: date, calls: int) -> None:
    counted = ApiCallLog.objects.filter(connection_id=connection_id, day=day)
    if counted.update(calls=F("calls") + calls):
        return
    try:
        with transaction.atomic():
            ApiCallLog.objects.create(connection_id=connection_id, day=day, calls=calls)
    except IntegrityError:
        # Another worker created the day's row between our update and insert.
        counted.update(calls=F("calls") + calls)


def calls_shown(connection: Connection) -> Connection:
    """The connection as the health pages show it: ``calls_today`` (annotated from ApiCallLog,
    or read here) and ``last_success_at`` with what is counted in the cache but not written yet."""
    today = timezone.localdate()
    if not hasattr(connection, "calls_today"):
        written = ApiCallLog.objects.filter(connection=connection, day=today).first()
        connection.calls_today = written.calls if written else 0
    pending = django_cache.get(_calls_key(connection.pk, today)) or 0
    connection.calls_today = (connection.calls_today or 0) + pending
    succeeded = django_cache.get(_success_key(connection.pk))
    if succeeded is not None and (
        connection.last_success_at is None or connection.last_success_at < succeeded
    ):
        connection.last_success_at = succeeded
    return connection


# Below this many seconds left for an attempt, waiting for a slot is not worth it (as updater's
# MIN_ATTEMPT_SECONDS: an attempt with less could only time out).
MIN_ATTEMPT_SECONDS = 1.0


class GovernedSession(requests.Session):
    """A requests session that sends each CRM API call inside one of the connection's slots.

    It waits for a slot (people at most ``ZOHO_BUDGET_SLOT_WAIT_SECONDS``, never past the
    attempt's own timeout, which the client already cut to its deadline; the wait is taken off the
    socket timeout), then counts the call's credits, a 429 and ``X-API-CREDITS-REMAINING``. Token
    requests to the accounts server are not API calls and pass straight through.
    """

    def __init__(self, *, connection: Connection, priority: str) -> None:
        super().__init__()
        self.connection = connection
        self.priority = priority

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if not budget.is_api_call(request.url or ""):
            return super().send(request, **kwargs)
        timeout = kwargs.get("timeout")
        attempt = timeout if isinstance(timeout, int | float) else settings.ZOHO_TIMEOUT_SECONDS
        wait = max(0.0, attempt - MIN_ATTEMPT_SECONDS)
        if self.priority == budget.INTERACTIVE:
            wait = min(wait, settings.ZOHO_BUDGET_SLOT_WAIT_SECONDS)
        with budget.slot_held(self.connection, priority=self.priority, wait=wait) as waited:
            if isinstance(timeout, int | float):
                kwargs["timeout"] = max(MIN_ATTEMPT_SECONDS, timeout - waited)
            response = super().send(request, **kwargs)
        budget.usage_record(
            connection_id=self.connection.pk,
            credits=budget.credits_for(
                method=request.method or "GET",
                path=urlsplit(request.url or "").path,
                body=request.body,
            ),
            rate_limited=response.status_code == 429,
            credits_remaining=budget.remaining_header(response.headers),
        )
        return response


def client_for(
    connection: Connection,
    *,
    deadline: float | None = None,
    priority: str = budget.INTERACTIVE,
) -> ZohoClient:
    """The API client for one connection, configured from settings.

    Each request ends within ``ZOHO_REQUEST_DEADLINE_SECONDS`` (a person is waiting); a background
    task, which no worker timeout cuts short, may pass a longer ``deadline`` and
    ``priority=budget.BACKGROUND`` (it then keeps to the job share of the connection's slots).
    """
    return ConnectionClient(
        session=GovernedSession(connection=connection, priority=priority),
        store=ConnectionTokenStore(connection_id=connection.pk, row=connection),
        oauth_client=oauth_client_for(connection),
        accounts_url=accounts_url_for(connection),
        allow_custom_domains=settings.ZOHO_ALLOW_CUSTOM_DOMAINS,
        timeout=settings.ZOHO_TIMEOUT_SECONDS,
        retry_total=settings.ZOHO_RETRY_TOTAL,
        retry_backoff=settings.ZOHO_RETRY_BACKOFF,
        deadline=settings.ZOHO_REQUEST_DEADLINE_SECONDS if deadline is None else deadline,
    )


class DjangoMetadataCache:
    """`updater.metadata.MetadataCache` over Django's default cache (Redis in production).

    Each process also keeps the answers it has read: unpickling a module's layouts on every page
    costs milliseconds (issue #16). What it keeps is checked against a small stamp stored next to
    the answer, so an answer another process refreshed or deleted is read afresh.
    """

    _kept: ClassVar[dict[str, tuple[str, Any]]] = {}

    def get(self, key: str) -> Any | None:
        stamp = django_cache.get(f"{key}:stamp")
        kept = self._kept.get(key)
        if stamp is not None and kept is not None and kept[0] == stamp:
            return kept[1]
        value = django_cache.get(key)
        if value is not None and stamp is not None:
            self._kept[key] = (stamp, value)
        return value

    def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        stamp = uuid.uuid4().hex
        django_cache.set_many({key: value, f"{key}:stamp": stamp}, ttl_seconds)
        self._kept[key] = (stamp, value)

    def delete(self, key: str) -> None:
        django_cache.delete_many([key, f"{key}:stamp"])
        self._kept.pop(key, None)

    def stamps(self, keys: Iterable[str]) -> dict[str, str | None]:
        """The stamps of the answers at ``keys`` (None: not cached), in one cache read: what
        was built from those answers is still true while their stamps are the same."""
        keys = list(keys)
        found = django_cache.get_many([f"{key}:stamp" for key in keys])
        return {key: found.get(f"{key}:stamp") for key in keys}


def metadata_options(connection: Connection) -> dict[str, Any]:
    """Keyword arguments for `updater.metadata.*_list`: `cache=`, `cache_key_prefix=`, `ttl=`."""
    return {
        "cache": DjangoMetadataCache(),
        "cache_key_prefix": f"zoho:conn:{connection.pk}",
        "ttl": settings.ZOHO_METADATA_TTL_SECONDS,
    }
