"""Browse: the modules a user may edit, one module's records, and lookup options.

The list keeps all its state in the query string, so every link is shareable and works without
JavaScript; htmx requests get only the `record-table` partial.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from crmadmin.forms.browse import LookupForm, RecordListForm
from crmadmin.forms.records.loading import time_zone_for
from crmadmin.models import Connection
from crmadmin.permissions import (
    allowed_modules,
    connection_for,
    may_read,
    read_refusal,
    usable_connections,
)
from crmadmin.problems import problem_for
from crmadmin.services import browse, lookup
from crmadmin.zoho import client_for, metadata_options
from updater.errors import NotFoundError, ZohoError
from updater.metadata import modules_list
from updater.records import RecordPage

MAX_REMEMBERED_TOKENS = 200


@login_required
@require_GET
def module_list(request: HttpRequest) -> HttpResponse:
    groups = [_connection_modules(request, item) for item in usable_connections(request.user)]
    return render(request, "crmadmin/module_list.html", {"groups": groups, "nav": "records"})


def _connection_modules(request: HttpRequest, connection: Connection) -> dict[str, Any]:
    group: dict[str, Any] = {"connection": connection, "modules": [], "problem": None}
    try:
        modules = modules_list(client=client_for(connection), **metadata_options(connection))
    except ZohoError as error:
        group["problem"] = problem_for(error)
        return group
    group["modules"] = browse.editable_modules(modules, allowed_modules(request.user, connection))
    return group


@login_required
@require_GET
@vary_on_headers("HX-Request")
def record_list(request: HttpRequest, connection_id: int, module: str) -> HttpResponse:
    connection = connection_for(request, connection_id, module)
    client = client_for(connection)
    context = {"connection": connection, "module": module, "nav": "records"}
    try:
        meta = _meta_or_404(client, connection, module)
    except ZohoError as error:
        return _list_page(request, {**context, "problem": problem_for(error)}, status=502)
    form = RecordListForm(
        request.GET,
        fields=meta.fields,
        saved_columns=request.session.get(_columns_key(connection, module)) or (),
        default_columns=browse.default_columns(meta.fields, meta.layouts),
        # Asked only when a date-time condition needs it: it may cost a call to Zoho.
        time_zone=lambda: time_zone_for(connection, client),
    )
    context.update(meta=meta, form=form)
    try:
        valid = form.is_valid()
    except ZohoError as error:
        return _list_page(request, {**context, "problem": problem_for(error)}, status=502)
    if not valid:
        return _list_page(request, context, status=422)
    query = browse.ListQuery(**form.query_values())
    if request.session.get(_columns_key(connection, module)) != list(query.columns):
        # Only a change is saved: reading the same list again writes nothing (issue #16).
        request.session[_columns_key(connection, module)] = list(query.columns)
    try:
        page = browse.records_fetch(client=client, module=module, query=query)
    except ZohoError as error:
        return _list_page(request, {**context, "problem": problem_for(error)}, status=502)
    try:
        context["matching"] = browse.matching_total(
            client=client, scope=str(connection.pk), module=module, query=query, page=page
        )
    except ZohoError:
        context["matching"] = None  # the list still shows; only the number is missing
    context["query"], context["table"] = (
        query,
        browse.table_build(
            page=page,
            query=query,
            fields=meta.fields,
            previous_token=_token_remember(request, query, page),
            total=context["matching"],
        ),
    )
    return _list_page(request, context)


def _list_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    # Only swaps aimed at the table get the partial; "Apply conditions" swaps all of #main so
    # the criteria rows re-render (with a fresh blank row).
    partial = request.htmx and request.htmx.target == "record-table"
    template = "crmadmin/record_list.html" + ("#record-table" if partial else "")
    return render(request, template, context, status=status)


def _meta_or_404(client: Any, connection: Connection, module: str) -> browse.ModuleMeta:
    meta = browse.module_meta(client=client, options=metadata_options(connection), module=module)
    if meta.module is None:
        raise Http404(f"“{module}” is not a module crmadmin can edit through this connection.")
    return meta


def _columns_key(connection: Connection, module: str) -> str:
    return f"browse:columns:{connection.pk}:{module}"


def _token_remember(request: HttpRequest, query: browse.ListQuery, page: RecordPage) -> str:
    """Remember which token led to the next page, so Previous works past record 2,000.

    Zoho gives only a next_page_token; the session maps each token to the one before it.
    """
    tokens: dict[str, str] = request.session.get("browse:tokens", {})
    if page.next_page_token and page.next_page_token not in tokens:
        if len(tokens) >= MAX_REMEMBERED_TOKENS:
            tokens.pop(next(iter(tokens)))
        tokens[page.next_page_token] = query.page_token
        request.session["browse:tokens"] = tokens
    return tokens.get(query.page_token, "") if query.page_token else ""


@login_required
@require_GET
def lookup_search(request: HttpRequest, connection_id: int, module: str) -> HttpResponse:
    """Options for a lookup picker: records of `module` whose name starts with `q`, or users.
    Only for a module the user's grant lets them read: otherwise the list says so, no data."""
    connection = connection_for(request, connection_id)
    form = LookupForm(request.GET)
    form.is_valid()
    field = form.cleaned_data.get("field") or ""
    # The edit form's picker box posts its text as `<field>_label`; `q` is the plain name.
    text = (form.cleaned_data.get("q") or request.GET.get(f"{field}_label", "")).strip()[:100]
    context: dict[str, Any] = {"options": [], "field": field, "text": text, "module": module}
    template = "crmadmin/_lookup_options.html"
    # The org's users: anyone granted the connection (every record has an owner to pick);
    # records only through a granted module.
    if module.lower() != "users" and not may_read(request.user, connection, module):
        context["refusal"] = read_refusal(connection, module)
        # htmx swaps 2xx only: the note must reach the box; a plain request gets the 403.
        return render(request, template, context, status=200 if request.htmx else 403)
    status = 200
    try:
        context["options"] = (
            lookup.lookup_options(
                client=client_for(connection),
                options=metadata_options(connection),
                module=module,
                text=text,
            )
            if text
            else []
        )
    except NotFoundError as error:  # no such module: 404, its words in the box
        context["problem"], status = problem_for(error), 404
    except ZohoError as error:
        context["problem"] = problem_for(error)
    return render(request, template, context, status=status)


@login_required
@require_POST
def metadata_refresh(request: HttpRequest, connection_id: int, module: str) -> HttpResponse:
    """Drop this module's cached metadata (modules, fields, layouts) and load it again."""
    connection = connection_for(request, connection_id, module)
    try:
        meta = browse.module_meta(
            client=client_for(connection),
            module=module,
            refresh=True,
            options=metadata_options(connection),
        )
        label = meta.label or module
        messages.success(request, f"Reloaded the fields and layouts of {label} from Zoho.")
    except ZohoError as error:
        messages.error(request, problem_for(error).short)
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("records:list", connection_id=connection.pk, module=module)
