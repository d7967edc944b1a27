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
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import F
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
    """`updater.tokens.TokenStore` over one Connection row."""

    def __init__(self, *, connection_id: int) -> None:
        self.connection_id = connection_id
        self._held = threading.local()

    def _row(self) -> Connection:
        return Connection.objects.get(pk=self.connection_id)

    @sensitive_variables()
    def load(self) -> Tokens:
        return _tokens_of(self._row())

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
        day = timezone.localdate()
        counted = ApiCallLog.objects.filter(connection_id=self.connection_id, day=day)
        if counted.update(calls=F("calls") + 1):
            return
        try:
            with transaction.atomic():
                ApiCallLog.objects.create(connection_id=self.connection_id, day=day, calls=1)
        except IntegrityError:
            # Another worker created today's row between our update and insert.
            counted.update(calls=F("calls") + 1)


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
        rows = Connection.objects.filter(pk=self.connection_id)
        try:
            response = super().request(method, path, **kwargs)
        except HEALTH_ERRORS as error:
            rows.update(last_error=error_summary(error), last_error_at=timezone.now())
            raise
        rows.update(last_success_at=timezone.now())
        return response

    @property
    def connection_id(self) -> int:
        return self.store.connection_id  # type: ignore[attr-defined]


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
        store=ConnectionTokenStore(connection_id=connection.pk),
        oauth_client=oauth_client_for(connection),
        accounts_url=accounts_url_for(connection),
        allow_custom_domains=settings.ZOHO_ALLOW_CUSTOM_DOMAINS,
        timeout=settings.ZOHO_TIMEOUT_SECONDS,
        retry_total=settings.ZOHO_RETRY_TOTAL,
        retry_backoff=settings.ZOHO_RETRY_BACKOFF,
        deadline=settings.ZOHO_REQUEST_DEADLINE_SECONDS if deadline is None else deadline,
    )


class DjangoMetadataCache:
    """`updater.metadata.MetadataCache` over Django's default cache (Redis in production)."""

    def get(self, key: str) -> Any | None:
        return django_cache.get(key)

    def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        django_cache.set(key, value, ttl_seconds)

    def delete(self, key: str) -> None:
        django_cache.delete(key)


def metadata_options(connection: Connection) -> dict[str, Any]:
    """Keyword arguments for `updater.metadata.*_list`: `cache=`, `cache_key_prefix=`, `ttl=`."""
    return {
        "cache": DjangoMetadataCache(),
        "cache_key_prefix": f"zoho:conn:{connection.pk}",
        "ttl": settings.ZOHO_METADATA_TTL_SECONDS,
    }
