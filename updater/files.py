"""Zoho's Files API (OAS8 files.json): upload a file for a file or image upload field, read one.

A file or image upload field takes a file in two steps: the file goes to ``POST /crm/v8/files``
on the data centre's upload host (``content.zohoapis.com`` and its kin, zoho-api.md §1.1), whose
answer carries the file's encrypted id; the record update then sends
``[{"File_Id__s": "<that id>"}]`` (zoho-api.md §2.3). ``GET /crm/v8/files?id=`` on the API
domain answers the file itself (``application/x-download``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from updater.client import ZohoClient
from updater.errors import ApiError, ValidationError

# Zoho takes files up to 20 MB each (DOC8:upload-files; larger: 400
# FILE_SIZE_MORE_THAN_ALLOWED_SIZE), at most 10 in one request.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES_PER_REQUEST = 10
FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?"?([^";]+)"?""", re.IGNORECASE)


@dataclass(frozen=True)
class Upload:
    """One file to upload: its name, bytes and media type (what ``file_upload`` sends)."""

    name: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class FileContent:
    """A file as Get File answers it: its bytes, its name (Content-Disposition) and type."""

    content: bytes
    name: str
    content_type: str


def file_upload(*, client: ZohoClient, name: str, content: bytes, content_type: str) -> str:
    """Upload one file to the connection's upload host; return the id Zoho gives it
    (``File_Id__s`` for a file or image upload field). Zoho's refusals (size, virus, type) raise
    the ApiError the one mapper chooses, carrying Zoho's code."""
    response = client.request(
        "POST", "files", files=[("file", (name, content, content_type))], upload=True
    )
    for item in (response.body or {}).get("data") or []:
        file_id = (item.get("details") or {}).get("id") if isinstance(item, dict) else None
        if item.get("code") == "SUCCESS" and file_id:
            return str(file_id)
        if item.get("status") == "error":
            raise ValidationError(
                status=response.status,
                code=str(item.get("code") or ""),
                message=str(item.get("message") or ""),
                details=item.get("details") or {},
            )
    raise ApiError(
        status=response.status,
        code="",
        message="Zoho's answer to the upload names no file id",
        details={},
    )


def file_get(*, client: ZohoClient, file_id: str) -> FileContent:
    """The file Zoho keeps under ``file_id`` (a ``File_Id__s``)."""
    response = client.request("GET", "files", params={"id": file_id}, raw=True)
    disposition = response.headers.get("Content-Disposition") or ""
    found = FILENAME.search(disposition)
    return FileContent(
        content=response.content,
        name=found.group(1).strip() if found else file_id,
        content_type=(response.headers.get("Content-Type") or "").split(";")[0].strip(),
    )
