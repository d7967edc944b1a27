"""Record writes: PUT /{module} and /{module}/{id} update the way zoho-update-records.txt says;
POST /{module} inserts and DELETE /{module}?ids= or /{module}/{id} deletes into the recycle bin
(zoho-api.md §3.4, §3.7), with the same per-record envelopes."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from sandbox.clock import now_ts, parse_iso, to_iso
from sandbox.crm.context import Ctx
from sandbox.crm.file_routes import file_info_in
from sandbox.crm.subforms import apply_subform
from sandbox.crm.validation import Checker, FieldError
from sandbox.http import ApiError, envelope, json_response
from sandbox.metadata import org
from sandbox.metadata.layouts import layout_required, layouts_for
from sandbox.metadata.modules import Module
from sandbox.store import Store

MAX_RECORDS = 100
TRIGGERS = {"workflow", "approval", "blueprint", "pathfinder", "orchestration"}
NOT_APPROVED = "Cannot update record that is not approved yet"
LOCKED = "You cannot perform this operation as the record is locked."
ALREADY_MODIFIED = "record updated time has already passed if-unmodified-since time"
NOT_DELETED = "record not deleted"


def read_body(ctx: Ctx) -> dict[str, Any]:
    try:
        body = json.loads(ctx.request.get_data(as_text=True) or "null")
    except ValueError:
        raise ApiError(
            "INVALID_DATA", {"expected_data_type": "jsonobject", "api_name": "body"}
        ) from None
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ApiError("INVALID_DATA", {"expected_data_type": "jsonarray", "api_name": "data"})
    return body


def check_top_level(body: dict[str, Any]) -> None:
    trigger = body.get("trigger")
    if trigger is not None and (not isinstance(trigger, list) or not set(trigger) <= TRIGGERS):
        raise ApiError(
            "INVALID_DATA",
            {"api_name": "trigger", "json_path": "$.trigger", "supported_values": sorted(TRIGGERS)},
        )
    skip = body.get("skip_feature_execution")
    if skip is not None and (
        not isinstance(skip, list)
        or any(not isinstance(s, dict) or s.get("name") != "cadences" for s in skip)
    ):
        raise ApiError(
            "INVALID_DATA",
            {
                "api_name": "skip_feature_execution",
                "json_path": "$.skip_feature_execution",
                "supported_values": ["cadences"],
            },
        )


def header_fields(record: dict[str, Any]) -> dict[str, Any]:
    # Key order as in Zoho's sample response.
    return {
        "Modified_Time": record["Modified_Time"],
        "Modified_By": _ref(record["Modified_By"]),
        "Created_Time": record["Created_Time"],
        "id": record["id"],
        "Created_By": _ref(record["Created_By"]),
    }


def _ref(user: dict[str, Any]) -> dict[str, Any]:
    return {"name": user.get("name"), "id": user.get("id")}


def update(
    ctx: Ctx, module: Module, path_id: str | None = None, external: tuple[str, str] | None = None
) -> Response:
    ctx.require_write(module)
    body = read_body(ctx)
    if len(body["data"]) > MAX_RECORDS:
        raise ApiError(
            "LIMIT_EXCEEDED", {"api_name": "data", "limit": MAX_RECORDS, "json_path": "$.data"}
        )
    check_top_level(body)
    raw_ius = ctx.request.headers.get("If-Unmodified-Since")
    ius = parse_iso(raw_ius) if raw_ius else None
    if raw_ius and ius is None:
        raise ApiError(
            "INVALID_DATA", {"param_name": "If-Unmodified-Since", "expected_data_type": "datetime"}
        )
    results = []
    with ctx.store.write() as conn:
        for index, item in enumerate(body["data"]):
            try:
                results.append(_update_one(ctx, conn, module, index, item, path_id, ius, external))
            except FieldError as error:
                results.append(envelope(error.code, error.details, error.message))
    codes = [r["code"] for r in results]
    if all(c == "SUCCESS" for c in codes):
        status = 200
    elif any(c == "SUCCESS" for c in codes):
        status = 207
    else:
        status = 412 if all(c == "ALREADY_MODIFIED" for c in codes) else 400
    return json_response({"data": results}, status)


def _find(
    ctx: Ctx,
    conn: sqlite3.Connection,
    module: Module,
    index: int,
    item: Any,
    path_id: str | None,
    external: tuple[str, str] | None,
) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise FieldError(
            "INVALID_DATA", {"expected_data_type": "jsonobject", "json_path": f"$.data[{index}]"}
        )
    if external is not None:
        row = conn.execute(
            "SELECT data FROM records WHERE module = ? AND json_extract(data, ?) = ?",
            (module.api_name, f'$."{external[0]}"', external[1]),
        ).fetchone()
        if row is None:
            raise FieldError(
                "INVALID_DATA", {"api_name": external[0]}, "the id given seems to be invalid"
            )
        return json.loads(row[0])
    record_id = path_id or item.get("id")
    if record_id in (None, ""):
        raise FieldError(
            "MANDATORY_NOT_FOUND",
            {"api_name": "id", "json_path": f"$.data[{index}].id"},
            "required field not found",
        )
    record = Store.get_record_in(conn, module.api_name, str(record_id))
    if record is None:
        raise FieldError("INVALID_DATA", {"id": str(record_id)}, "the id given seems to be invalid")
    return record


def _update_one(
    ctx: Ctx,
    conn: sqlite3.Connection,
    module: Module,
    index: int,
    item: Any,
    path_id: str | None,
    ius: int | None,
    external: tuple[str, str] | None,
) -> dict[str, Any]:
    record = _find(ctx, conn, module, index, item, path_id, external)
    rid = record["id"]
    failing = ctx.request.environ.get("sandbox.fail_records") or {}
    if rid in failing:
        name = failing[rid]
        details = {"api_name": name, "json_path": f"$.data[{index}].{name}", "id": rid}
        raise FieldError("INVALID_DATA", details, "invalid data")
    if record.get("Locked__s"):
        raise FieldError("RECORD_LOCKED", {"id": rid}, LOCKED)
    if record.get("$in_merge"):
        raise FieldError("RECORD_LOCKED", {"id": rid}, NOT_APPROVED)
    if record.get("$approval_state") == "approval_process_pending":
        raise FieldError("NOT_APPROVED", {"id": rid}, NOT_APPROVED)
    stored_ts = ctx.store.modified_ts(conn, rid)
    if ius is not None and stored_ts > ius:
        raise FieldError(
            "ALREADY_MODIFIED",
            {
                "Modified_Time": record["Modified_Time"],
                "Created_Time": record["Created_Time"],
                "id": rid,
                "Modified_By": _ref(record["Modified_By"]),
                "Created_By": _ref(record["Created_By"]),
            },
            ALREADY_MODIFIED,
        )
    checker = Checker(
        lambda m, i: Store.get_record_in(conn, m, i),
        lambda: Store.next_ids(conn)[0],
        lambda file_id: file_info_in(conn, file_id),
    )
    append = item.get("$append_values") or {}
    updated = dict(record)
    for key, value in item.items():
        field = module.by_name.get(key)
        # Zoho ignores unknown keys and writes to read-only fields (INFERRED, see README).
        if field is None or field["field_read_only"] or key == "id":
            continue
        path = f"$.data[{index}].{key}"
        if field["data_type"] == "subform":
            updated[key] = apply_subform(checker, field, value, record.get(key), path)
        else:
            updated[key] = checker.value(
                field, value, record.get(key), path, append=bool(append.get(key))
            )
    _check_record(conn, module, index, item, updated)
    _derive(module, updated)
    modified = max(now_ts(), stored_ts + 1)  # strictly increasing, even within one second
    updated["Modified_Time"] = to_iso(modified)
    updated["Modified_By"] = org.user_ref(ctx.user)
    created = parse_iso(record["Created_Time"]) or modified
    Store.save_record(conn, module.api_name, updated, created, modified)
    ctx.store.api_updates[(module.api_name, str(rid))] += 1
    details = header_fields(updated)
    if external is not None:
        details[external[0]] = external[1]
    return {"code": "SUCCESS", "details": details, "message": "record updated", "status": "success"}


def _check_record(
    conn: sqlite3.Connection,
    module: Module,
    index: int,
    item: dict[str, Any],
    updated: dict[str, Any],
) -> None:
    required = {f["api_name"] for f in module.fields if f["system_mandatory"]}
    layout = item.get("Layout")
    if isinstance(layout, dict) and layout.get("id"):
        required |= layout_required(module.api_name, str(layout["id"])) or set()
    for name in sorted(required):
        if updated.get(name) in (None, "", []):
            raise FieldError(
                "MANDATORY_NOT_FOUND",
                {"api_name": name, "json_path": f"$.data[{index}].{name}"},
                "required field not found",
            )
    for field in module.fields:
        name = field["api_name"]
        if field["unique"] and name in item and updated.get(name) not in (None, ""):
            dup = Store.find_duplicate(
                conn, module.api_name, name, str(updated[name]), updated["id"]
            )
            if dup is not None:
                owner = dup.get("Owner") or {}
                raise FieldError(
                    "DUPLICATE_DATA",
                    {
                        "api_name": name,
                        "json_path": f"$.data[{index}].{name}",
                        "duplicate_record": {
                            "id": dup["id"],
                            "module": {"api_name": module.api_name, "id": module.id},
                            "Owner": {
                                "name": owner.get("name"),
                                "id": owner.get("id"),
                                "zuid": str(int(owner.get("id", "0")) % 10**9),
                            },
                        },
                        "more_records": False,
                    },
                    "duplicate data",
                )
    if module.api_name == "Deals":
        _check_deal(index, item, updated)
    if (
        module.api_name == "Calls"
        and updated.get("Call_Type") in {"Inbound", "Outbound"}
        and _seconds(updated.get("Call_Duration")) == 0
    ):
        raise FieldError(
            "DEPENDENT_MISMATCH",
            {
                "api_name": "Call_Duration",
                "json_path": f"$.data[{index}].Call_Duration",
                "dependee": {"api_name": "Call_Type", "json_path": f"$.data[{index}].Call_Type"},
            },
            "Call Duration can not be zero.",
        )


def _check_deal(index: int, item: dict[str, Any], updated: dict[str, Any]) -> None:
    """Two Deals rules (INFERRED, see README): a Stage change needs a Pipeline, even on a layout
    that hides it; and a lost deal keeps no probability, refused for the record as a whole with
    words that name the values."""
    if "Stage" in item and updated.get("Pipeline") in (None, ""):
        raise FieldError(
            "MANDATORY_NOT_FOUND",
            {"api_name": "Pipeline", "json_path": f"$.data[{index}].Pipeline"},
            "required field not found",
        )
    probability = updated.get("Probability")
    changed = "Stage" in item or "Probability" in item
    lost = updated.get("Stage") == "Closed Lost"
    if changed and lost and isinstance(probability, int | float) and probability:
        raise FieldError(
            "DEPENDENT_MISMATCH",
            {"id": updated["id"]},
            f"A deal in stage Closed Lost must have a probability of 0, not {probability:g}.",
        )


def _seconds(duration: Any) -> int | None:
    if not isinstance(duration, str):
        return None
    parts = duration.strip().split(":")
    if not all(p.isdigit() for p in parts):
        return None
    total = 0
    for part in parts:
        total = total * 60 + int(part)
    return total


def _derive(module: Module, record: dict[str, Any]) -> None:
    """Recompute the read-only values Zoho derives from other fields."""
    if "Full_Name" in module.by_name:
        record["Full_Name"] = " ".join(
            p for p in (record.get("First_Name"), record.get("Last_Name")) if p
        )
    if module.api_name == "Calls":
        record["Call_Duration_in_seconds"] = _seconds(record.get("Call_Duration"))
    if module.api_name == "Deals":
        amount, prob = record.get("Amount") or 0.0, record.get("Probability") or 0.0
        record["Expected_Revenue"] = round(amount * prob / 100, 2)
    if module.api_name == "Contacts":
        record["Engagement_Score"] = round((record.get("Loyalty_Points") or 0) * 1.5, 2)


def insert(ctx: Ctx, module: Module) -> Response:
    """POST /{module}: 201 when every record was added, 207 mixed, 400 none (zoho-api.md §4)."""
    ctx.require_write(module, "CREATE")
    body = read_body(ctx)
    if len(body["data"]) > MAX_RECORDS:
        raise ApiError(
            "LIMIT_EXCEEDED", {"api_name": "data", "limit": MAX_RECORDS, "json_path": "$.data"}
        )
    check_top_level(body)
    results = []
    with ctx.store.write() as conn:
        for index, item in enumerate(body["data"]):
            try:
                results.append(_insert_one(ctx, conn, module, index, item))
            except FieldError as error:
                results.append(envelope(error.code, error.details, error.message))
    return json_response({"data": results}, _write_status(results, all_ok=201))


def _insert_one(
    ctx: Ctx, conn: sqlite3.Connection, module: Module, index: int, item: Any
) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise FieldError(
            "INVALID_DATA", {"expected_data_type": "jsonobject", "json_path": f"$.data[{index}]"}
        )
    layout = _layout_of(module, index, item)
    checker = Checker(lambda m, i: Store.get_record_in(conn, m, i), lambda: Store.next_ids(conn)[0])
    record: dict[str, Any] = {"id": Store.next_ids(conn)[0]}
    for key, value in item.items():
        field = module.by_name.get(key)
        # As on update, Zoho ignores unknown keys and values for read-only fields.
        if field is None or field["field_read_only"] or key == "id":
            continue
        path = f"$.data[{index}].{key}"
        if field["data_type"] == "subform":
            record[key] = apply_subform(checker, field, value, None, path)
        else:
            record[key] = checker.value(field, value, None, path)
    for field in module.fields:
        name = field["api_name"]
        if field["data_type"] == "autonumber":
            prefix = (field.get("auto_number") or {}).get("prefix") or ""
            record[name] = f"{prefix}{_records_in(conn, module) + 1:05d}"
        record.setdefault(name, None)
    _check_record(conn, module, index, item, record)
    _derive(module, record)
    created = now_ts()
    user = org.user_ref(ctx.user)
    record.update(
        {
            "Owner": record.get("Owner") or org.user_ref(ctx.user, with_email=True),
            "Created_By": user,
            "Modified_By": user,
            "Created_Time": to_iso(created),
            "Modified_Time": to_iso(created),
            "Tag": [],
            "Layout": {"name": layout["name"], "id": layout["id"]},
            "$approval_state": "approved",
            "$editable": True,
            "Locked__s": False,
            "Record_Status__s": "Available",
        }
    )
    Store.save_record(conn, module.api_name, record, created, created)
    details = {**header_fields(record), "$approval_state": "approved"}
    return {"code": "SUCCESS", "details": details, "message": "record added", "status": "success"}


def _layout_of(module: Module, index: int, item: dict[str, Any]) -> dict[str, Any]:
    """The layout named in the record (its required fields are then checked), else the
    module's first (the default layout, as Zoho assigns it)."""
    layouts = layouts_for(module.api_name)
    wanted = item.get("Layout")
    if wanted is None:
        return layouts[0]
    wanted_id = str(wanted.get("id") or "") if isinstance(wanted, dict) else ""
    for layout in layouts:
        if layout["id"] == wanted_id:
            return layout
    raise FieldError(
        "INVALID_DATA",
        {"api_name": "Layout", "json_path": f"$.data[{index}].Layout", "id": wanted_id},
        "invalid data",
    )


