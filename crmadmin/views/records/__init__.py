"""Record pages. What the edit, new-record and bulk-edit pages share about a posted form."""

from __future__ import annotations

from typing import Any

from crmadmin.models import Connection
from crmadmin.permissions import allowed_modules
from crmadmin.services import lookup
from crmadmin.zoho import metadata_options
from updater.client import ZohoClient


def typed_names_resolve(
    request: Any, connection: Connection, client: ZohoClient, form: Any
) -> None:
    """Names typed in lookup boxes without the picker, looked up with the picker's own search
    (only in modules the user's grant opens) and put into ``form`` before it is validated."""
    if typed := form.typed_lookups():
        found = lookup.names_resolve(
            client=client,
            options=metadata_options(connection),
            allowed=allowed_modules(request.user, connection),
            wanted=typed,
        )
        form.lookups_apply(found)
