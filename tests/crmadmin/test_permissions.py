"""crmadmin.permissions: staff manage and use everything; editors use what they are granted."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from crmadmin.models import Connection, ConnectionGrant
from crmadmin.permissions import allowed_modules, connection_for, usable_connections


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
    assert "Only crmadmin administrators (staff) manage Zoho connections." in page
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
