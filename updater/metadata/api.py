"""The metadata endpoints, each answer cached per connection and module.

Only the module asked for is fetched: lookup targets and subform modules are loaded on request,
never recursively, because every metadata call costs API credits (zoho-api.md §2, §4.4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
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


def _entries_get(
    *, client: ZohoClient, path: str, params: Mapping[str, str] | None, list_key: str
) -> list[dict[str, Any]]:
    """The list under ``list_key`` of one GET answer; empty for 204."""
    response = client.request("GET", path, params=params)
    return list((response.body or {}).get(list_key) or [])


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
) -> list[dict[str, Any]]:
    """The raw JSON list, from the cache unless ``refresh``. Raw JSON is cached (not dataclasses)
    so a deploy that changes the dataclasses never reads stale pickles."""
    if not refresh:
        cached = cache.get(key)
        if cached is not None:
            return list(cached)
    entries = _entries_get(client=client, path=path, params=params, list_key=list_key)
    cache.set(key, entries, ttl)
    return entries


def modules_list(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    cache_key_prefix: str,
    ttl: int,
    refresh: bool = False,
) -> list[Module]:
    entries = _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:modules",
        ttl=ttl,
        refresh=refresh,
        path="settings/modules",
        params=None,
        list_key="modules",
    )
    return [module_from_json(entry) for entry in entries]


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
    entries = _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:fields:{module}",
        ttl=ttl,
        refresh=refresh,
        path="settings/fields",
        params={"module": module},
        list_key="fields",
    )
    return [field_from_json(entry) for entry in entries]


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
    entries = _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:layouts:{module}",
        ttl=ttl,
        refresh=refresh,
        path="settings/layouts",
        params={"module": module},
        list_key="layouts",
    )
    return [layout_from_json(entry) for entry in entries]


def contact_roles_list(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    cache_key_prefix: str,
    ttl: int,
    refresh: bool = False,
) -> list[ContactRole]:
    # v8 serves contact roles at /Contacts/roles, not under settings/ (zoho-api.md §2.5).
    entries = _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:contact_roles",
        ttl=ttl,
        refresh=refresh,
        path="Contacts/roles",
        params=None,
        list_key="contact_roles",
    )
    return [contact_role_from_json(entry) for entry in entries]


def users_list(
    *,
    client: ZohoClient,
    cache: MetadataCache,
    cache_key_prefix: str,
    ttl: int,
    refresh: bool = False,
    user_type: str = "ActiveUsers",
) -> list[User]:
    entries = _cached_get(
        client=client,
        cache=cache,
        key=f"{cache_key_prefix}:users:{quote(user_type)}",
        ttl=ttl,
        refresh=refresh,
        path="users",
        params={"type": user_type},
        list_key="users",
    )
    return [user_from_json(entry) for entry in entries]


def org_get(*, client: ZohoClient) -> Org | None:
    entries = _entries_get(client=client, path="org", params=None, list_key="org")
    return org_from_json(entries[0]) if entries else None


def subform_fields_attach(*, subform_field: Field, fields: list[Field]) -> Field:
    """A copy of a subform field that carries its row fields (fetched separately, on request)."""
    return replace(subform_field, subform_fields=tuple(fields))
