"""Typed module, field, layout, role, user and org metadata, cached per connection and module.

Only the module asked for is fetched: lookup targets and subform modules are loaded on request,
never recursively, because every metadata call costs API credits (zoho-api.md §2, §4.4).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import quote

from updater.client import ZohoClient

# Types whose value Zoho computes: never sent on update (zoho-api.md §2.3).
COMPUTED_TYPES = frozenset({"autonumber", "formula", "rollup_summary", "territories"})


@dataclass(frozen=True)
class Module:
    api_name: str
    module_name: str
    singular_label: str
    plural_label: str
    api_supported: bool
    editable: bool
    creatable: bool
    id: str
    generated_type: str = "default"


@dataclass(frozen=True)
class PicklistOption:
    display_value: str
    actual_value: str


@dataclass(frozen=True)
class MultiLookup:
    """How a multi-select lookup / multi-user lookup stores links in its linking module."""

    connected_module: str
    linking_module: str
    lookup_api_name: str
    connected_lookup_api_name: str


@dataclass(frozen=True)
class Field:
    api_name: str
    field_label: str
    data_type: str
    json_type: str | None = None
    length: int | None = None
    decimal_place: int | None = None
    precision: int | None = None
    read_only: bool = False
    field_read_only: bool = False
    system_mandatory: bool = False
    custom_field: bool = False
    tooltip: str | None = None
    unique: bool = False
    external: bool = False
    pick_list_values: tuple[PicklistOption, ...] = ()
    lookup_module: str | None = None
    multi_lookup: MultiLookup | None = None
    subform_module: str | None = None
    subform_fields: tuple[Field, ...] = ()
    is_formula: bool = False
    is_auto_number: bool = False
    is_rollup: bool = False
    formula_return_type: str | None = None
    rounding_option: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_writable(self) -> bool:
        """False for fields the user cannot change: Zoho computes them or forbids the edit."""
        return not (
            self.read_only
            or self.field_read_only
            or self.is_formula
            or self.is_auto_number
            or self.is_rollup
            or self.data_type in COMPUTED_TYPES
        )


@dataclass(frozen=True)
class LayoutField:
    api_name: str
    required: bool
    sequence: int


@dataclass(frozen=True)
class LayoutSection:
    name: str
    display_label: str
    column_count: int
    sequence_number: int
    fields: tuple[LayoutField, ...]


@dataclass(frozen=True)
class Layout:
    id: str
    name: str
    sections: tuple[LayoutSection, ...]


@dataclass(frozen=True)
class ContactRole:
    id: str
    name: str
    sequence_number: int


@dataclass(frozen=True)
class User:
    id: str
    full_name: str
    email: str
    status: str
    role: str | None = None
    profile: str | None = None


@dataclass(frozen=True)
class Org:
    id: str
    company_name: str
    time_zone: str
    currency: str | None


class MetadataCache(Protocol):
    def get(self, key: str) -> Any | None: ...

    def set(self, key: str, value: Any, ttl_seconds: int) -> None: ...

    def delete(self, key: str) -> None: ...


class DictCache:
    """An in-memory MetadataCache for tests and scripts."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= self._clock():
                self._entries.pop(key, None)
                return None
            return entry[1]

    def set(self, key: str, value: Any, ttl_seconds: int) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + ttl_seconds, value)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


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
    response = client.request("GET", path, params=params)
    entries = list((response.body or {}).get(list_key) or [])
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
        client=client, cache=cache, key=f"{cache_key_prefix}:modules", ttl=ttl, refresh=refresh,
        path="settings/modules", params=None, list_key="modules",
    )  # fmt: skip
    return [module_from_json(entry) for entry in entries]


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
        client=client, cache=cache, key=f"{cache_key_prefix}:fields:{module}", ttl=ttl,
        refresh=refresh, path="settings/fields", params={"module": module}, list_key="fields",
    )  # fmt: skip
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
        client=client, cache=cache, cache_key_prefix=cache_key_prefix, module=target, ttl=ttl,
        refresh=refresh,
    )  # fmt: skip


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
        client=client, cache=cache, key=f"{cache_key_prefix}:layouts:{module}", ttl=ttl,
        refresh=refresh, path="settings/layouts", params={"module": module}, list_key="layouts",
    )  # fmt: skip
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
        client=client, cache=cache, key=f"{cache_key_prefix}:contact_roles", ttl=ttl,
        refresh=refresh, path="Contacts/roles", params=None, list_key="contact_roles",
    )  # fmt: skip
    return [
        ContactRole(
            id=str(entry.get("id", "")),
            name=str(entry.get("name", "")),
            sequence_number=int(entry.get("sequence_number") or 0),
        )
        for entry in entries
    ]


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
        client=client, cache=cache, key=f"{cache_key_prefix}:users:{quote(user_type)}", ttl=ttl,
        refresh=refresh, path="users", params={"type": user_type}, list_key="users",
    )  # fmt: skip
    return [user_from_json(entry) for entry in entries]


