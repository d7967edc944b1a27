"""OAuth grant codes, refresh tokens and access tokens with Zoho's limits (zoho-api.md §1.3-1.5).

Errors are returned as the `error` strings Zoho puts in its HTTP 200 bodies.
"""

from __future__ import annotations

import collections
import secrets
import threading
import time
from typing import Any

from sandbox.settings import SandboxSettings
from sandbox.store import Store

THROTTLED = {
    "error_description": "You have made too many requests continuously. "
    "Please try again after some time.",
    "error": "Access Denied",
    "status": "failure",
}


class TokenError(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body.get("error"))
        self.body = body


def _token() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


class Tokens:
    def __init__(self, store: Store, settings: SandboxSettings) -> None:
        self.store, self.settings = store, settings
        self._counts: collections.Counter[str] = collections.Counter()
        self._counts_lock = threading.Lock()

    @property
    def requests_served(self) -> collections.Counter[str]:
        with self._counts_lock:
            return collections.Counter(self._counts)

    def count(self, grant_type: str) -> None:
        with self._counts_lock:
            self._counts[grant_type] += 1

    def mint_grant(
        self,
        *,
        client_id: str,
        scopes: list[str],
        user_id: str,
        redirect_uri: str | None = None,
        access_type: str = "offline",
    ) -> str:
        code = _token()
        expires = int(time.time()) + self.settings.grant_code_ttl_seconds
        with self.store.write() as conn:
            conn.execute(
                "INSERT INTO grants (code, client_id, redirect_uri, scopes, user_id, access_type,"
                " expires_ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (code, client_id, redirect_uri, ",".join(scopes), user_id, access_type, expires),
            )
        return code

    def check_client(self, client_id: str, client_secret: str) -> None:
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT secret FROM clients WHERE client_id = ?", (client_id,)
            ).fetchone()
        if row is None:
            raise TokenError({"error": "invalid_client"})
        if not secrets.compare_digest(row[0], client_secret or ""):
            raise TokenError({"error": "invalid_client_secret"})

    def _access_response(self, token: str, scopes: str) -> dict[str, Any]:
        return {
            "access_token": token,
            "scope": scopes.replace(",", " "),
            "api_domain": self.settings.base_url,
            "token_type": "Bearer",
            "expires_in": self.settings.access_token_ttl_seconds,
        }

    def _issue_access(
        self, conn: Any, refresh: str | None, client_id: str, user_id: str, scopes: str
    ) -> str:
        token, now = _token(), time.time()
        seq = int(now * 1_000_000)
        if refresh is not None:
            live = conn.execute(
                "SELECT token FROM access_tokens WHERE refresh_token = ? AND revoked = 0"
                " AND expires_ts > ? ORDER BY issued_seq",
                (refresh, int(now)),
            ).fetchall()
            # Zoho keeps 15 live tokens per refresh token and silently drops the oldest.
            excess = len(live) - self.settings.max_live_access_tokens + 1
            for (old,) in live[: max(0, excess)]:
                conn.execute("UPDATE access_tokens SET revoked = 1 WHERE token = ?", (old,))
        conn.execute(
            "INSERT INTO access_tokens (token, refresh_token, client_id, user_id, scopes,"
            " issued_seq, expires_ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                token,
                refresh,
                client_id,
                user_id,
                scopes,
                seq,
                int(now) + self.settings.access_token_ttl_seconds,
            ),
        )
        return token

    def exchange_code(
        self, *, client_id: str, client_secret: str, code: str, redirect_uri: str | None
    ) -> dict[str, Any]:
        self.check_client(client_id, client_secret)
        with self.store.write() as conn:
            row = conn.execute(
                "SELECT client_id, redirect_uri, scopes, user_id, access_type, expires_ts, used"
                " FROM grants WHERE code = ?",
                (code,),
            ).fetchone()
            if row is None or row[0] != client_id or row[6] or row[5] < time.time():
                raise TokenError({"error": "invalid_code"})
            if row[1] and redirect_uri and redirect_uri != row[1]:
                raise TokenError({"error": "invalid_redirect_uri"})
            conn.execute("UPDATE grants SET used = 1 WHERE code = ?", (code,))
            scopes, user_id = row[2], row[3]
            refresh = None
            if row[4] == "offline":
                refresh = _token()
                conn.execute(
                    "INSERT INTO refresh_tokens (token, client_id, user_id, scopes, created_ts)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (refresh, client_id, user_id, scopes, int(time.time())),
                )
            access = self._issue_access(conn, refresh, client_id, user_id, scopes)
        body = self._access_response(access, scopes)
        if refresh:
            body = {
                "access_token": access,
                "refresh_token": refresh,
                **{k: v for k, v in body.items() if k != "access_token"},
            }
        return body

    def refresh(self, *, client_id: str, client_secret: str, refresh_token: str) -> dict[str, Any]:
        self.check_client(client_id, client_secret)
        now = time.time()
        with self.store.write() as conn:
            row = conn.execute(
                "SELECT client_id, user_id, scopes, revoked FROM refresh_tokens WHERE token = ?",
                (refresh_token,),
            ).fetchone()
            # Zoho answers a wrong or revoked refresh token with invalid_code, not invalid_grant.
            if row is None or row[0] != client_id or row[3]:
                raise TokenError({"error": "invalid_code"})
            window_start = now - self.settings.refresh_window_seconds
            minted = conn.execute(
                "SELECT count(*) FROM refresh_mints WHERE refresh_token = ? AND ts > ?",
                (refresh_token, window_start),
            ).fetchone()[0]
            if minted >= self.settings.refresh_limit_per_window:
                raise TokenError(dict(THROTTLED))
            conn.execute(
                "INSERT INTO refresh_mints (refresh_token, ts) VALUES (?, ?)", (refresh_token, now)
            )
            access = self._issue_access(conn, refresh_token, client_id, row[1], row[2])
        return self._access_response(access, row[2])

    def validate(self, access_token: str) -> tuple[str, list[str]] | None:
        """(user id, scopes) of a live access token, else None."""
        with self.store.read() as conn:
            row = conn.execute(
                "SELECT user_id, scopes FROM access_tokens WHERE token = ? AND revoked = 0"
                " AND expires_ts > ?",
                (access_token, int(time.time())),
            ).fetchone()
        if row is None:
            return None
        return row[0], [s for s in row[1].split(",") if s]

    def revoke(self, token: str) -> bool:
        with self.store.write() as conn:
            hit = conn.execute(
                "UPDATE refresh_tokens SET revoked = 1 WHERE token = ?", (token,)
            ).rowcount
            if hit:
                conn.execute(
                    "UPDATE access_tokens SET revoked = 1 WHERE refresh_token = ?", (token,)
                )
                return True
            return bool(
                conn.execute(
                    "UPDATE access_tokens SET revoked = 1 WHERE token = ?", (token,)
                ).rowcount
            )

    def expire_all_access(self) -> None:
        with self.store.write() as conn:
            conn.execute(
                "UPDATE access_tokens SET expires_ts = ? WHERE expires_ts > ?",
                (int(time.time()) - 1, int(time.time()) - 1),
            )

    def revoke_all(self) -> None:
        with self.store.write() as conn:
            conn.execute("UPDATE refresh_tokens SET revoked = 1")
            conn.execute("UPDATE access_tokens SET revoked = 1")
            conn.execute("UPDATE grants SET used = 1")
