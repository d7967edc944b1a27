"""crmadmin.permissions: connection management by Django permission, one per act; staff use every
connection; editors use what they are granted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from crmadmin.models import Connection, ConnectionGrant
from crmadmin.permissions import allowed_modules, connection_for, usable_connections
from tests.fixtures.users import connection_permissions


@pytest.fixture
def connections(db):
    def make(name, status=Connection.Status.CONNECTED):
        return Connection.objects.create(
            name=name, client_id="1000.X", scopes="ZohoCRM.org.READ", status=status
        )

    return {
        "granted": make("Granted"),
        "other": make("Other"),
        "broken": make("Broken", Connection.Status.NEEDS_RECONNECT),
    }


@pytest.fixture
def granted(connections, editors_group):
    return ConnectionGrant.objects.create(
        connection=connections["granted"], group=editors_group, modules="Contacts,Deals"
    )


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_staff_may_use_every_connected_connection(staff_user, connections):
    names = set(usable_connections(staff_user).values_list("name", flat=True))

    assert names == {"Granted", "Other"}


def test_editors_may_use_only_granted_connections(editor_user, granted):
    assert list(usable_connections(editor_user).values_list("name", flat=True)) == ["Granted"]


def test_a_group_grant_without_the_permission_gives_nothing(django_user_model, connections):
    group = Group.objects.create(name="No permission")
    ConnectionGrant.objects.create(connection=connections["granted"], group=group)
    user = django_user_model.objects.create_user(username="nobody", password="x")
    user.groups.add(group)

    assert not usable_connections(user).exists()


def test_allowed_modules_is_the_grants_modules_or_none_for_all(editor_user, staff_user, granted):
    assert allowed_modules(editor_user, granted.connection) == {"Contacts", "Deals"}
    assert allowed_modules(staff_user, granted.connection) is None
    granted.modules = ""
    granted.save()
    assert allowed_modules(editor_user, granted.connection) is None


def test_connection_for_allows_granted_modules(editor_user, granted):
    request = _request(editor_user)

    assert connection_for(request, granted.connection.pk, "Deals") == granted.connection


@pytest.mark.parametrize(
    ("name", "module", "reason"),
    [
        ("other", None, "You don't have access to the “Other” connection"),
        ("granted", "Leads", "You can't edit Leads through “Granted”"),
    ],
)
def test_connection_for_refuses_with_a_sentence(
    editor_user, connections, granted, name, module, reason
):
    with pytest.raises(PermissionDenied, match=reason):
        connection_for(_request(editor_user), connections[name].pk, module)


def test_connection_for_a_missing_connection_is_404(editor_user, db):
    with pytest.raises(Http404):
        connection_for(_request(editor_user), 999)


@pytest.mark.parametrize(
    "url",
    [
        reverse("connections:list"),
        reverse("connections:add"),
        reverse("connections:detail", args=[1]),
        reverse("connections:callback"),
    ],
)
def test_editors_get_a_clear_403_page_on_connection_pages(editor_client, url):
    response = editor_client.get(url)

    page = response.content.decode()
    assert response.status_code == 403
    assert "You can't open this page" in page
    assert "Your account may not" in page
    assert "Ask a crmadmin administrator if you need it." in page
    assert 'href="/"' in page


def test_editors_cannot_post_connection_actions(editor_client, connections):
    response = editor_client.post(reverse("connections:revoke", args=[connections["granted"].pk]))

    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("connections:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_editors_do_not_see_the_connections_tab(editor_client, db):
    assert "Connections</a>" not in editor_client.get("/").content.decode()


# -- managing connections: one Django permission per act -----------------------------------

CONNECTION_ACTS = [
    # (url name, method, permission it needs, what a refusal names)
    ("connections:list", "get", "view_connection", "see Zoho connections"),
    ("connections:detail", "get", "view_connection", "see Zoho connections"),
    ("connections:add", "get", "add_connection", "add Zoho connections"),
    ("connections:edit", "get", "change_connection", "change, connect"),
    ("connections:connect", "post", "change_connection", "change, connect"),
    ("connections:callback", "get", "change_connection", "change, connect"),
    ("connections:test", "post", "change_connection", "change, connect"),
    ("connections:delete", "get", "delete_connection", "delete Zoho connections"),
    ("connections:delete", "post", "delete_connection", "delete Zoho connections"),
    ("connections:revoke", "get", "revoke_connection", "revoke a Zoho connection"),
    ("connections:revoke", "post", "revoke_connection", "revoke a Zoho connection"),
]


def _act_url(name, connection):
    return (
        reverse(name)
        if name in ("connections:list", "connections:add", "connections:callback")
        else reverse(name, args=[connection.pk])
    )


@pytest.fixture
def operator(django_user_model):
    """Staff, but with no connection permission until a test gives one."""
    return django_user_model.objects.create_user(username="operator", password="x", is_staff=True)


@pytest.mark.parametrize(("name", "method", "codename", "refusal"), CONNECTION_ACTS)
def test_each_connection_act_needs_its_own_permission_not_staff(
    client, operator, connections, name, method, codename, refusal
):
    others = {act[2] for act in CONNECTION_ACTS} - {codename}
    operator.user_permissions.add(*connection_permissions(*others))
    client.force_login(operator)
    url = _act_url(name, connections["granted"])

    refused = getattr(client, method)(url)

    assert refused.status_code == 403
    assert refusal in refused.content.decode()
    assert Connection.objects.get(pk=connections["granted"].pk).status == "connected"

    operator.user_permissions.add(*connection_permissions(codename))
    allowed_client = type(client)()
    allowed_client.force_login(operator)
    if method == "get" and name != "connections:callback":
        assert allowed_client.get(url).status_code == 200


def test_an_operator_who_may_see_health_sees_no_buttons_for_what_they_may_not_do(
    client, operator, connections
):
    operator.user_permissions.add(*connection_permissions("view_connection"))
    client.force_login(operator)
    connection = connections["granted"]

    listing = client.get(reverse("connections:list")).content.decode()
    detail = client.get(reverse("connections:detail", args=[connection.pk])).content.decode()

    assert "Granted" in listing
    assert "Add connection" not in listing
    assert '<h2 id="health-title">Health</h2>' in detail
    for url in ("edit", "delete", "connect", "test", "revoke"):
        assert reverse(f"connections:{url}", args=[connection.pk]) not in detail
    assert "You may see this connection's health." in detail
    assert "Connections</a>" in client.get("/").content.decode()


def test_revoke_without_delete_shows_revoke_but_not_delete_or_edit(client, operator, connections):
    operator.user_permissions.add(*connection_permissions("view_connection", "revoke_connection"))
    client.force_login(operator)
    connection = connections["granted"]

    detail = client.get(reverse("connections:detail", args=[connection.pk])).content.decode()

    assert reverse("connections:revoke", args=[connection.pk]) in detail
    assert reverse("connections:delete", args=[connection.pk]) not in detail
    assert reverse("connections:edit", args=[connection.pk]) not in detail
    assert reverse("connections:test", args=[connection.pk]) not in detail


def test_staff_without_connection_permissions_do_not_see_the_connections_tab(client, operator):
    client.force_login(operator)

    assert "Connections</a>" not in client.get("/").content.decode()
    assert client.get(reverse("connections:list")).status_code == 403


def test_the_custom_revoke_permission_exists_for_the_admin_to_give(db):
    assert [p.name for p in connection_permissions("revoke_connection")] == [
        "Can revoke a connection's tokens at Zoho"
    ]
