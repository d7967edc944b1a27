"""Build a record's edit form from cached metadata: fields, layout, subform rows and the org's
time zone. With warm metadata this makes no API call; cold it fetches fields, layouts and each
subform's fields, once. The org's users are not fetched: owner and user fields show the user
the record names and search the users with the lookup picker only when someone asks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crmadmin.forms.records.builder import RecordForm, record_form_class
from crmadmin.forms.records.layout import layout_for
from crmadmin.forms.records.types import FormContext
from crmadmin.models import Connection
from crmadmin.zoho import metadata_options
from updater.client import ZohoClient
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
    options = metadata_options(connection)
    fields = fields_list(client=client, module=module, **options)
    fields = [_with_subform_fields(meta, client, options) for meta in fields]
    layouts = layouts_list(client=client, module=module, **options)
    context = FormContext(connection_id=connection.pk, time_zone=time_zone_for(connection, client))
    layout = layout_for(layouts, {"Layout": {"id": layout_id}})
    return record_form_class(fields=fields, layout=layout, context=context)


def _with_subform_fields(meta: Field, client: ZohoClient, options: Mapping[str, Any]) -> Field:
    if meta.data_type != "subform" or not meta.subform_module:
        return meta
    rows = lookup_fields_list(client=client, lookup_field=meta, **options)
    return subform_fields_attach(subform_field=meta, fields=rows)
