"""Link many (contact, deal, role) pairs at once, with a CSV report of the failures."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods

from crmadmin.forms.links import REPORT_HEADER, BulkForm, report_rows
from crmadmin.permissions import usable_connections
from crmadmin.problems import problem_for
from crmadmin.services.linking import pairs_link
from crmadmin.views.links.common import linking_for, page
from updater.errors import ZohoError

TEMPLATE = "crmadmin/link_bulk.html"
REPORT_KEY = "links-bulk-report"


@login_required
@require_http_methods(["GET", "POST"])
def bulk_page(request: HttpRequest) -> HttpResponse:
    linking = linking_for(request)
    context = {"connections": usable_connections(request.user)}
    if linking is None:
        return page(request, TEMPLATE, context)
    context["connection"] = linking.connection
    try:
        choices = linking.choices()
    except ZohoError as error:
        return page(request, TEMPLATE, {**context, "setup_error": problem_for(error)}, status=422)
    form = BulkForm(request.POST or None, request.FILES or None, **choices)
    results = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        results = pairs_link(
            client=linking.client,
            contact_field=data["contact_field"],
            deal_field=data["deal_field"],
            pairs=data["pair_rows"],
        )
        request.session[REPORT_KEY] = report_rows(results)
    failed = [result for result in results if not result.ok]
    linked_count = len(results) - len(failed)
    context |= {"form": form, "results": results, "failed": failed, "linked_count": linked_count}
    status = 422 if form.errors or failed else 200
    return page(request, TEMPLATE, context, partial="bulk-form", status=status)


@login_required
@require_GET
def bulk_report(request: HttpRequest) -> HttpResponse:
    rows = request.session.get(REPORT_KEY)
    if not rows:
        raise Http404("No failures to report: run a bulk link first.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="link-failures.csv"'
    writer = csv.writer(response)
    writer.writerow(REPORT_HEADER)
    writer.writerows(rows)
    return response
