"""SQLite persistence: records as JSON documents plus OAuth state.

Many server threads share one database file. WAL lets readers run beside the writer; every write
transaction takes one process-wide lock and starts with BEGIN IMMEDIATE, so two writers never both
hold a read snapshot and wait on each other (SQLite's classic upgrade deadlock). Connections come
from a small pool because the threaded dev server starts a new thread per request.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

# Zoho record ids are 18-19 digit numbers: an org-specific prefix then a sequence.
ID_BASE = 5725767_000_000_000_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY, module TEXT NOT NULL,
    created_ts INTEGER NOT NULL, modified_ts INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_module_id ON records (module, id);
CREATE INDEX IF NOT EXISTS records_module_modified ON records (module, modified_ts);
CREATE TABLE IF NOT EXISTS recycle_bin (
    id INTEGER PRIMARY KEY, module TEXT NOT NULL, deleted_ts INTEGER NOT NULL,
    deleted_by TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, secret TEXT NOT NULL, redirect_uris TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grants (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT, scopes TEXT NOT NULL,
    user_id TEXT NOT NULL, access_type TEXT NOT NULL, expires_ts INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_id TEXT NOT NULL, scopes TEXT NOT NULL,
    created_ts INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS access_tokens (
    token TEXT PRIMARY KEY, refresh_token TEXT, client_id TEXT NOT NULL, user_id TEXT NOT NULL,
    scopes TEXT NOT NULL, issued_seq INTEGER NOT NULL, expires_ts INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS access_tokens_rt ON access_tokens (refresh_token, revoked);
CREATE TABLE IF NOT EXISTS refresh_mints (refresh_token TEXT NOT NULL, ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS contact_roles_links (
    deal_id INTEGER NOT NULL, contact_id INTEGER NOT NULL, role_id TEXT,
    PRIMARY KEY (deal_id, contact_id));
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL,
    content BLOB NOT NULL);
"""


class Store:
    def __init__(self, db_path: str | os.PathLike[str]) -> None:
        self.db_path = os.fspath(db_path)
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._write_lock = threading.RLock()
        # Updates applied through the API, per (module, id): proves a bulk job wrote each record
        # exactly once (appending a multi-select value twice leaves no trace in the value).
        self.api_updates: collections.Counter[tuple[str, str]] = collections.Counter()
        with self._write_lock, self._conn():
            pass  # the first connection creates the schema

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN ourselves so the locking order is explicit.
        conn = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA)
        return conn

    @contextlib.contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            yield conn
        finally:
            self._pool.put(conn)

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._conn() as conn:
            yield conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock, self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return

    # --- key/value -------------------------------------------------------------------------

    def kv_get(self, key: str) -> str | None:
        with self.read() as conn:
            row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def kv_set(conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    @staticmethod
    def next_ids(conn: sqlite3.Connection, count: int = 1) -> list[str]:
        row = conn.execute("SELECT value FROM kv WHERE key = 'id_seq'").fetchone()
        start = int(row[0]) if row else 10_000_001
        Store.kv_set(conn, "id_seq", str(start + count * 3))
        # Step by 3 so ids are not contiguous (clients must not guess them).
        return [str(ID_BASE + start + i * 3) for i in range(count)]

    # --- records ---------------------------------------------------------------------------

    def get_record(self, module: str, record_id: str) -> dict[str, Any] | None:
        if not record_id.isdigit():
            return None
        with self.read() as conn:
            return self.get_record_in(conn, module, record_id)

    @staticmethod
    def get_record_in(
        conn: sqlite3.Connection, module: str, record_id: str
    ) -> dict[str, Any] | None:
        if not record_id.isdigit():
            return None
        row = conn.execute(
            "SELECT data FROM records WHERE id = ? AND module = ?", (int(record_id), module)
        ).fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def save_record(
        conn: sqlite3.Connection,
        module: str,
        record: dict[str, Any],
        created_ts: int,
        modified_ts: int,
    ) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO records (id, module, created_ts, modified_ts, data)"
            " VALUES (?, ?, ?, ?, ?)",
            (int(record["id"]), module, created_ts, modified_ts, json.dumps(record)),
        )

    @staticmethod
    def recycle(
        conn: sqlite3.Connection, module: str, record_id: str, deleted_ts: int, user_id: str
    ) -> bool:
        """Move a record to the recycle bin (Zoho keeps deleted records there for 60 days);
        False when the module holds no such record. Its deal-contact role links go with it."""
        record = Store.get_record_in(conn, module, record_id)
        if record is None:
            return False
        conn.execute(
            "INSERT OR REPLACE INTO recycle_bin (id, module, deleted_ts, deleted_by, data)"
            " VALUES (?, ?, ?, ?, ?)",
            (int(record_id), module, deleted_ts, user_id, json.dumps(record)),
        )
        conn.execute("DELETE FROM records WHERE id = ? AND module = ?", (int(record_id), module))
        conn.execute(
            "DELETE FROM contact_roles_links WHERE deal_id = ? OR contact_id = ?",
            (int(record_id), int(record_id)),
        )
        return True

    def recycled(self, module: str) -> list[dict[str, Any]]:
        """The module's records in the recycle bin, newest deletion first."""
        with self.read() as conn:
            rows = conn.execute(
                "SELECT data FROM recycle_bin WHERE module = ? ORDER BY deleted_ts DESC, id DESC",
                (module,),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def modified_ts(self, conn: sqlite3.Connection, record_id: str) -> int:
        row = conn.execute("SELECT modified_ts FROM records WHERE id = ?", (int(record_id),))
        return int(row.fetchone()[0])

    def page(
        self,
        module: str,
        *,
        order_by: str,
        descending: bool,
        limit: int,
        offset: int,
        since_ts: int | None = None,
    ) -> list[dict[str, Any]]:
        columns = {"id": "id", "Created_Time": "created_ts", "Modified_Time": "modified_ts"}
        column = columns[order_by]
        direction = "DESC" if descending else "ASC"
        where, params = "module = ?", [module]
        if since_ts is not None:
            where += " AND modified_ts > ?"
            params.append(since_ts)
        sql = (
            f"SELECT data FROM records WHERE {where} "  # noqa: S608 - column/direction whitelisted
            f"ORDER BY {column} {direction}, id {direction} LIMIT ? OFFSET ?"
        )
        with self.read() as conn:
            rows = conn.execute(sql, (*params, limit, offset)).fetchall()
        return [json.loads(row[0]) for row in rows]

    def all_records(self, module: str) -> list[dict[str, Any]]:
        with self.read() as conn:
            rows = conn.execute(
                "SELECT data FROM records WHERE module = ? ORDER BY id DESC", (module,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    @staticmethod
    def find_duplicate(
        conn: sqlite3.Connection, module: str, api_name: str, value: str, exclude_id: str
    ) -> dict[str, Any] | None:
        row = conn.execute(
            "SELECT data FROM records WHERE module = ? AND id != ? AND "
            "lower(json_extract(data, ?)) = lower(?) LIMIT 1",
            (module, int(exclude_id), f'$."{api_name}"', value),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def count(self, module: str | None = None) -> int:
        with self.read() as conn:
            if module is None:
                return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])
            sql = "SELECT count(*) FROM records WHERE module = ?"
            return int(conn.execute(sql, (module,)).fetchone()[0])
