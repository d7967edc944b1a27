"""Related lists: link by external id or by id, read, unlink (zoho-api.md §3.8, §3.9 and
zoho-update-related-records-by-external-id.txt)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from updater.client import ApiResponse, ZohoClient
from updater.errors import RecordResult
from updater.records import (
    MAX_PER_PAGE,
    RecordPage,
    page_from,
    record_path,
    results_in_chunks,
)


def _rows_put(
    *, client: ZohoClient, path: str, external: str | None, rows: list[Mapping[str, Any]]
) -> list[RecordResult]:
    headers = {"X-EXTERNAL": external} if external else {}

    def send(chunk: Sequence[Mapping[str, Any]]) -> ApiResponse:
        data = [dict(row) for row in chunk]
        return client.request(
            "PUT", path, json={"data": data}, headers=headers, record_errors_ok=True
        )

    return results_in_chunks(rows, send=send)


def _external_rows_check(rows: list[Mapping[str, Any]], field: str) -> None:
    # Zoho answers MANDATORY_NOT_FOUND when the header names a field the body lacks; fail
    # before spending an API call.
    if any(not row.get(field) for row in rows):
        raise ValueError(f"Every row needs {field} because X-EXTERNAL names it")


def related_link_by_external(
    *,
    client: ZohoClient,
    module: str,
    external_field: str,
    external_value: str,
    related_list: str,
    related_external_field: str,
    rows: list[Mapping[str, Any]],
    related_module: str | None = None,
) -> list[RecordResult]:
    """PUT /{module}/{external value}/{related list} with
    ``X-EXTERNAL: {module}.{field},{related module}.{field}``. The related module defaults to the
    related list's name (as in Contacts → Deals)."""
    _external_rows_check(rows, related_external_field)
    target = related_module or related_list
    return _rows_put(
        client=client,
        path=record_path(module, external_value, related_list),
        external=f"{module}.{external_field},{target}.{related_external_field}",
        rows=rows,
    )


def related_link(
    *,
    client: ZohoClient,
    module: str,
    record_id: str,
    related_list: str,
    related_module: str,
    related_external_field: str | None,
    rows: list[Mapping[str, Any]],
) -> list[RecordResult]:
    """Base record by id; related records by external field (``X-EXTERNAL`` names only the
    related module's field) or, when ``related_external_field`` is None, by ``id``."""
    external = None
    if related_external_field:
        _external_rows_check(rows, related_external_field)
        external = f"{related_module}.{related_external_field}"
    return _rows_put(
        client=client,
        path=record_path(module, record_id, related_list),
        external=external,
        rows=rows,
    )


def related_list_get(
    *,
    client: ZohoClient,
    module: str,
    record_id: str,
    related_list: str,
    fields: list[str],
    page: int = 1,
    per_page: int = MAX_PER_PAGE,
    page_token: str | None = None,
) -> RecordPage:
    if not fields:
        raise ValueError("Zoho requires fields on related-list reads")
    params: dict[str, Any] = {"fields": ",".join(fields), "per_page": per_page}
    if page_token:
        params["page_token"] = page_token
    else:
        params["page"] = page
    response = client.request("GET", record_path(module, record_id, related_list), params=params)
    return page_from(response, page=page, per_page=per_page)


def related_unlink(
    *,
    client: ZohoClient,
    module: str,
    record_id: str,
    related_list: str,
    related_ids: list[str],
) -> list[RecordResult]:
    """DELETE /{module}/{id}/{related list}?ids=a,b in calls of at most 100 ids."""
    path = record_path(module, record_id, related_list)

    def send(chunk: Sequence[str]) -> ApiResponse:
        return client.request(
            "DELETE", path, params={"ids": ",".join(chunk)}, record_errors_ok=True
        )

    return results_in_chunks(related_ids, send=send)
