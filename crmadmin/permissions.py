"""Who may manage connections, and who may use which connection and module.

Managing connections takes Django's model permissions, one per kind of act, so an operator can
give "see health" without "revoke": `view_connection` (list, detail), `add_connection`,
`change_connection` (edit, connect or reconnect, test), `delete_connection` and
`revoke_connection`. Staff may use every connection. Everyone else needs the `use_connection`
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
    """Staff (and superusers) may use every connection."""
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
    if module and not may_read(user, connection, module):
        raise PermissionDenied(
            f"You can't edit {module} through “{connection.name}”. "
            "Ask a crmadmin administrator to grant your group that module."
        )
    return connection


def may_read(user: Any, connection: Connection, module: str) -> bool:
    """The same grant check as the list and the form, for reads of another module on the way
    (lookup search, related panels): a user granted only Contacts reads no Deals."""
    modules = allowed_modules(user, connection)
    return modules is None or module in modules


def read_refusal(connection: Connection, module: str) -> str:
    """Why a panel or a search of `module` shows no data (said in place of the data)."""
    return (
        f"You can't see {module} through “{connection.name}”. "
        "Ask a crmadmin administrator to grant your group that module."
    )


# What each connection permission lets a person do, in the words of the 403 page.
CONNECTION_ACTS = {
    "view": "see Zoho connections and their health",
    "add": "add Zoho connections",
    "change": "change, connect, reconnect or test Zoho connections",
    "delete": "delete Zoho connections",
    "revoke": "revoke a Zoho connection's tokens",
}


def connection_permission_required(
    act: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Log in first; then only people with ``crmadmin.<act>_connection`` pass, others get the
    clear 403 page naming what they may not do."""
    permission = f"crmadmin.{act}_connection"
    refusal = (
        f"Your account may not {CONNECTION_ACTS[act]} (the “{act} connection” permission). "
        "Ask a crmadmin administrator if you need it."
    )

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(permission):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator
