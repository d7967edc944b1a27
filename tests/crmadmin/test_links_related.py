"""The related panel of a contact (its deals and roles, unlink) and of a deal (its contacts)."""

from __future__ import annotations

import re

import pytest

from tests.crmadmin.test_links import API, CONTACT, CONTACT_ID, DEAL_3, connection, element, zoho

pytestmark = pytest.mark.django_db
__all__ = ["connection", "zoho"]  # fixtures shared with the link page tests

PANEL = f"/links/{{pk}}/Contacts/{CONTACT_ID}/"
ROLE = {"name": "Decision Maker", "id": "111111000000026002"}


def test_contact_panel_lists_its_deals_with_roles(staff_client, connection, zoho):
    zoho.get(
        re.compile(rf"{API}/Contacts/{CONTACT_ID}/Deals\?.*"),
        json={"data": [{**DEAL_3, "Contact_Role": ROLE}], "info": {}},
    )
    response = staff_client.get(PANEL.format(pk=connection.pk))
    html = response.content.decode()
    request = zoho.calls[-1].request
    assert request.url.startswith(f"{API}/Contacts/{CONTACT_ID}/Deals?fields=")
    assert "Contact_Role" in request.url and "External_Deal_ID" in request.url
    row = element(html, f"related-deal-{DEAL_3['id']}")
    assert "Acme renewal" in row and "Decision Maker" in row and "extdeal3" in row
    assert "Unlink" in row
    assert f"contact_value={CONTACT_ID}" in html  # the "Link deals" link
    assert "<html" in html


def test_contact_panel_is_a_partial_for_htmx(staff_client, connection, zoho):
    zoho.get(re.compile(rf"{API}/Contacts/{CONTACT_ID}/Deals\?.*"), status=204)
    response = staff_client.get(PANEL.format(pk=connection.pk), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="related-panel"')
    assert "No deals are linked to this contact yet." in html


def test_deal_panel_lists_its_contacts_with_roles(staff_client, connection, zoho):
    zoho.get(
        re.compile(rf"{API}/Deals/{DEAL_3['id']}/Contact_Roles\?.*"),
        json={"data": [{**CONTACT, "Contact_Role": ROLE}], "info": {}},
    )
    html = staff_client.get(f"/links/{connection.pk}/Deals/{DEAL_3['id']}/").content.decode()
    row = element(html, f"related-contact-{CONTACT_ID}")
    assert "Jane Doe" in row and "Decision Maker" in row and "jane@example.com" in row


def test_panel_shows_zoho_errors_in_words(staff_client, connection, zoho):
    zoho.get(
        re.compile(rf"{API}/Contacts/{CONTACT_ID}/Deals\?.*"),
        status=403,
        json={
            "code": "NO_PERMISSION",
            "details": {},
            "message": "permission denied",
            "status": "error",
        },
    )
    html = staff_client.get(PANEL.format(pk=connection.pk)).content.decode()
    assert "You do not have permission" in element(html, "related-panel")


def test_panel_is_only_for_contacts_and_deals(staff_client, connection):
    assert staff_client.get(f"/links/{connection.pk}/Leads/1/").status_code == 404


def test_unlink_deletes_the_relation_and_shows_the_panel_again(staff_client, connection, zoho):
    zoho.delete(
        f"{API}/Contacts/{CONTACT_ID}/Deals?ids={DEAL_3['id']}",
        json={
            "data": [
                {
                    "code": "SUCCESS",
                    "details": {"id": DEAL_3["id"]},
                    "message": "relation removed",
                    "status": "success",
                }
            ]
        },
    )
    zoho.get(re.compile(rf"{API}/Contacts/{CONTACT_ID}/Deals\?.*"), status=204)
    url = f"/links/{connection.pk}/Contacts/{CONTACT_ID}/unlink/{DEAL_3['id']}/"
    response = staff_client.post(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert any(call.request.method == "DELETE" for call in zoho.calls)
    assert "Unlinked the deal." in element(html, "related-panel")


def test_unlink_without_javascript_redirects_back_to_the_panel(staff_client, connection, zoho):
    zoho.delete(
        f"{API}/Contacts/{CONTACT_ID}/Deals?ids={DEAL_3['id']}",
        status=400,
        json={
            "data": [
                {
                    "code": "INVALID_DATA",
                    "details": {"id": DEAL_3["id"]},
                    "message": "the related id given seems to be invalid",
                    "status": "error",
                }
            ]
        },
    )
    url = f"/links/{connection.pk}/Contacts/{CONTACT_ID}/unlink/{DEAL_3['id']}/"
    response = staff_client.post(url, follow=False)
    assert response.status_code == 302
    assert response["Location"] == PANEL.format(pk=connection.pk)
