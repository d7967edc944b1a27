"""Access on the connection page: staff with the change permission give a group the use of a
connection (every module or some), change it, or take it away, from crmadmin's own pages; the
group's members can then open exactly that. Superusers find Django admin in the menu."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from crmadmin.models import ConnectionGrant
from tests.fixtures.connections import connection_to
from tests.fixtures.users import PASSWORD, connection_permissions

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]


@pytest.fixture
def connection(shared_sandbox):
    return connection_to(shared_sandbox)


@pytest.fixture
def sales(django_user_model):
    """A group with no permission yet, and one member signed in on a client of their own."""
    group = Group.objects.create(name="Sales")
    member = django_user_model.objects.create_user(username="sam", password=PASSWORD)
    member.groups.add(group)
    client = Client()
    client.force_login(member)
    return group, client


def _list(client, connection, module):
    return client.get(reverse("records:list", args=[connection.pk, module]))


def _grant(client, connection, group, modules=()):
    url = reverse("connections:access", args=[connection.pk])
    return client.post(url, {"group": group.pk, "modules": list(modules)})


def test_the_access_section_offers_the_connections_modules_as_choices(staff_client, connection):
    response = staff_client.get(reverse("connections:detail", args=[connection.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="access"' in page
    assert "only staff can edit records through it" in page
    assert 'type="checkbox" name="modules" value="Contacts"' in page
    assert 'type="checkbox" name="modules" value="Deals"' in page
    assert 'value="Contact_Addresses"' not in page  # a subform module is not granted on its own
    # The section sits once in the page body, never inside the <title>.
    assert page.count('id="access"') == 1
    assert f"<title>{connection.name} · crmadmin</title>" in page


def test_granting_a_group_some_modules_lets_its_members_open_those_only(
    staff_client, connection, sales
):
    group, member = sales
    assert _list(member, connection, "Contacts").status_code == 403

    response = _grant(staff_client, connection, group, ["Contacts"])

    assert response.status_code == 302
    assert response["Location"] == reverse("connections:detail", args=[connection.pk]) + "#access"
    grant = ConnectionGrant.objects.get(connection=connection, group=group)
    assert grant.module_list == ["Contacts"]
    assert group.permissions.filter(codename="use_connection").exists()
    assert _list(member, connection, "Contacts").status_code == 200
    refused = _list(member, connection, "Deals")
    assert refused.status_code == 403
    assert "edit Deals through “Sandbox CRM”" in refused.content.decode()
    page = staff_client.get(response["Location"]).content.decode()
    assert "Sales may edit Contacts through “Sandbox CRM”." in page
    assert f'id="grant-{grant.pk}"' in page


def test_granting_no_module_means_every_module(staff_client, connection, sales):
    group, member = sales

    _grant(staff_client, connection, group)

    assert ConnectionGrant.objects.get(connection=connection, group=group).modules == ""
    assert _list(member, connection, "Deals").status_code == 200
    page = staff_client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    assert "Every module" in page


def test_granting_a_listed_group_again_replaces_its_modules(staff_client, connection, sales):
    group, member = sales
    _grant(staff_client, connection, group, ["Contacts"])

    _grant(staff_client, connection, group, ["Deals", "Accounts"])

    grant = ConnectionGrant.objects.get(connection=connection, group=group)
    assert grant.module_list == ["Accounts", "Deals"]
    assert _list(member, connection, "Contacts").status_code == 403
    assert _list(member, connection, "Deals").status_code == 200


def test_removing_a_grant_stops_its_members(staff_client, connection, sales):
    group, member = sales
    _grant(staff_client, connection, group)
    grant = ConnectionGrant.objects.get(connection=connection, group=group)

    response = staff_client.post(
        reverse("connections:access_remove", args=[connection.pk, grant.pk])
    )

    assert response.status_code == 302
    assert not ConnectionGrant.objects.filter(pk=grant.pk).exists()
    assert _list(member, connection, "Contacts").status_code == 403
    page = staff_client.get(response["Location"]).content.decode()
    assert "Sales may no longer edit records through “Sandbox CRM”." in page


def test_a_grant_without_a_group_is_refused_next_to_the_group_field(staff_client, connection):
    response = staff_client.post(
        reverse("connections:access", args=[connection.pk]), {"modules": ["Contacts"]}
    )

    assert response.status_code == 422
    page = response.content.decode()
    row = page[page.index('id="field-group"') :]
    assert "This field is required." in row[: row.index("</div>\n")]
    assert re.search(r'value="Contacts"[^>]* checked>', page)  # the ticks are kept
    assert not ConnectionGrant.objects.exists()


def test_without_the_change_permission_access_is_shown_but_not_editable(
    django_user_model, connection, sales
):
    group, _ = sales
    grant = ConnectionGrant.objects.create(connection=connection, group=group, modules="Deals")
    operator = django_user_model.objects.create_user(username="op", password=PASSWORD)
    operator.user_permissions.add(*connection_permissions("view_connection"))
    client = Client()
    client.force_login(operator)

    page = client.get(reverse("connections:detail", args=[connection.pk])).content.decode()
    posted = _grant(client, connection, group, ["Contacts"])
    removed = client.post(reverse("connections:access_remove", args=[connection.pk, grant.pk]))

    assert "Sales" in page and "Deals" in page
    assert "Give a group access" not in page
    assert reverse("connections:access_remove", args=[connection.pk, grant.pk]) not in page
    assert posted.status_code == removed.status_code == 403
    assert ConnectionGrant.objects.get(pk=grant.pk).module_list == ["Deals"]


def test_only_superusers_see_django_admin_in_the_menu(staff_client, django_user_model):
    admin_link = f'href="{reverse("admin:index")}"'
    assert admin_link not in staff_client.get(reverse("home")).content.decode()

    superuser = django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    client = Client()
    client.force_login(superuser)
    assert admin_link in client.get(reverse("home")).content.decode()
