"""The metadata endpoints, each answer cached per connection and module.

Only the module asked for is fetched: lookup targets and subform modules are loaded on request,
never recursively, because every metadata call costs API credits (zoho-api.md §2, §4.4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import quote

from updater.client import ZohoClient
from updater.metadata.cache import MetadataCache
from updater.metadata.parse import (
    contact_role_from_json,
    field_from_json,
    layout_from_json,
    module_from_json,
    org_from_json,
    user_from_json,
)
from updater.metadata.types import ContactRole, Field, Layout, Module, Org, User

T = TypeVar("T")


def _entries_get(
    *, client: ZohoClient, path: str, params: Mapping[str, str] | None, list_key: str
) -> list[dict[str, Any]]:
    """The list under ``list_key`` of one GET answer; empty for 204."""
    response = client.request("GET", path, params=params)
    return list((response.body or {}).get(list_key) or [])


# What each cached answer parsed to, kept with the answer it came from: a cache that keeps the
# answers it read in the process (crmadmin's does, while their stamp holds) returns the same list
# object, and then the same parsed list is used again (issue #16: parsing a module's fields and
# layouts on every list page cost a few percent of it). The parsed types are frozen dataclasses.
_parsed: dict[str, tuple[Any, list[Any]]] = {}


def _cached_get(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    key: str,
    ttl: int,
    refresh: bool,
    path: str,
    params: Mapping[str, str] | None,
    list_key: str,
    parse: Callable[[dict[str, Any]], T],
) -> list[T]:
    """The answer's list parsed, from the cache unless ``refresh``. Raw JSON is cached (not
    dataclasses) so a deploy that changes the dataclasses never reads stale pickles."""
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            kept = _parsed.get(key)
            if kept is None or kept[0] is not cached:
                kept = (cached, [parse(entry) for entry in cached])
                _parsed[key] = kept
            return list(kept[1])
    entries = _entries_get(client=client, path=path, params=params, list_key=list_key)
    cache.set(key, entries, ttl)
    return [parse(entry) for entry in entries]


def modules_list(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    cache_key_prefix: str,
    ttl: int,
    refresh: bool = False,
) -> list[Module]:
    return _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:modules",
        ttl=ttl,
        refresh=refresh,
        path="settings/modules",
        params=None,
        list_key="modules",
        parse=module_from_json,
    )


def modules_cached(
    *, cache: MetadataCache, cache_key_prefix: str, **_options: Any
) -> list[Module] | None:
    """The modules answer if it is in the cache, without an API call; None when it is not."""
    entries = cache.get(f"{cache_key_prefix}:modules")
    return None if entries is None else [module_from_json(entry) for entry in entries]


def fields_list(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    cache_key_prefix: str,
    module: str,
    ttl: int,
    refresh: bool = False,
) -> list[Field]:
    return _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:fields:{module}",
        ttl=ttl,
        refresh=refresh,
        path="settings/fields",
        params={"module": module},
        list_key="fields",
        parse=field_from_json,
    )


def lookup_fields_list(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    cache_key_prefix: str,
    lookup_field: Field,
    ttl: int,
    refresh: bool = False,
) -> list[Field]:
    """Fields of the module a lookup / subform points at: one level, only when asked."""
    target = lookup_field.lookup_module or lookup_field.subform_module
    if lookup_field.multi_lookup is not None:
        target = lookup_field.multi_lookup.connected_module
    if not target:
        return []
    return fields_list(
        client=client,
        cache=cache,
        cache_key_prefix=cache_key_prefix,
        module=target,
        ttl=ttl,
        refresh=refresh,
    )


def layouts_list(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    cache_key_prefix: str,
    module: str,
    ttl: int,
    refresh: bool = False,
) -> list[Layout]:
    return _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:layouts:{module}",
        ttl=ttl,
        refresh=refresh,
        path="settings/layouts",
        params={"module": module},
        list_key="layouts",
        parse=layout_from_json,
    )


def contact_roles_list(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    cache_key_prefix: str,
    ttl: int,
    refresh: bool = False,
) -> list[ContactRole]:
    # v8 serves contact roles at /Contacts/roles, not under settings/ (zoho-api.md §2.5).
    return _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:contact_roles",
        ttl=ttl,
        refresh=refresh,
        path="Contacts/roles",
        params=None,
        list_key="contact_roles",
        parse=contact_role_from_json,
    )


def users_list(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    cache_key_prefix: str,
    ttl: int,
    refresh: bool = False,
    user_type: str = "ActiveUsers",
) -> list[User]:
    return _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:users:{quote(user_type)}",
        ttl=ttl,
        refresh=refresh,
        path="users",
        params={"type": user_type},
        list_key="users",
        parse=user_from_json,
    )


def org_get(*, client: ZohoClient) -> Org | None:
    entries = _entries_get(client=client, path="org", params=None, list_key="org")
    return org_from_json(entries[0]) if entries else None


def subform_fields_attach(*, subform_field: Field, fields: list[Field]) -> Field:
    """A copy of a subform field that carries its row fields (fetched separately, on request)."""
    return replace(subform_field, subform_fields=tuple(fields))
