"""What the link pages share: the chosen connection, its choices, full page or htmx partial."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crmadmin.models import Connection
from crmadmin.permissions import connection_for, usable_connections
from crmadmin.services.linking import CONTACTS, DEALS, external_fields
from crmadmin.zoho import client_for, metadata_options
from updater.client import ZohoClient
from updater.metadata import contact_roles_list


@dataclass(frozen=True)
class Linking:
    """A connection chosen for linking, its client, and the choices its metadata offers."""

    connection: Connection
    client: ZohoClient

    def choices(self) -> dict[str, Any]:
        """Contacts and Deals external fields and the org's contact roles (cached metadata;
        raises ZohoError when Zoho cannot be asked)."""
        options = metadata_options(self.connection)
        return {
            "contact_fields": external_fields(
                client=self.client, module=CONTACTS, metadata=options
            ),
            "deal_fields": external_fields(client=self.client, module=DEALS, metadata=options),
            "roles": contact_roles_list(client=self.client, **options),
        }


def linking_for(request: HttpRequest) -> Linking | None:
    """The connection named by ``connection`` (POST, then GET), or the only usable one. Both
    Contacts and Deals must be allowed: 404 / 403 otherwise."""
    raw = request.POST.get("connection") or request.GET.get("connection") or ""
    if not raw.isdigit():
        usable = list(usable_connections(request.user)[:2])
        if len(usable) != 1:
            return None
        raw = str(usable[0].pk)
    connection = connection_for(request, int(raw), CONTACTS)
    connection_for(request, connection.pk, DEALS)
    return Linking(connection=connection, client=client_for(connection))


def page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str = "",
    status: int = 200,
) -> HttpResponse:
    """The full page, or only the named partial (= the DOM id it replaces) for htmx."""
    name = f"{template}#{partial}" if partial and request.htmx else template
    context = {"nav": "links", **context}
    return render(request, name, context, status=status)
