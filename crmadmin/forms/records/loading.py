"""Build a record's form from cached metadata: the record's layout, subform rows and the org's
time zone. Zoho's layouts answer carries every field of a layout as the full field object
(zoho-api.md §2.4), so the form needs no fields call: with warm metadata opening makes no
metadata call; cold it fetches layouts and each subform module's fields, once. The module's
fields answer is read only for a field the layout hides that Zoho names after refusing a save
(``module_fields_reader``, on a POST). The org's users are not fetched: owner and user fields
show the user the record names and search the users with the lookup picker only when someone
asks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crmadmin.forms.records.builder import RecordForm, record_form_class
from crmadmin.forms.records.layout import layout_for
from crmadmin.forms.records.types import FormContext
from crmadmin.models import Connection
from crmadmin.zoho import metadata_options
from updater.client import ZohoClient
from updater.errors import ZohoError
from updater.metadata import (
    Field,
    fields_list,
    layouts_list,
    lookup_fields_list,
    org_get,
    subform_fields_attach,
)


def time_zone_for(connection: Connection, client: ZohoClient) -> ZoneInfo:
    """The org's time zone: stored at connect time; asked of Zoho (once) if it is missing."""
    if not connection.time_zone:
        org = org_get(client=client)
        if org is not None and org.time_zone:
            connection.time_zone = org.time_zone
            Connection.objects.filter(pk=connection.pk).update(time_zone=org.time_zone)
    try:
        return ZoneInfo(connection.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def form_class_for(
    *, connection: Connection, client: ZohoClient, module: str, layout_id: str = ""
) -> type[RecordForm]:
    """The form class of ``module``'s layout ``layout_id`` (the first layout when no layout has
    that id), built from the layouts answer alone. Kept per process while the metadata answers it
    was built from are unchanged (their stamps: one cache read), so a warm open neither parses
    the layouts nor builds the class again."""
    options = metadata_options(connection)
    cache, prefix = options["cache"], options["cache_key_prefix"]
    memo_key = (connection.pk, connection.time_zone, module, layout_id)
    kept = _built.get(memo_key)
    if kept is not None and cache.stamps(kept[0]) == kept[0]:
        return kept[1]
    layouts = layouts_list(client=client, module=module, **options)
    layout = layout_for(layouts, {"Layout": {"id": layout_id}})
    used = [f"{prefix}:layouts:{module}"]
    if layout is not None and layout.carries_fields:
        fields = list(layout.fields)
    else:  # no layout, or one naming its fields only: the fields answer has them
        fields = fields_list(client=client, module=module, **options)
        used.append(f"{prefix}:fields:{module}")
    fields = [_with_subform_fields(meta, client, options) for meta in fields]
    used += [f"{prefix}:fields:{meta.subform_module}" for meta in fields if _is_subform(meta)]
    context = FormContext(connection_id=connection.pk, time_zone=time_zone_for(connection, client))
    form_class = record_form_class(fields=fields, layout=layout, context=context)
    stamps = cache.stamps(used)
    if connection.time_zone and all(stamps.values()):
        _built[memo_key] = (stamps, form_class)
    return form_class


# Form classes this process built: (connection, time zone, module, layout id) → (the stamps of
# the metadata answers they came from, the class).
_built: dict[tuple[Any, ...], tuple[dict[str, str | None], type[RecordForm]]] = {}


def module_fields_reader(
    *, connection: Connection, client: ZohoClient, module: str
) -> Callable[[], list[Field]]:
    """Reads the module's fields answer (cached) when called, for ``RecordForm(module_fields=)``:
    the posted form calls it only for a field its layout hides that Zoho needs. Unreachable, it
    gives no fields: Zoho's error then names the field at the top of the form."""
    options = metadata_options(connection)

    def read() -> list[Field]:
        try:
            return fields_list(client=client, module=module, **options)
        except ZohoError:
            return []

    return read


def _is_subform(meta: Field) -> bool:
    return meta.data_type == "subform" and bool(meta.subform_module)


def _with_subform_fields(meta: Field, client: ZohoClient, options: Mapping[str, Any]) -> Field:
    if not _is_subform(meta):
        return meta
    rows = lookup_fields_list(client=client, lookup_field=meta, **options)
    return subform_fields_attach(subform_field=meta, fields=rows)
