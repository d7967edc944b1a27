"""A person creates a contact from the list, then deletes it after a confirmation page naming
it; wide and at 390 px. Screenshots are saved to look at."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from crmadmin.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("width", ["wide", "390"])
def test_new_contact_from_the_list_then_deleted_after_a_confirmation(
    live_server, page, log_in, screenshot, editor_user, sandbox, sandbox_connection, width
):
    cache.clear()  # connection ids repeat between tests: no other test's metadata
    if width == "390":
        page.set_viewport_size(PHONE)
    suffix = "-390" if width == "390" else ""
    log_in("editor")
    page.goto(f"{live_server.url}/records/{sandbox_connection.pk}/Contacts/")
    page.get_by_role("link", name="New Contact").click()
    expect(page.get_by_role("heading", name="New Contact")).to_be_visible()
    page.get_by_label("Last Name").fill("Okafor")
    page.get_by_label("First Name").fill("Ngozi")
    page.get_by_label("Email").first.fill("not an email")
    screenshot(f"record-new{suffix}")
    page.get_by_role("button", name="Create Contact").click()
    expect(page.locator("#field-Email .field-error")).to_be_visible()
    expect(page.get_by_label("Last Name")).to_have_value("Okafor")  # typed values kept
    page.get_by_label("Email").first.fill(f"ngozi.okafor.{width}@example.com")
    page.get_by_role("button", name="Create Contact").click()
    expect(page.get_by_text("Created Contact “Ngozi Okafor” in Zoho.")).to_be_visible()
    record_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert sandbox.get_record("Contacts", record_id)["Full_Name"] == "Ngozi Okafor"

    page.get_by_role("link", name="Delete", exact=True).click()
    expect(page.get_by_role("heading", name="Delete “Ngozi Okafor”?")).to_be_visible()
    screenshot(f"record-delete-confirm{suffix}")
    page.get_by_role("button", name="Delete “Ngozi Okafor”").click()
    expect(page.get_by_text("Deleted “Ngozi Okafor”.")).to_be_visible()
    assert sandbox.get_record("Contacts", record_id) is None
    actions = list(AuditEntry.objects.filter(record_id=record_id).values_list("action", flat=True))
    assert sorted(actions) == ["create", "delete"]
