"""A person meets what Zoho asks of a record in the sandbox CRM: a field the layout hides but Zoho
needs is filled in where the page shows it, and a locked record says so before anyone types.
Screenshots (wide and 390 px) for people to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _both_widths(page, screenshot, name: str) -> None:
    screenshot(name)
    page.set_viewport_size(PHONE)
    screenshot(f"{name}-390")
    page.set_viewport_size(WIDE)


def test_a_field_zoho_also_needs_is_filled_in_and_saved(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    deal_id = sandbox.special["hidden_mandatory"]["Deals"]
    log_in("editor")
    page.goto(f"{live_server.url}/records/{sandbox_connection.pk}/Deals/{deal_id}/")
    expect(page.locator("form.record-form")).to_be_visible()
    expect(page.locator("#field-Pipeline")).to_have_count(0)

    page.locator("#id_Stage").select_option("Negotiation/Review")
    page.locator("#id_Amount").fill("2500")
    page.get_by_role("button", name="Save changes").click()

    needs = page.locator("#zoho-needs")
    expect(needs).to_contain_text("Zoho also needs")
    expect(needs.locator("#field-Pipeline")).to_contain_text("Zoho needs Pipeline")
    expect(page.locator("#id_Pipeline")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#record-form")).not_to_contain_text("was not found in Zoho")
    expect(page.locator("#id_Amount")).to_have_value("2500")  # nothing typed is lost
    _both_widths(page, screenshot, "record-zoho-also-needs")

    page.locator("#id_Pipeline").select_option("Renewals")
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator("#record-form .msg-success")).to_contain_text("Saved. Changed:")
    record = sandbox.get_record("Deals", deal_id)
    assert (record["Pipeline"], record["Stage"]) == ("Renewals", "Negotiation/Review")


def test_a_locked_record_says_so_before_anyone_types(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    deal_id = sandbox.special["locked"]["Deals"]
    log_in("editor")
    page.goto(f"{live_server.url}/records/{sandbox_connection.pk}/Deals/{deal_id}/")

    banner = page.locator("#record-hold")
    expect(banner).to_contain_text("This record is locked")
    expect(banner).to_contain_text("You can still read it")
    expect(page.locator("#id_Deal_Name")).to_be_disabled()
    save = page.locator(".sticky-actions .btn.primary")
    expect(save).to_be_disabled()
    expect(save).to_have_text("Cannot save: the record is locked")
    expect(page.get_by_role("link", name="History")).to_be_visible()  # still readable
    _both_widths(page, screenshot, "record-locked")
