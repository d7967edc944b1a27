"""The link pages: link one contact to up to 100 deals (preview, then confirm), link many pairs
at once as a bulk job (its page shows each pair's result and offers a results CSV), and a
record's related panel (its contact's deals or deal's contacts, with roles; unlinking a deal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from crmadmin import jobs
from crmadmin.forms.links import BulkForm, LinkForm
from crmadmin.models import AuditEntry, Connection
from crmadmin.permissions import connection_for, may_read, read_refusal, usable_connections
from crmadmin.problems import problem_for, unlink_failed_text
from crmadmin.services.linking import (
    CONTACTS,
    DEALS,
    LinkWrite,
    RowResult,
    deal_label,
    deal_unlink,
    external_fields,
    link_preview,
    link_rows,
    links_audit_write,
    related_for,
)
from crmadmin.tasks import bulk_job_run
from crmadmin.zoho import client_for, metadata_options
from updater.client import ZohoClient
from updater.errors import ZohoError
from updater.metadata import contact_roles_list

LINK_TEMPLATE = "crmadmin/link_page.html"
BULK_TEMPLATE = "crmadmin/link_bulk.html"
RELATED_TEMPLATE = "crmadmin/link_related.html"


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


@login_required
@require_http_methods(["GET", "POST"])
def link_page(request: HttpRequest) -> HttpResponse:
    """Preview both sides; confirm exactly what was previewed (else preview again)."""
    linking = linking_for(request)
    context: dict[str, Any] = {"connections": usable_connections(request.user)}
    if linking is None:
        return page(request, LINK_TEMPLATE, context)
    context["connection"] = linking.connection
    try:
        choices = linking.choices()
    except ZohoError as error:
        return page(
            request, LINK_TEMPLATE, {**context, "setup_error": problem_for(error)}, status=422
        )
    form = LinkForm(
        request.POST or None,
        initial=request.GET.dict(),
        connection_id=linking.connection.pk,
        **choices,
    )
    if request.method == "POST" and form.is_valid():
        confirm = request.POST.get("action") == "confirm"
        try:
            if confirm and form.confirming():
                try:
                    results = link_rows(
                        client=linking.client,
                        contact=form.contact,
                        deal_field=form.deal_key,
                        rows=form.deal_rows,
                    )
                except ZohoError as error:
                    failed = RowResult(index=0, ok=False, code=_code(error), message=str(error))
                    link_audit(request, linking.connection, form, [failed] * len(form.rows))
                    raise
                link_audit(request, linking.connection, form, results)
                form.results_apply(results)
            else:
                preview = link_preview(
                    client=linking.client,
                    contact=form.contact,
                    deal_field=form.deal_key,
                    external_ids=form.external_ids,
                )
                form.preview_apply(preview)
        except ZohoError as error:
            form.zoho_error_apply(error)
    status = 422 if form.is_bound and form.has_problems else 200
    context["form"] = form
    return page(request, LINK_TEMPLATE, context, partial="link-form", status=status)


def _code(error: ZohoError) -> str:
    """Zoho's code for the audit, or the kind of fault when no answer came."""
    return str(getattr(error, "code", "") or getattr(error, "kind", "") or type(error).__name__)


def link_audit(
    request: HttpRequest, connection: Connection, form: LinkForm, results: list[RowResult]
) -> None:
    """Audit a confirmed link: each previewed deal with Zoho's answer for its row."""
    writes = []
    for row in form.rows:
        result = next((r for r in results if r.index == row.index), results[0])
        deal = row.deal
        label = deal_label(
            name=deal.name if deal else "", deal_field=form.deal_key, external_id=row.external_id
        )
        deal_id = (deal.id if deal else "") or result.deal_id
        writes.append(LinkWrite(deal_id, label, result.ok, result.code, result.message))
    links_audit_write(
        user=request.user,
        connection=connection,
        action=AuditEntry.Action.LINK,
        contact_id=form.contact_id,
        contact_label=form.contact_name or form.contact.value,
        writes=writes,
    )


@login_required
@require_http_methods(["GET", "POST"])
def bulk_page(request: HttpRequest) -> HttpResponse:
    """Pairs pasted or uploaded; valid ones become a link job on the bulk job engine (the job
    page shows its progress, each pair's result and the results CSV)."""
    linking = linking_for(request)
    context: dict[str, Any] = {"connections": usable_connections(request.user)}
    if linking is None:
        return page(request, BULK_TEMPLATE, context)
    context["connection"] = linking.connection
    try:
        choices = linking.choices()
    except ZohoError as error:
        return page(
            request, BULK_TEMPLATE, {**context, "setup_error": problem_for(error)}, status=422
        )
    form = BulkForm(request.POST or None, request.FILES or None, **choices)
    context["form"] = form
    if request.method != "POST":
        return page(request, BULK_TEMPLATE, context)
    if not form.is_valid():
        return page(request, BULK_TEMPLATE, context, status=422)
    data = form.cleaned_data
    job = jobs.link_job_create(
        connection=linking.connection,
        user=request.user,
        contact_field=data["contact_field"],
        deal_field=data["deal_field"],
        pairs=data["pair_rows"],
    )
    bulk_job_run.enqueue(job.pk)
    messages.success(request, f"Linking {job.total} pairs in the background.")
    return redirect("jobs:detail", job_id=job.pk)


@login_required
def related_panel(
    request: HttpRequest, connection_id: int, module: str, record_id: str
) -> HttpResponse:
    if module not in (CONTACTS, DEALS):
        raise Http404("Only Contacts and Deals have this panel.")
    connection = connection_for(request, connection_id, module)
    context = {"connection": connection, "module": module, "record_id": record_id}
    other = DEALS if module == CONTACTS else CONTACTS
    if not may_read(request.user, connection, other):
        # The panel lists the other module's records: without its grant, say so, show nothing.
        context["refusal"] = read_refusal(connection, other)
        status = 200 if request.htmx else 403  # htmx swaps 2xx only
        return page(request, RELATED_TEMPLATE, context, partial="related-panel", status=status)
    try:
        context["related"] = related_for(
            client=client_for(connection),
            module=module,
            record_id=record_id,
            metadata=metadata_options(connection),
        )
    except ZohoError as error:
        context["problem"] = problem_for(error)
    return page(request, RELATED_TEMPLATE, context, partial="related-panel")


@login_required
@require_POST
def related_unlink(
    request: HttpRequest, connection_id: int, record_id: str, deal_id: str
) -> HttpResponse:
    connection = connection_for(request, connection_id, CONTACTS)
    connection_for(request, connection_id, DEALS)
    try:
        result = deal_unlink(client=client_for(connection), contact_id=record_id, deal_id=deal_id)
        text = "Unlinked the deal." if result.ok else unlink_failed_text(result.message)
        write = LinkWrite(deal_id, deal_id, result.ok, result.code, result.message)
    except ZohoError as error:
        text, result = f"Not unlinked: {problem_for(error).short}", None
        write = LinkWrite(deal_id, deal_id, False, _code(error), str(error))
    links_audit_write(
        user=request.user,
        connection=connection,
        action=AuditEntry.Action.UNLINK,
        contact_id=record_id,
        contact_label="",
        writes=[write],
    )
    level = messages.SUCCESS if result is not None and result.ok else messages.ERROR
    messages.add_message(request, level, text)
    if request.htmx:
        return related_panel(request, connection_id, CONTACTS, record_id)
    return redirect("links:related", connection_id, CONTACTS, record_id)