def org_get(*, client: ZohoClient) -> Org | None:
    response = client.request("GET", "org")
    entries = (response.body or {}).get("org") or []
    if not entries:
        return None
    entry = entries[0]
    return Org(
        id=str(entry.get("id", "")),
        company_name=str(entry.get("company_name") or ""),
        time_zone=str(entry.get("time_zone") or ""),
        currency=entry.get("currency") or entry.get("iso_code"),
    )


def module_from_json(entry: Mapping[str, Any]) -> Module:
    return Module(
        api_name=str(entry.get("api_name", "")),
        module_name=str(entry.get("module_name", "")),
        singular_label=str(entry.get("singular_label", "")),
        plural_label=str(entry.get("plural_label", "")),
        api_supported=bool(entry.get("api_supported")),
        editable=bool(entry.get("editable")),
        creatable=bool(entry.get("creatable")),
        id=str(entry.get("id", "")),
        generated_type=str(entry.get("generated_type") or "default"),
    )


def _api_name_of(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("api_name")
    return value if isinstance(value, str) and value else None


def _multi_lookup_from(entry: Mapping[str, Any]) -> MultiLookup | None:
    details = entry.get("multiselectlookup") or entry.get("multiuserlookup")
    if not isinstance(details, Mapping) or not details:
        return None
    return MultiLookup(
        connected_module=_api_name_of(details.get("connected_module")) or "",
        linking_module=_api_name_of(details.get("linking_module")) or "",
        lookup_api_name=str(details.get("lookup_apiname") or ""),
        connected_lookup_api_name=str(details.get("connectedlookup_apiname") or ""),
    )


def field_from_json(entry: Mapping[str, Any]) -> Field:
    lookup = entry.get("lookup") or {}
    tooltip = entry.get("tooltip")
    currency = entry.get("currency") or {}
    formula = entry.get("formula") or {}
    subform = entry.get("subform") or {}
    data_type = str(entry.get("data_type", ""))
    return Field(
        api_name=str(entry.get("api_name", "")),
        field_label=str(entry.get("field_label") or entry.get("display_label") or ""),
        data_type=data_type,
        json_type=entry.get("json_type"),
        length=entry.get("length"),
        decimal_place=entry.get("decimal_place"),
        precision=currency.get("precision") if isinstance(currency, Mapping) else None,
        read_only=bool(entry.get("read_only")),
        field_read_only=bool(entry.get("field_read_only")),
        system_mandatory=bool(entry.get("system_mandatory")),
        custom_field=bool(entry.get("custom_field")),
        tooltip=tooltip.get("value") if isinstance(tooltip, Mapping) else None,
        # unique is {} when not unique and {"case_sensitive": ...} when unique.
        unique=bool(entry.get("unique")),
        external=bool(entry.get("external")),
        pick_list_values=tuple(
            PicklistOption(
                display_value=str(option.get("display_value", "")),
                actual_value=str(option.get("actual_value", "")),
            )
            for option in entry.get("pick_list_values") or []
            if option.get("type", "used") == "used"
        ),
        lookup_module=_api_name_of(lookup.get("module")) if isinstance(lookup, Mapping) else None,
        multi_lookup=_multi_lookup_from(entry),
        subform_module=_api_name_of(subform.get("module"))
        if isinstance(subform, Mapping)
        else None,
        is_formula=data_type == "formula" or bool(formula),
        is_auto_number=data_type == "autonumber",
        is_rollup=data_type == "rollup_summary" or bool(entry.get("rollup_summary")),
        formula_return_type=formula.get("return_type") if isinstance(formula, Mapping) else None,
        rounding_option=currency.get("rounding_option") if isinstance(currency, Mapping) else None,
        raw=dict(entry),
    )


def subform_fields_attach(*, subform_field: Field, fields: list[Field]) -> Field:
    """A copy of a subform field that carries its row fields (fetched separately, on request)."""
    return replace(subform_field, subform_fields=tuple(fields))


def layout_from_json(entry: Mapping[str, Any]) -> Layout:
    return Layout(
        id=str(entry.get("id", "")),
        name=str(entry.get("name", "")),
        sections=tuple(
            LayoutSection(
                name=str(section.get("name") or section.get("api_name") or ""),
                display_label=str(section.get("display_label") or section.get("name") or ""),
                column_count=int(section.get("column_count") or 1),
                sequence_number=int(section.get("sequence_number") or 0),
                fields=tuple(
                    LayoutField(
                        api_name=str(item.get("api_name", "")),
                        required=bool(item.get("required")),
                        sequence=int(item.get("sequence_number") or 0),
                    )
                    for item in section.get("fields") or []
                ),
            )
            for section in entry.get("sections") or []
        ),
    )


def user_from_json(entry: Mapping[str, Any]) -> User:
    role = entry.get("role")
    profile = entry.get("profile")
    return User(
        id=str(entry.get("id", "")),
        full_name=str(entry.get("full_name") or entry.get("name") or ""),
        email=str(entry.get("email") or ""),
        status=str(entry.get("status") or ""),
        role=_api_name_of(role) or (role.get("name") if isinstance(role, Mapping) else None),
        profile=profile.get("name") if isinstance(profile, Mapping) else None,
    )
