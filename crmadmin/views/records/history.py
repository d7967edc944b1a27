"""A record's history: every save made through crmadmin, newest first, field by field."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from crmadmin.models import AuditEntry
from crmadmin.permissions import connection_for

PER_PAGE = 25


@login_required
def record_history(request, connection_id: int, module: str, record_id: str):
    connection = connection_for(request, connection_id, module)
    entries = AuditEntry.objects.filter(
        connection=connection, module=module, record_id=record_id
    ).select_related("user")
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "connection": connection,
        "module": module,
        "record_id": record_id,
        "page": page,
        "nav": "records",
        "record_name": next((e.record_name for e in page if e.record_name), ""),
    }
    return render(request, "crmadmin/record_history.html", context)
