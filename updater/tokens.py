"""The token store interface ``crmadmin`` implements with its models, an in-memory store, and
``Redacted``: the dict that headers and forms carrying a secret are held in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from updater.errors import OAuthError

# Keys whose values are secrets wherever they appear: request headers, token forms, token answers.
SECRET_KEYS = frozenset(
    {"authorization", "access_token", "refresh_token", "client_secret", "code", "token"}
)


class Redacted(dict[str, Any]):
    """A dict whose ``repr`` hides the values of ``SECRET_KEYS``.

    A debug error page (and ``pprint``) shows the locals of every frame by their ``repr``: headers
    and token forms held in this show their keys but never the token or secret.
    """

    def __repr__(self) -> str:
        shown = {
            key: "********" if str(key).lower() in SECRET_KEYS else value
            for key, value in self.items()
        }
        return f"Redacted({shown!r})"


class SecretStr(str):
    """A str whose ``repr`` hides it; it still goes out as itself in a form or a header."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'********'"


@dataclass(frozen=True)
class Tokens:
    access_token: str = field(repr=False)  # "" when none yet
    expires_at: datetime | None
    refresh_token: str = field(repr=False)
    api_domain: str


class TokenStore(Protocol):
    def load(self) -> Tokens: ...

    def refresh_lock(self) -> AbstractContextManager[Tokens]:
        """Hold a lock that spans processes and yield the tokens re-read under it, so a worker
        that waited sees the token another worker just stored."""
        ...

    def save_access_token(
        self, *, access_token: str, expires_at: datetime, api_domain: str
    ) -> None: ...

    def mark_refresh_failed(self, *, error: OAuthError) -> None: ...

    def record_call(self) -> None: ...


class InMemoryTokenStore:
    """A thread-safe store for tests and scripts (one process only)."""

    def __init__(self, *, tokens: Tokens) -> None:
        self._tokens = tokens
        self._state_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self.calls_recorded = 0
        self.refresh_failure: OAuthError | None = None

    def load(self) -> Tokens:
        with self._state_lock:
            return self._tokens

    @contextmanager
    def refresh_lock(self) -> Iterator[Tokens]:
        with self._refresh_lock:
            yield self.load()

    def save_access_token(
        self, *, access_token: str, expires_at: datetime, api_domain: str
    ) -> None:
        with self._state_lock:
            self._tokens = replace(
                self._tokens,
                access_token=access_token,
                expires_at=expires_at,
                api_domain=api_domain,
            )
            self.refresh_failure = None

    def mark_refresh_failed(self, *, error: OAuthError) -> None:
        with self._state_lock:
            self.refresh_failure = error

    def record_call(self) -> None:
        with self._state_lock:
            self.calls_recorded += 1
