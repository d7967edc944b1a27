"""Browsing records: which modules to offer, which columns to show, how to page and search.

Zoho pages by number only through the first 2,000 records; past that only `page_token` works
(zoho-api.md §3.1). Search has no tokens and stops at 2,000 results (§3.3). Sorting is possible
on `id`, `Created_Time` and `Modified_Time` only, and only when listing, not when searching.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.cache import cache

from crmadmin.datatypes import display_text, listable_fields
from updater.client import ZohoClient
from updater.metadata import Field, Layout, Module, fields_list, layouts_list, modules_list
from updater.records import (
    MAX_PAGED_RECORDS,
    SORT_FIELDS,
    Condition,
    RecordPage,
    criteria_build,
    records_count,
    records_list,
    records_search,
)

DEFAULT_COLUMN_COUNT = 6
# A count is kept this long per connection, module and search, so paging does not count again.
COUNT_SECONDS = 60
UNSORTABLE = "Zoho sorts lists only by created time, modified time or record ID."
UNSORTED_SEARCH = "Zoho returns search results in its own order; clear the search to sort."


@dataclass(frozen=True)
class ListQuery:
    """Everything that decides one page of the list; it all travels in the query string."""

    columns: tuple[str, ...]
    per_page: int
    page: int = 1
    page_token: str = ""
    sort_by: str = ""
    sort_order: str = ""
    mode: str = "word"
    q: str = ""
    conditions: tuple[Condition, ...] = ()
    join: str = "and"

    @property
    def searching(self) -> bool:
        return bool(self.conditions or self.q)

    def params(self, **overrides: Any) -> list[tuple[str, str]]:
        """Query-string pairs for this state; criteria rows use the form's `c<n>-*` names."""
        state = {**self.__dict__, **overrides}
        pairs = [("columns", column) for column in state["columns"]]
        for name in ("per_page", "sort_by", "sort_order", "mode", "q", "join"):
            if state[name] not in ("", None):
                pairs.append((name, str(state[name])))
        for index, condition in enumerate(state["conditions"]):
            value = condition.value
            text = ",".join(value) if isinstance(value, list) else value
            pairs += [
                (f"c{index}-field", condition.field),
                (f"c{index}-operator", condition.operator),
                (f"c{index}-value", text),
            ]
        if state["page"] != 1:
            pairs.append(("page", str(state["page"])))
        if state["page_token"]:
            pairs.append(("page_token", state["page_token"]))
        return pairs

    def moved(self, **overrides: Any) -> ListQuery:
        """This query with some parts changed: another page, another sort order."""
        return replace(self, **overrides)


@dataclass
class Table:
    """One page of records as text, and the queries for the pages around it (the template makes
    them links)."""

    headers: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    first: int
    last: int
    previous: ListQuery | None = None
    next: ListQuery | None = None
    first_page: ListQuery | None = None
    last_page: ListQuery | None = None
    limit_note: str = ""
    total: int | None = None  # matching records, when known
    pages: int | None = None  # pages those make at this page size
    last_note: str = ""  # why there is no link to the last page


@dataclass(frozen=True)
class ModuleMeta:
    module: Module | None  # None when Zoho does not offer the module for editing
    fields: list[Field]  # empty when not asked for (``module_meta(with_fields=False)``)
    layouts: list[Layout]

    @property
    def label(self) -> str:
        return self.module.plural_label if self.module else ""


def module_meta(
    *,
    client: ZohoClient,
    options: Mapping[str, Any],
    module: str,
    refresh: bool = False,
    with_fields: bool = True,
) -> ModuleMeta:
    """The module, its fields and layouts (three cached metadata calls; `refresh` reloads).
    A page that needs only the layouts' fields (a record's form: the layouts answer carries
    them) asks ``with_fields=False`` and saves the fields call."""
    modules = modules_list(client=client, refresh=refresh, **options)
    found = next(
        (item for item in editable_modules(modules, None) if item.api_name == module), None
    )
    if found is None:
        return ModuleMeta(module=None, fields=[], layouts=[])
    fields = []
    if with_fields:
        fields = fields_list(client=client, module=module, refresh=refresh, **options)
    layouts = layouts_list(client=client, module=module, refresh=refresh, **options)
    return ModuleMeta(module=found, fields=fields, layouts=layouts)


def editable_modules(modules: Iterable[Module], allowed: set[str] | None) -> list[Module]:
    """Modules the API may edit (`api_supported` and `editable`) that this user was granted."""
    usable = [
        module
        for module in modules
        if module.api_supported
        and module.editable
        and module.generated_type not in ("subform", "linking")
        and (allowed is None or module.api_name in allowed)
    ]
    return sorted(usable, key=lambda module: (module.plural_label or module.api_name).lower())


def default_columns(fields: Sequence[Field], layouts: Sequence[Layout]) -> tuple[str, ...]:
    """The first few listable fields in the first layout's order (fields order as a fallback)."""
    listable = {item.api_name for item in listable_fields(fields)}
    if {"First_Name", "Last_Name"} <= listable:
        listable.discard("Full_Name")  # it only repeats the two
    ordered: list[str] = []
    if layouts:
        for section in sorted(layouts[0].sections, key=lambda s: s.sequence_number):
            ordered += [item.api_name for item in sorted(section.fields, key=lambda f: f.sequence)]
    ordered += [item.api_name for item in fields]
    chosen: list[str] = []
    for api_name in ordered:
        if api_name in listable and api_name not in chosen:
            chosen.append(api_name)
        if len(chosen) == DEFAULT_COLUMN_COUNT:
            break
    return tuple(chosen)


