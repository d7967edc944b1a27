"""Link one contact to up to 100 deals: preview both sides, then confirm."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from crmadmin.forms.links import LinkForm
from crmadmin.permissions import usable_connections
from crmadmin.problems import problem_for
from crmadmin.services.linking import link_preview, link_rows
from crmadmin.views.links.common import Linking, linking_for, page
from updater.errors import ZohoError

TEMPLATE = "crmadmin/link_page.html"


@login_required
@require_http_methods(["GET", "POST"])
def link_page(request: HttpRequest) -> HttpResponse:
    linking = linking_for(request)
    if linking is None:
        return page(request, TEMPLATE, {"connections": usable_connections(request.user)})
    context = {"connection": linking.connection, "connections": usable_connections(request.user)}
    try:
        choices = linking.choices()
    except ZohoError as error:
        return page(request, TEMPLATE, {**context, "setup_error": problem_for(error)}, status=422)
    form = LinkForm(
        request.POST or None,
        initial=request.GET.dict(),
        connection_id=linking.connection.pk,
        **choices,
    )
    if request.method == "POST" and form.is_valid():
        link_step(form, linking, confirm=request.POST.get("action") == "confirm")
    status = 422 if form.is_bound and form.has_problems else 200
    return page(request, TEMPLATE, {**context, "form": form}, partial="link-form", status=status)


def link_step(form: LinkForm, linking: Linking, *, confirm: bool) -> None:
    """Confirm exactly what was previewed; otherwise (re)build the preview."""
    try:
        if confirm and form.confirming():
            form.results_apply(link_rows(client=linking.client, **form.link_arguments()))
        else:
            form.preview_apply(link_preview(client=linking.client, **form.preview_arguments()))
    except ZohoError as error:
        form.zoho_error_apply(error)
