"""Related records: GET lists, PUT/DELETE contact-role links, by id or by external id.

Contact ↔ Deal links (with an optional contact role) are the writable relation, as in
zoho-update-related-records-by-external-id.txt and zoho-api.md §2.5/§3.8/§3.9. Lookup-based
related lists (Accounts → Contacts/Deals, Contacts → Calls) are read-only here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from sandbox.crm.context import Ctx
from sandbox.crm.read_routes import _fields_param, _int_param, project
from sandbox.crm.writes import read_body
from sandbox.http import ApiError, envelope, json_response, no_content
from sandbox.metadata import org
from sandbox.metadata.layouts import RELATED_LISTS
from sandbox.metadata.modules import Module, registry
from sandbox.store import Store

BAD_BASE_EXTERNAL = "You have specified an invalid external ID for the base module."
BAD_RELATED_EXTERNAL = "The ID of the external field is invalid."
BAD_RELATED_ID = "the related id given seems to be invalid"


def _related_external(ctx: Ctx, target: str) -> str | None:
    for entry in ctx.request.headers.get("X-EXTERNAL", "").split(","):
        name, _, field = entry.strip().partition(".")
        if name.lower() == target.lower() and field:
            return field
    return None


def _by_external(
    conn: sqlite3.Connection, module: str, field: str, value: str
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT data FROM records WHERE module = ? AND json_extract(data, ?) = ?",
        (module, f'$."{field}"', value),
    ).fetchone()
    return None if row is None else json.loads(row[0])


def routes(
    ctx: Ctx, module: Module, rest: list[str], external: str | None
) -> dict[str, Callable[[], Response]]:
    relation = next((r for r in RELATED_LISTS.get(module.api_name, []) if r[0] == rest[1]), None)
    if relation is None:
        raise ApiError(
            "INVALID_DATA",
            {"api_name": rest[1], "resource_path_index": 2},
            "The relation name given seems to be invalid",
        )
    rel = Relation(ctx, module, rest[0], relation, rest[2] if len(rest) == 3 else None, external)
    return {"GET": rel.get, "PUT": rel.put, "DELETE": rel.delete}


class Relation:
    def __init__(
        self,
        ctx: Ctx,
        module: Module,
        key: str,
        relation: tuple[str, str, str],
        related_key: str | None,
        external: str | None,
    ) -> None:
        self.ctx, self.module, self.key, self.external = ctx, module, key, external
        self.list_name, self.target, self.via = relation
        self.related_key = related_key
        self.rel_external = _related_external(ctx, self.target)

    def _base(self, conn: sqlite3.Connection) -> dict[str, Any] | None:
        if self.external:
            return _by_external(conn, self.module.api_name, self.external, self.key)
        return Store.get_record_in(conn, self.module.api_name, self.key)

    def _linked(self, conn: sqlite3.Connection, base_id: str) -> list[dict[str, Any]]:
        if self.via != "contact_roles":
            return [
                r
                for r in self.ctx.store.all_records(self.target)
                if (r.get(self.via) or {}).get("id") == base_id
            ]
        column, other = (
            ("contact_id", "deal_id")
            if self.module.api_name == "Contacts"
            else ("deal_id", "contact_id")
        )
        rows = conn.execute(
            f"SELECT {other}, role_id FROM contact_roles_links "  # noqa: S608
            f"WHERE {column} = ? ORDER BY {other} DESC",
            (int(base_id),),
        )
        roles = {r["id"]: r for r in org.CONTACT_ROLES}
        out = []
        for other_id, role_id in rows.fetchall():
            record = Store.get_record_in(conn, self.target, str(other_id))
            if record is not None:
                role = roles.get(role_id)
                record["Contact_Role"] = {"name": role["name"], "id": role["id"]} if role else None
                out.append(record)
        return out

    def get(self) -> Response:
        self.ctx.require_module(self.module, "READ")
        names = _fields_param(self.ctx, required=True)
        per_page, page = (
            _int_param(self.ctx, "per_page", 200, 200),
            _int_param(self.ctx, "page", 1),
        )
        with self.ctx.store.read() as conn:
            base = self._base(conn)
            records = [] if base is None else self._linked(conn, base["id"])
        if self.related_key:
            records = [
                r
                for r in records
                if self.related_key in {r["id"], r.get(self.rel_external or "id")}
            ]
        chunk = records[(page - 1) * per_page : page * per_page]
        if not chunk:
            return no_content()
        target = registry()[self.target]
        fields = None if names is None else [*names, "Contact_Role"]
        data = [project(r, target, fields, listing=True) for r in chunk]
        for row, record in zip(data, chunk, strict=True):
            if "Contact_Role" in record and names is not None:
                row["Contact_Role"] = record["Contact_Role"]
        return json_response(
            {
                "data": data,
                "info": {
                    "per_page": per_page,
                    "next_page_token": None,
                    "count": len(chunk),
                    "page": page,
                    "previous_page_token": None,
                    "page_token_expiry": None,
                    "more_records": page * per_page < len(records),
                },
            }
        )

    def _writable(self) -> None:
        self.ctx.require_write(self.module)
        if self.via != "contact_roles":
            raise ApiError(
                "NOT_SUPPORTED",
                {"api_name": self.list_name},
                "the relation is not supported for this operation",
            )

    def put(self) -> Response:
        self._writable()
        body = read_body(self.ctx)
        if len(body["data"]) > 100:
            raise ApiError("LIMIT_EXCEEDED", {"api_name": "data", "limit": 100})
        with self.ctx.store.write() as conn:
            base = self._base(conn)
            if base is None:
                if self.external:
                    raise ApiError(
                        "INVALID_DATA",
                        {"api_name": self.external, "resource_path_index": 1},
                        BAD_BASE_EXTERNAL,
                    )
                raise ApiError("INVALID_DATA", {"id": self.key}, "the id given seems to be invalid")
            results = [self._link(conn, base, i, item) for i, item in enumerate(body["data"])]
        codes = {r["code"] for r in results}
        status = 200 if codes == {"SUCCESS"} else (207 if "SUCCESS" in codes else 400)
        return json_response({"data": results}, status)

    def _link(
        self, conn: sqlite3.Connection, base: dict[str, Any], index: int, item: Any
    ) -> dict[str, Any]:
        path = f"$.data[{index}]"
        if not isinstance(item, dict):
            return envelope("INVALID_DATA", {"json_path": path}, "invalid data")
        related_ref = self.related_key or item.get("id")
        details: dict[str, Any] = {}
        if self.rel_external:
            ext_value = self.related_key or item.get(self.rel_external)
            if ext_value in (None, ""):
                return envelope(
                    "MANDATORY_NOT_FOUND",
                    {"api_name": self.rel_external, "json_path": f"{path}.{self.rel_external}"},
                    "required field not found",
                )
            related = _by_external(conn, self.target, self.rel_external, str(ext_value))
            if related is None:
                return envelope(
                    "INVALID_DATA",
                    {"api_name": self.rel_external, "json_path": f"{path}.{self.rel_external}"},
                    BAD_RELATED_EXTERNAL,
                )
            details[self.rel_external] = ext_value
        else:
            related = Store.get_record_in(conn, self.target, str(related_ref or ""))
            if related is None:
                return envelope(
                    "INVALID_DATA", {"api_name": "id", "json_path": f"{path}.id"}, BAD_RELATED_ID
                )
        role = item.get("Contact_Role")
        role_id = role.get("id") if isinstance(role, dict) else role
        if role_id is not None and role_id not in {r["id"] for r in org.CONTACT_ROLES}:
            return envelope(
                "INVALID_DATA",
                {"api_name": "Contact_Role", "json_path": f"{path}.Contact_Role"},
                "invalid data",
            )
        deal, contact = (related, base) if self.module.api_name == "Contacts" else (base, related)
        existed = conn.execute(
            "SELECT 1 FROM contact_roles_links WHERE deal_id = ? AND contact_id = ?",
            (int(deal["id"]), int(contact["id"])),
        ).fetchone()
        conn.execute(
            "INSERT OR REPLACE INTO contact_roles_links (deal_id, contact_id, role_id)"
            " VALUES (?, ?, ?)",
            (int(deal["id"]), int(contact["id"]), role_id),
        )
        details["id"] = related["id"]
        # Zoho: deal contact roles answer "relation updated"; other relations "relation added".
        message = (
            "relation updated" if self.list_name == "Contact_Roles" or existed else "relation added"
        )
        return {"code": "SUCCESS", "details": details, "message": message, "status": "success"}

    def delete(self) -> Response:
        self._writable()
        keys = (
            [self.related_key]
            if self.related_key
            else [k for k in self.ctx.request.args.get("ids", "").split(",") if k]
        )
        if not keys:
            raise ApiError("REQUIRED_PARAM_MISSING", {"param_name": "ids"})
        results = []
        with self.ctx.store.write() as conn:
            base = self._base(conn)
            if base is None:
                raise ApiError(
                    "INVALID_DATA",
                    {"resource_path_index": 1},
                    BAD_BASE_EXTERNAL if self.external else "the id given seems to be invalid",
                )
            for key in keys:
                related = (
                    _by_external(conn, self.target, self.rel_external, key)
                    if self.rel_external
                    else Store.get_record_in(conn, self.target, key)
                )
                deal, contact = (
                    (related, base) if self.module.api_name == "Contacts" else (base, related)
                )
                gone = (
                    related is not None
                    and conn.execute(
                        "DELETE FROM contact_roles_links WHERE deal_id = ? AND contact_id = ?",
                        (int(deal["id"]), int(contact["id"])),
                    ).rowcount
                )
                results.append(
                    {
                        "code": "SUCCESS",
                        "details": {"id": related["id"]},
                        "message": "relation removed",
                        "status": "success",
                    }
                    if gone
                    else envelope("INVALID_DATA", {"id": key}, BAD_RELATED_ID)
                )
        codes = {r["code"] for r in results}
        status = 200 if codes == {"SUCCESS"} else (207 if "SUCCESS" in codes else 400)
        return json_response({"data": results}, status)
