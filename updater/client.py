"""The HTTP client for one Zoho connection: one session, timeouts, GET-only retries within a
deadline, auth header, token reuse and a single bounded refresh-and-replay path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from updater.errors import (
    ApiError,
    OAuthError,
    TransportError,
    ZohoTimeout,
    body_parse,
    error_from_response,
    retry_after_seconds,
    transport_errors_raised,
)
from updater.oauth import OAuthClient, check_api_domain, token_refresh, upload_host_for
from updater.tokens import Redacted, SecretStr, Tokens, TokenStore

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
EMPTY_BODY_STATUSES = frozenset({204, 304})
# Refresh this long before expiry so a token never dies between check and use.
TOKEN_MARGIN = timedelta(minutes=5)
# A request a person waits for must end well inside gunicorn's 60 s worker timeout, retries and
# refresh included; background callers pass a longer ``deadline`` to ``request``.
DEFAULT_DEADLINE_SECONDS = 20.0
# No attempt starts with less than this left of the deadline: it could only time out.
MIN_ATTEMPT_SECONDS = 1.0


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any] | None
    headers: Mapping[str, str]
    content: bytes = b""  # the raw body, kept when the request asked for it (file downloads)


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any] | None
    raw: bytes
    headers: Mapping[str, str]


class ZohoClient:
    def __init__(
        self,
        *,
        store: TokenStore,
        oauth_client: OAuthClient,
        accounts_url: str,
        allow_custom_domains: bool = False,
        timeout: float = 20.0,
        retry_total: int = 3,
        retry_backoff: float = 0.5,
        api_version: str = "v8",
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        max_retry_after: float = 60.0,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
    ) -> None:
        self.store = store
        self.oauth_client = oauth_client
        self.accounts_url = accounts_url
        self.allow_custom_domains = allow_custom_domains
        self.timeout = timeout
        self.retry_total = retry_total
        self.retry_backoff = retry_backoff
        self.api_version = api_version
        self.session = session or requests.Session()
        self.clock = clock
        self.sleep = sleep
        self.monotonic = monotonic
        self.max_retry_after = max_retry_after
        self.deadline = deadline
        self.calls_made = 0
        self._count_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ZohoClient(accounts_url={self.accounts_url!r}, calls_made={self.calls_made})"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        record_errors_ok: bool = False,
        deadline: float | None = None,
        files: Any = None,
        upload: bool = False,
        raw: bool = False,
    ) -> ApiResponse:
        """Send one API request; ``path`` is relative to ``{api_domain}/crm/{version}/``.

        With ``record_errors_ok`` a 4xx whose body lists per-record results in ``data[]`` is
        returned instead of raised, so bulk writes can report each record. Everything (refresh,
        attempts, waits between them) ends within ``deadline`` seconds (the client's by default):
        a retry that would not fit is not made, and the last answer or error is raised at once.

        ``files`` (requests' multipart form) is sent with ``upload`` to the data centre's Files
        API host (``upload_host_for``); ``raw`` keeps a 2xx body as bytes in ``content`` (a file).
        """
        method = method.upper()
        until = self.monotonic() + (self.deadline if deadline is None else deadline)
        tokens = self.token_current(until=until)
        send = {
            "tokens": tokens,
            "params": params,
            "json": json,
            "headers": headers,
            "files": files,
            "upload": upload,
        }
        answer = self._send(method, path, until=until, **send)
        if answer.status == 401 and (answer.body or {}).get("code") == "INVALID_TOKEN":
            # Another worker may have minted a 16th token and evicted ours: refresh once, replay
            # once. A second INVALID_TOKEN is raised, never looped on.
            send["tokens"] = self.token_refresh(stale=tokens, until=until)
            answer = self._send(method, path, until=until, **send)
        if raw and 200 <= answer.status < 300:
            return ApiResponse(
                status=answer.status, body=None, headers=answer.headers, content=answer.raw
            )
        return self._response_check(answer, record_errors_ok=record_errors_ok)

    def token_current(self, *, until: float | None = None) -> Tokens:
        tokens = self.store.load()
        if self._is_fresh(tokens):
            return tokens
        return self.token_refresh(stale=tokens, until=until)

    def token_refresh(self, *, stale: Tokens, until: float | None = None) -> Tokens:
        """Refresh under the store's lock; whoever waited reuses the token just stored."""
        with self.store.refresh_lock() as current:
            if current.access_token != stale.access_token and self._is_fresh(current):
                return current
            try:
                fresh = token_refresh(
                    accounts_url=self.accounts_url,
                    client=self.oauth_client,
                    refresh_token=SecretStr(current.refresh_token),
                    session=self.session,
                    timeout=self._attempt_timeout(until),
                    now=self.clock(),
                    allow_custom_domains=self.allow_custom_domains,
                )
            except OAuthError as error:
                self.store.mark_refresh_failed(error=error)
                raise
            api_domain = check_api_domain(
                api_domain=fresh.api_domain or current.api_domain,
                allow_custom=self.allow_custom_domains,
            )
            self.store.save_access_token(
                access_token=fresh.access_token, expires_at=fresh.expires_at, api_domain=api_domain
            )
            return Tokens(
                access_token=fresh.access_token,
                expires_at=fresh.expires_at,
                refresh_token=current.refresh_token,
                api_domain=api_domain,
            )

    def _is_fresh(self, tokens: Tokens) -> bool:
        return bool(
            tokens.access_token
            and tokens.expires_at is not None
            and tokens.expires_at - TOKEN_MARGIN > self.clock()
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        tokens: Tokens,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        until: float,
        files: Any = None,
        upload: bool = False,
    ) -> _Answer:
        """Send with retries for GET only: a replayed PUT could fire Zoho workflows twice.

        A wait (Retry-After or backoff) is made only if another attempt still fits before
        ``until``; otherwise the last answer is returned (a 429 becomes a RateLimitError that
        carries ``retry_after``) or the last transport error raised, without waiting.
        """
        check = upload_host_for if upload else check_api_domain
        domain = check(api_domain=tokens.api_domain, allow_custom=self.allow_custom_domains)
        url = f"{domain}/crm/{self.api_version}/{path.lstrip('/')}"
        all_headers = Redacted(
            {"Authorization": f"Zoho-oauthtoken {tokens.access_token}", **(headers or {})}
        )
        attempts = self.retry_total + 1 if method == "GET" else 1
        for attempt in range(attempts):
            is_last = attempt == attempts - 1
            try:
                answer = self._send_once(
                    method,
                    url,
                    params=params,
                    json=json,
                    files=files,
                    headers=all_headers,
                    timeout=self._attempt_timeout(until),
                )
            except TransportError:
                if is_last or not self._wait_fits(self._backoff(attempt), until):
                    raise
                self.sleep(self._backoff(attempt))
                continue
            if is_last or answer.status not in RETRY_STATUSES:
                return answer
            delay = retry_after_seconds(answer.headers)
            if delay is None:
                delay = self._backoff(attempt)
            if delay > self.max_retry_after or not self._wait_fits(delay, until):
                return answer
            self.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return float(self.retry_backoff * (2**attempt))

    def _wait_fits(self, delay: float, until: float) -> bool:
        """True if waiting ``delay`` s still leaves time for a useful attempt before ``until``."""
        return self.monotonic() + delay + MIN_ATTEMPT_SECONDS <= until

    def _attempt_timeout(self, until: float | None) -> float:
        """The socket timeout for one attempt: the client's, cut to what is left of the deadline."""
        if until is None:
            return self.timeout
        left = until - self.monotonic()
        if left < MIN_ATTEMPT_SECONDS:
            raise ZohoTimeout(message="Zoho did not answer within the time this request allows")
        return min(self.timeout, left)

    def _send_once(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: Mapping[str, str],
        timeout: float,
        files: Any = None,
    ) -> _Answer:
        with self._count_lock:
            self.calls_made += 1
        self.store.record_call()
        with transport_errors_raised():
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                files=files,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            )
        raw = response.content or b""
        body: dict[str, Any] | None = None
        if response.status_code not in EMPTY_BODY_STATUSES:
            try:
                body = body_parse(raw)
            except ValueError:
                body = None
        return _Answer(status=response.status_code, body=body, raw=raw, headers=response.headers)

    def _response_check(self, answer: _Answer, *, record_errors_ok: bool) -> ApiResponse:
        is_empty = answer.status in EMPTY_BODY_STATUSES or not answer.raw.strip()
        if answer.body is None and not is_empty:
            raise error_from_response(status=answer.status, body=answer.raw, headers=answer.headers)
        if answer.status >= 300 and answer.status != 304:
            has_records = answer.body is not None and isinstance(answer.body.get("data"), list)
            if not (record_errors_ok and has_records and "code" not in (answer.body or {})):
                error: ApiError = error_from_response(
                    status=answer.status, body=answer.body, headers=answer.headers
                )
                raise error
        return ApiResponse(status=answer.status, body=answer.body, headers=answer.headers)