def _records_in(conn: sqlite3.Connection, module: Module) -> int:
    row = conn.execute("SELECT count(*) FROM records WHERE module = ?", (module.api_name,))
    return int(row.fetchone()[0])


def delete(ctx: Ctx, module: Module, path_id: str | None = None) -> Response:
    """DELETE /{module}?ids=a,b (at most 100) or /{module}/{id}: each record to the recycle bin;
    an id the module does not hold (or holds no more) is INVALID_DATA "record not deleted"."""
    ctx.require_write(module, "DELETE")
    if path_id is not None:
        ids = [path_id]
    else:
        raw = ctx.request.args.get("ids", "")
        ids = [part.strip() for part in raw.split(",") if part.strip()]
        if not ids:
            raise ApiError("REQUIRED_PARAM_MISSING", {"param": "ids"})
        if len(ids) > MAX_RECORDS:
            raise ApiError("LIMIT_EXCEEDED", {"param": "ids", "limit": MAX_RECORDS})
    results = []
    with ctx.store.write() as conn:
        for record_id in ids:
            gone = Store.recycle(conn, module.api_name, record_id, now_ts(), ctx.user["id"])
            if gone:
                results.append(
                    envelope("SUCCESS", {"id": record_id}, "record deleted", status="success")
                )
            else:
                results.append(envelope("INVALID_DATA", {"id": record_id}, NOT_DELETED))
    return json_response({"data": results}, _write_status(results, all_ok=200))


def _write_status(results: list[dict[str, Any]], *, all_ok: int) -> int:
    codes = [result["code"] for result in results]
    if all(code == "SUCCESS" for code in codes):
        return all_ok
    return 207 if "SUCCESS" in codes else 400
