"""Typed module, field, layout, role, user and org metadata, cached per connection and module.

``types`` holds the dataclasses, ``parse`` turns Zoho's JSON into them, ``api`` reads the
endpoints through a ``cache`` (the MetadataCache interface). Import from ``updater.metadata``.
"""

from __future__ import annotations

from updater.metadata.api import (
    contact_roles_list,
    fields_list,
    layouts_list,
    lookup_fields_list,
    modules_cached,
    modules_list,
    org_get,
    subform_fields_attach,
    users_list,
)
from updater.metadata.cache import DictCache, MetadataCache
from updater.metadata.parse import (
    contact_role_from_json,
    field_from_json,
    layout_from_json,
    module_from_json,
    org_from_json,
    user_from_json,
)
from updater.metadata.types import (
    COMPUTED_TYPES,
    ContactRole,
    Field,
    Layout,
    LayoutField,
    LayoutSection,
    Module,
    MultiLookup,
    Org,
    PicklistOption,
    User,
)

__all__ = [
    "COMPUTED_TYPES",
    "ContactRole",
    "DictCache",
    "Field",
    "Layout",
    "LayoutField",
    "LayoutSection",
    "MetadataCache",
    "Module",
    "MultiLookup",
    "Org",
    "PicklistOption",
    "User",
    "contact_role_from_json",
    "contact_roles_list",
    "field_from_json",
    "fields_list",
    "layout_from_json",
    "layouts_list",
    "lookup_fields_list",
    "module_from_json",
    "modules_cached",
    "modules_list",
    "org_from_json",
    "org_get",
    "subform_fields_attach",
    "user_from_json",
    "users_list",
]
