"""File and image upload fields: the new files of a save go to Zoho's Files API first (the
connection's upload host, ``updater.files``); the ids Zoho gives them are then set as
``File_Id__s`` in the record update. Plain values in and out: no request, form or HTML here."""

from __future__ import annotations

from collections.abc import Mapping

from updater.client import ZohoClient
from updater.errors import ZohoError
from updater.files import FileContent, Upload, file_get, file_upload


class UploadRefused(Exception):
    """Zoho refused (or never answered) the upload of ``file_name`` for field ``field``;
    ``file_ids`` holds the ids of the files uploaded before it (field → ids, in order)."""

    def __init__(
        self,
        *,
        field: str,
        file_name: str,
        error: ZohoError,
        file_ids: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(f"{field}: {file_name}: {error}")
        self.field = field
        self.file_name = file_name
        self.error = error
        self.file_ids = dict(file_ids or {})


def files_upload(
    *, client: ZohoClient, uploads: Mapping[str, list[Upload]]
) -> dict[str, list[str]]:
    """Upload each field's new files, in order; field → the file ids Zoho gave them. The first
    refusal stops the uploads and raises UploadRefused naming the field and the file, with the
    ids of the files already uploaded (the form keeps them to attach on the next save)."""
    file_ids: dict[str, list[str]] = {}
    for field, files in uploads.items():
        for upload in files:
            try:
                file_id = file_upload(
                    client=client,
                    name=upload.name,
                    content=upload.content,
                    content_type=upload.content_type,
                )
            except ZohoError as error:
                raise UploadRefused(
                    field=field, file_name=upload.name, error=error, file_ids=file_ids
                ) from error
            file_ids.setdefault(field, []).append(file_id)
    return file_ids


def record_file_ids(record: Mapping[str, object]) -> set[str]:
    """The file ids the record's file and image fields hold (all a preview may ask for)."""
    found: set[str] = set()
    for value in record.values():
        if isinstance(value, list):
            found.update(
                str(row["File_Id__s"])
                for row in value
                if isinstance(row, Mapping) and row.get("File_Id__s")
            )
    return found


def file_of_record(
    *, client: ZohoClient, record: Mapping[str, object], file_id: str
) -> FileContent | None:
    """The file ``file_id`` if one of the record's file or image fields holds it, else None
    (a user with a grant on this module reads no file of another module through it)."""
    if file_id not in record_file_ids(record):
        return None
    return file_get(client=client, file_id=file_id)
