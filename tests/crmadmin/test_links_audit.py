"""Every link, bulk link and unlink is in the audit (what was linked, by whom, Zoho's answer),
on the contact's and each deal's history."""

from __future__ import annotations

import re

import pytest

from crmadmin.models import AuditEntry
from tests.crmadmin.test_links import (
    API,
    CONTACT_ID,
    DEAL_3,
    DEAL_4,
    confirm,
    connection,
    linked,
    resolve_mocks,
    zoho,
)
from tests.crmadmin.test_links_bulk import echo, post

pytestmark = pytest.mark.django_db
__all__ = ["connection", "zoho"]


def _entries(**where):
    return list(AuditEntry.objects.filter(**where).order_by("module", "record_id"))


def test_a_confirmed_link_is_audited_on_the_contact_and_the_deal(
    staff_client, staff_user, connection, zoho
):
    resolve_mocks(zoho)
    zoho.put(
        f"{API}/Contacts/extcontact3/Deals",
        json={"data": [linked({"External_Deal_ID": "extdeal3", "id": DEAL_3["id"]})]},
    )

    confirm(staff_client, connection, zoho)

    contact, deal = _entries(action="link")
    assert (contact.module, contact.record_id, contact.record_name) == (
        "Contacts",
        CONTACT_ID,
        "Jane Doe",
    )
    assert (contact.user, contact.response_code, contact.succeeded) == (
        staff_user,
        "SUCCESS",
        True,
    )
    assert contact.changes == [
        {
            "api_name": "Deals",
            "label": "Deal",
            "before": None,
            "after": "Acme renewal (External_Deal_ID extdeal3)",
            "related_id": DEAL_3["id"],
            "code": "SUCCESS",
            "message": "relation added",
        }
    ]
    assert (deal.module, deal.record_id, deal.succeeded) == ("Deals", DEAL_3["id"], True)
    assert deal.changes[0]["after"] == "Jane Doe"
    assert deal.changes[0]["related_id"] == CONTACT_ID


def test_a_partly_refused_link_audits_zohos_answer_per_deal(staff_client, connection, zoho):
    resolve_mocks(zoho, deals=[DEAL_3, DEAL_4])
    refused = {
        "code": "INVALID_DATA",
        "details": {"api_name": "External_Deal_ID", "json_path": "$.data[1].External_Deal_ID"},
        "message": "the related id given seems to be invalid",
        "status": "error",
    }
    zoho.put(
        f"{API}/Contacts/extcontact3/Deals",
        status=207,
        json={"data": [linked({"id": DEAL_3["id"]}), refused]},
    )

    confirm(staff_client, connection, zoho, deals="extdeal3\nextdeal4")

    contact = AuditEntry.objects.get(module="Contacts", record_id=CONTACT_ID)
    assert (contact.succeeded, contact.response_code) == (False, "INVALID_DATA")
    assert [(c["related_id"], c["code"]) for c in contact.changes] == [
        (DEAL_3["id"], "SUCCESS"),
        (DEAL_4["id"], "INVALID_DATA"),
    ]
    refused_deal = AuditEntry.objects.get(module="Deals", record_id=DEAL_4["id"])
    assert (refused_deal.succeeded, refused_deal.response_code) == (False, "INVALID_DATA")


def test_a_link_zoho_refuses_as_a_whole_is_audited_as_refused(staff_client, connection, zoho):
    resolve_mocks(zoho)
    zoho.put(
        f"{API}/Contacts/extcontact3/Deals",
        status=401,
        json={"code": "OAUTH_SCOPE_MISMATCH", "details": {}, "message": "invalid oauth scope"},
    )

    confirm(staff_client, connection, zoho)

    contact = AuditEntry.objects.get(module="Contacts")
    assert (contact.record_id, contact.succeeded) == (CONTACT_ID, False)
    assert contact.response_code == "OAUTH_SCOPE_MISMATCH"
    assert contact.changes[0]["after"] == "Acme renewal (External_Deal_ID extdeal3)"


def test_a_preview_writes_nothing_to_the_audit(staff_client, connection, zoho):
    resolve_mocks(zoho)

    staff_client.post(
        "/links/",
        {
            "connection": connection.pk,
            "contact_by": "external",
            "contact_field": "External_Contact_ID",
            "contact_value": "extcontact3",
            "deal_field": "External_Deal_ID",
            "deals": "extdeal3",
            "action": "preview",
        },
    )

    assert not AuditEntry.objects.exists()


def test_a_bulk_link_is_audited_per_contact_and_on_each_linked_deal(
    staff_client, staff_user, connection, zoho
):
    zoho.add_callback("PUT", re.compile(rf"{API}/Contacts/[^/]+/Deals"), callback=echo)

    post(staff_client, connection, "extA,deal1\nextA,deal2\nextB,deal3")

    contacts = _entries(module="Contacts")
    assert [(e.record_id, e.record_name, e.succeeded) for e in contacts] == [
        ("", "External_Contact_ID extA", True),
        ("", "External_Contact_ID extB", True),
    ]
    assert [c["after"] for c in contacts[0].changes] == [
        "External_Deal_ID deal1",
        "External_Deal_ID deal2",
    ]
    deals = _entries(module="Deals")
    assert [(e.record_id, e.changes[0]["after"], e.user) for e in deals] == [
        ("0", "External_Contact_ID extA", staff_user),
        ("0", "External_Contact_ID extB", staff_user),
        ("1", "External_Contact_ID extA", staff_user),
    ]


def test_bulk_pairs_never_sent_are_not_audited_as_writes(staff_client, connection, zoho):
    zoho.put(
        f"{API}/Contacts/extA/Deals",
        status=401,
        json={"code": "OAUTH_SCOPE_MISMATCH", "details": {}, "message": "invalid oauth scope"},
    )

    post(staff_client, connection, "extA,deal1\nextB,deal2")

    (entry,) = AuditEntry.objects.all()
    assert (entry.record_name, entry.response_code, entry.succeeded) == (
        "External_Contact_ID extA",
        "OAUTH_SCOPE_MISMATCH",
        False,
    )


def test_an_unlink_is_audited_and_shown_in_the_contacts_history(staff_client, connection, zoho):
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

    staff_client.post(f"/links/{connection.pk}/Contacts/{CONTACT_ID}/unlink/{DEAL_3['id']}/")

    contact, deal = _entries(action="unlink")
    assert (contact.record_id, contact.succeeded, contact.response_code) == (
        CONTACT_ID,
        True,
        "SUCCESS",
    )
    assert (contact.changes[0]["before"], contact.changes[0]["after"]) == (DEAL_3["id"], None)
    assert deal.record_id == DEAL_3["id"]
    history = staff_client.get(
        f"/records/{connection.pk}/Contacts/{CONTACT_ID}/history/"
    ).content.decode()
    assert '<span class="badge ok">Unlinked</span>' in history
    assert f'<th scope="row">Deal</th><td>{DEAL_3["id"]}</td><td>—</td>' in history
