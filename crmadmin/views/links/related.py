"""The related panel of a record: a contact's deals or a deal's contacts, with roles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from crmadmin.permissions import connection_for
from crmadmin.problems import problem_for
from crmadmin.services.linking import CONTACTS, DEALS, deal_unlink, related_for
from crmadmin.views.links.common import page
from crmadmin.zoho import client_for, metadata_options
from updater.errors import ZohoError

TEMPLATE = "crmadmin/link_related.html"


@login_required
def related_panel(
    request: HttpRequest, connection_id: int, module: str, record_id: str
) -> HttpResponse:
    if module not in (CONTACTS, DEALS):
        raise Http404("Only Contacts and Deals have this panel.")
    connection = connection_for(request, connection_id, module)
    context = {"connection": connection, "module": module, "record_id": record_id}
    try:
        context["related"] = related_for(
            client=client_for(connection),
            module=module,
            record_id=record_id,
            metadata=metadata_options(connection),
        )
    except ZohoError as error:
        context["problem"] = problem_for(error)
    return page(request, TEMPLATE, context, partial="related-panel")


@login_required
@require_POST
def related_unlink(
    request: HttpRequest, connection_id: int, record_id: str, deal_id: str
) -> HttpResponse:
    connection = connection_for(request, connection_id, CONTACTS)
    connection_for(request, connection_id, DEALS)
    try:
        result = deal_unlink(client=client_for(connection), contact_id=record_id, deal_id=deal_id)
        text = "Unlinked the deal." if result.ok else f"Not unlinked: {result.message}."
    except ZohoError as error:
        text, result = f"Not unlinked: {problem_for(error).short}", None
    level = messages.SUCCESS if result is not None and result.ok else messages.ERROR
    messages.add_message(request, level, text)
    if request.htmx:
        return related_panel(request, connection_id, CONTACTS, record_id)
    return redirect("links:related", connection_id, CONTACTS, record_id)
