"""The Files API (OAS8 files.json): ``POST /crm/v8/files`` stores up to 10 files sent as
``multipart/form-data`` parts named ``file`` and answers each file's id; ``GET /crm/v8/files?id=``
answers the file (``application/x-download``). A file or image upload field of a record takes a
stored file's id as ``File_Id__s`` (``sandbox.crm.validation``), which then shows its name and size.

Limits as Zoho's: 20 MB a file (400 ``FILE_SIZE_MORE_THAN_ALLOWED_SIZE``, as the OAS lists it),
10 files a request (400 ``INVALID_DATA``), a body that is not multipart 415 (zoho-api.md §4.3).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from typing import Any

from werkzeug.wrappers import Response

from sandbox.crm.context import Ctx
from sandbox.http import ApiError, json_response
from sandbox.store import Store

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
# What an image upload field takes (Zoho's web form offers these).
IMAGE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/webp", "image/tiff"}
)


def upload(ctx: Ctx) -> Response:
    ctx.require("ZohoCRM.files.ALL", "ZohoCRM.files.CREATE")
    if ctx.request.mimetype != "multipart/form-data":
        raise ApiError(
            "UNSUPPORTED_MEDIA_TYPE",
            {"supported_content_type": "multipart/form-data"},
            "the content type of the request is not supported",
            status=415,
        )
    parts = ctx.request.files.getlist("file")
    if not parts:
        raise ApiError("INVALID_DATA", {"param_name": "file"}, "please attach a file")
    if len(parts) > MAX_FILES:
        raise ApiError("INVALID_DATA", {"limit": MAX_FILES}, "more than 10 files are uploaded")
    files = []
    for part in parts:
        content = part.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise ApiError(
                "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
                {"file_name": part.filename or "", "maximum_size": "20 MB"},
                "file size exceeds the maximum size allowed",
            )
        if not content:
            raise ApiError("INVALID_DATA", {"file_name": part.filename or ""}, "the file is empty")
        content_type = part.mimetype or "application/octet-stream"
        files.append((part.filename or "file", content_type, content))
    answers = [
        {
            "code": "SUCCESS",
            "details": {"name": name, "id": file_put(ctx.store, name, content_type, content)},
            "message": "file uploaded.",
            "status": "success",
        }
        for name, content_type, content in files
    ]
    return json_response({"data": answers})


def download(ctx: Ctx) -> Response:
    ctx.require("ZohoCRM.files.ALL", "ZohoCRM.files.READ")
    file_id = ctx.request.args.get("id", "")
    if not file_id:
        raise ApiError("REQUIRED_PARAM_MISSING", {"param_name": "id"})
    found = file_get(ctx.store, file_id)
    if found is None:
        raise ApiError("INVALID_DATA", {"param_name": "id"}, "the given file id is invalid")
    name = str(found["name"]).replace('"', "")
    return Response(
        found["content"],
        content_type="application/x-download",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def file_put(store: Store, name: str, content_type: str, content: bytes) -> str:
    # Zoho's file ids are long opaque strings; a digest keeps re-uploads of one file apart.
    file_id = hashlib.sha256(content).hexdigest()[:24] + secrets.token_hex(20)
    with store.write() as conn:
        conn.execute(
            "INSERT INTO files (id, name, content_type, size, content) VALUES (?, ?, ?, ?, ?)",
            (file_id, name, content_type, len(content), content),
        )
    return file_id


def file_info_in(conn: sqlite3.Connection, file_id: str) -> dict[str, Any] | None:
    """A stored file's name, type and size, read inside a write's transaction."""
    row = conn.execute(
        "SELECT name, content_type, size FROM files WHERE id = ?", (file_id,)
    ).fetchone()
    return None if row is None else {"name": row[0], "content_type": row[1], "size": row[2]}


def file_get(store: Store, file_id: str) -> dict[str, Any] | None:
    with store.read() as conn:
        row = conn.execute(
            "SELECT name, content_type, size, content FROM files WHERE id = ?", (file_id,)
        ).fetchone()
    if row is None:
        return None
    return {"name": row[0], "content_type": row[1], "size": row[2], "content": bytes(row[3])}