def records_fetch(*, client: ZohoClient, module: str, query: ListQuery) -> RecordPage:
    """One page: the search API when searching, else the list API (sortable, token paging)."""
    fields = list(query.columns)
    if query.conditions:
        criteria = criteria_build(conditions=list(query.conditions), join=query.join)
        return records_search(
            client=client,
            module=module,
            criteria=criteria,
            fields=fields,
            page=query.page,
            per_page=query.per_page,
        )
    if query.q:
        return records_search(
            client=client,
            module=module,
            fields=fields,
            page=query.page,
            per_page=query.per_page,
            **{query.mode: query.q},
        )
    return records_list(
        client=client,
        module=module,
        fields=fields,
        per_page=query.per_page,
        page=query.page,
        page_token=query.page_token or None,
        sort_by=query.sort_by or None,
        sort_order=query.sort_order or None,
    )


def matching_total(
    *, client: ZohoClient, scope: str, module: str, query: ListQuery, page: RecordPage
) -> int:
    """How many records the list's search (or the whole module) matches: read off the page when
    it is the last one, else Zoho's count endpoint (one call, whatever the number), kept
    `COUNT_SECONDS` per `scope` (the connection), module and search so paging does not count
    again."""
    # A search stops at 2,000 results without saying more remain: those are counted.
    capped = query.searching and query.page * query.per_page >= MAX_PAGED_RECORDS
    if not page.more_records and (page.records or query.page == 1) and not capped:
        return (query.page - 1) * query.per_page + len(page.records)
    params = _count_params(query)
    digest = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:32]
    key = f"browse:count:{scope}:{module}:{digest}"
    total = cache.get(key)
    if total is None:
        total = records_count(client=client, module=module, **params)
        cache.set(key, total, COUNT_SECONDS)
    return total


def _count_params(query: ListQuery) -> dict[str, str]:
    if query.conditions:
        return {"criteria": criteria_build(conditions=list(query.conditions), join=query.join)}
    if query.q:
        return {query.mode: query.q}
    return {}


def table_build(
    *,
    page: RecordPage,
    query: ListQuery,
    fields: Sequence[Field],
    previous_token: str | None,
    total: int | None = None,
) -> Table:
    labels = {item.api_name: item.field_label or item.api_name for item in fields}
    headers = [_header(column, labels.get(column, column), query) for column in query.columns]
    rows = [
        {
            "id": str(record.get("id", "")),
            "cells": [display_text(record.get(column)) for column in query.columns],
        }
        for record in page.records
    ]
    first = (query.page - 1) * query.per_page + 1
    table = Table(headers=headers, rows=rows, first=first, last=first + len(rows) - 1)
    _pager_fill(table, page=page, query=query, previous_token=previous_token)
    if total is not None:
        _last_page_fill(table, query=query, total=total)
    return table


def _last_page_fill(table: Table, *, query: ListQuery, total: int) -> None:
    """A link to the last page when Zoho opens it by number (within the first 2,000 records;
    a search stops there anyway); else a note saying why not."""
    table.total = total
    reachable = min(total, MAX_PAGED_RECORDS) if query.searching else total
    table.pages = max(1, math.ceil(total / query.per_page))
    last = max(1, math.ceil(reachable / query.per_page))
    if last <= query.page:
        return
    if last * query.per_page <= MAX_PAGED_RECORDS:
        table.last_page = query.moved(page=last, page_token="")
    else:
        table.last_note = (
            f"Zoho opens pages by number only within the first {MAX_PAGED_RECORDS:,} records; "
            "go on with Next to reach the last page."
        )


def _header(column: str, label: str, query: ListQuery) -> dict[str, Any]:
    header: dict[str, Any] = {
        "api_name": column,
        "label": label,
        "sort": None,
        "sorted": "",
        "why_not": "",
    }
    if column not in SORT_FIELDS:
        header["why_not"] = UNSORTABLE
    elif query.searching:
        header["why_not"] = UNSORTED_SEARCH
    else:
        current = query.sort_by == column
        order = "asc" if current and query.sort_order != "asc" else "desc"
        if current:
            header["sorted"] = "ascending" if query.sort_order == "asc" else "descending"
        header["sort"] = query.moved(sort_by=column, sort_order=order, page=1, page_token="")
    return header


def _pager_fill(
    table: Table,
    *,
    page: RecordPage,
    query: ListQuery,
    previous_token: str | None,
) -> None:
    """Numbers up to record 2,000; past it the list follows `next_page_token` (searches stop)."""
    if query.page > 1:
        table.first_page = query.moved(page=1, page_token="")
        if (query.page - 1) * query.per_page <= MAX_PAGED_RECORDS:
            table.previous = query.moved(page=query.page - 1, page_token="")
        elif previous_token:
            table.previous = query.moved(page=query.page - 1, page_token=previous_token)
    if not page.more_records:
        return
    next_page = query.page + 1
    if next_page * query.per_page <= MAX_PAGED_RECORDS and not query.page_token:
        table.next = query.moved(page=next_page, page_token="")
    elif not query.searching and page.next_page_token:
        table.next = query.moved(page=next_page, page_token=page.next_page_token)
    elif query.searching:
        table.limit_note = (
            "Zoho returns at most 2,000 search results. Narrow the search to see the rest."
        )
