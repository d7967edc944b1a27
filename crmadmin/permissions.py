"""Who may use which connection and module.

Staff manage connections and may use every one. Everyone else needs the `use_connection`
permission and a ConnectionGrant for one of their groups; a grant may narrow the modules.
A refusal raises PermissionDenied with a sentence for the 403 page (templates/403.html).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from crmadmin.models import Connection, ConnectionGrant

USABLE_STATUSES = (Connection.Status.CONNECTED, Connection.Status.THROTTLED)


def is_manager(user: Any) -> bool:
    """Staff (and superusers) manage connections."""
    return bool(user.is_active and (user.is_staff or user.is_superuser))


def _grants(user: Any, connection: Connection | None = None) -> QuerySet[ConnectionGrant]:
    if not (user.is_authenticated and user.has_perm("crmadmin.use_connection")):
        return ConnectionGrant.objects.none()
    grants = ConnectionGrant.objects.filter(group__in=user.groups.all())
    return grants.filter(connection=connection) if connection is not None else grants


def usable_connections(user: Any) -> QuerySet[Connection]:
    """Connections this user may edit through now: staff every connected one, others granted."""
    connections = Connection.objects.filter(status__in=USABLE_STATUSES)
    if is_manager(user):
        return connections
    return connections.filter(pk__in=_grants(user).values("connection_id"))


def allowed_modules(user: Any, connection: Connection) -> set[str] | None:
    """The module API names this user may edit through `connection`; None means every module."""
    if is_manager(user):
        return None
    modules: set[str] = set()
    for grant in _grants(user, connection):
        if not grant.module_list:
            return None
        modules.update(grant.module_list)
    return modules


def connection_for(
    request: HttpRequest, connection_id: int, module: str | None = None
) -> Connection:
    """The connection, if this user may use it (and `module` through it); 404 if it is missing."""
    connection = get_object_or_404(Connection, pk=connection_id)
    user = request.user
    if is_manager(user):
        return connection
    if not _grants(user, connection).exists():
        raise PermissionDenied(
            f"You don't have access to the “{connection.name}” connection. "
            "Ask a crmadmin administrator to add your group to it."
        )
    modules = allowed_modules(user, connection)
    if module and modules is not None and module not in modules:
        raise PermissionDenied(
            f"You can't edit {module} through “{connection.name}”. "
            "Ask a crmadmin administrator to grant your group that module."
        )
    return connection


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then only staff pass, others get the clear 403 page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_manager(request.user):
            raise PermissionDenied(
                "Only crmadmin administrators (staff) manage Zoho connections. "
                "Ask one if a connection needs adding, reconnecting or fixing."
            )
        return view(request, *args, **kwargs)

    return login_required(guarded)
