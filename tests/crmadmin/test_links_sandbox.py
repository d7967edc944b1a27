"""Linking against the sandbox CRM over loopback, end to end: the page resolves real records,
the PUT by external ID links them, and the related panels show the links with their roles."""

from __future__ import annotations

import re

import pytest

from crmadmin.problems import error_place
from crmadmin.services.linking import ContactRef, contact_find, link_rows
from crmadmin.zoho import client_for
from updater.errors import ApiError

pytestmark = pytest.mark.django_db


def post(client, connection, **overrides):
    data = {
        "connection": connection.pk,
        "contact_by": "external",
        "contact_field": "External_Contact_ID",
        "contact_value": "extcontact3",
        "deal_field": "External_Deal_ID",
        "deals": "extdeal21, Decision Maker\nextdeal22",
        "action": "preview",
        **overrides,
    }
    return client.post("/links/", data)


def token_of(response) -> str:
    return re.search(r'name="previewed" value="([^"]+)"', response.content.decode()).group(1)


def row_html(html: str, index: int) -> str:
    start = html.index(f'id="deal-row-{index}"')
    return html[start : html.index("</tr>", start)]


def test_preview_and_confirm_link_real_records(editor_client, sandbox_connection):
    preview = post(editor_client, sandbox_connection, deals="extdeal21, Decision Maker\nextdeal0x")
    html = preview.content.decode()
    assert preview.status_code == 422
    assert "Found" in row_html(html, 0)
    assert "No deal has External_Deal_ID “extdeal0x”." in row_html(html, 1)

    preview = post(editor_client, sandbox_connection)
    assert preview.status_code == 200, preview.content.decode()[:2000]
    done = post(editor_client, sandbox_connection, action="confirm", previewed=token_of(preview))
    html = done.content.decode()
    assert done.status_code == 200, html[:3000]
    assert "Linked 2 deals to" in html
    contact_id = re.search(rf"/links/{sandbox_connection.pk}/Contacts/(\d+)/", html).group(1)

    panel = editor_client.get(f"/links/{sandbox_connection.pk}/Contacts/{contact_id}/")
    text = panel.content.decode()
    row = text[text.index("extdeal21") - 600 : text.index("extdeal21")]
    assert "Decision Maker" in row
    assert "extdeal22" in text


def test_confirm_by_record_id_links_through_the_deal_field_only(editor_client, sandbox_connection):
    contact = ContactRef(value="extcontact4", field="External_Contact_ID")
    client = client_for(sandbox_connection)
    found = contact_find(client=client, contact=contact)
    preview = post(
        editor_client,
        sandbox_connection,
        contact_by="id",
        contact_value=found.id,
        deals="extdeal23",
    )
    done = post(
        editor_client,
        sandbox_connection,
        contact_by="id",
        contact_value=found.id,
        deals="extdeal23",
        action="confirm",
        previewed=token_of(preview),
    )
    assert "Linked 1 deal to" in done.content.decode()
    deal_page = editor_client.get(f"/links/{sandbox_connection.pk}/Contacts/{found.id}/")
    assert "extdeal23" in deal_page.content.decode()


def test_the_sandbox_refuses_an_unknown_contact_and_it_lands_on_the_contact(sandbox_connection):
    contact = ContactRef(value="extnobody", field="External_Contact_ID")
    client = client_for(sandbox_connection)
    with pytest.raises(ApiError) as caught:
        link_rows(
            client=client, contact=contact, deal_field="External_Deal_ID", rows=[("extdeal21", "")]
        )
    assert caught.value.code == "INVALID_DATA"
    place = error_place(error=caught.value, contact=contact, deal_field="External_Deal_ID")
    assert place.target == "contact"


def test_the_sandbox_refuses_an_unknown_deal_on_its_row(sandbox_connection):
    contact = ContactRef(value="extcontact3", field="External_Contact_ID")
    client = client_for(sandbox_connection)
    try:
        results = link_rows(
            client=client,
            contact=contact,
            deal_field="External_Deal_ID",
            rows=[("extdeal21", ""), ("extdeal0x", "")],
        )
    except ApiError as error:  # a whole-request refusal must still name the row
        place = error_place(error=error, contact=contact, deal_field="External_Deal_ID")
        assert (place.target, place.index) == ("row", 1)
    else:
        assert [result.ok for result in results] == [True, False]
        assert results[1].code == "INVALID_DATA"
