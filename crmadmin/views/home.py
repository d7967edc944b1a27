from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crmadmin.models import Connection


@login_required
def home(request: HttpRequest) -> HttpResponse:
    connections = Connection.objects.all()
    return render(request, "crmadmin/home.html", {"connections": connections})
