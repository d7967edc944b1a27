"""A person links a contact to deals by external ID: preview (an unknown ID flagged), fix,
confirm, then sees the deals with their roles on the contact's related panel."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_link_a_contact_to_deals_by_external_id_and_see_it_on_the_contact(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection
):
    log_in("editor")
    page.get_by_role("link", name="Link contacts & deals").first.click()
    page.get_by_label("Connection").select_option(str(sandbox_connection.pk))
    page.get_by_role("button", name="Switch").click()

    page.get_by_label("Contact ID").fill("extcontact3")
    page.get_by_label("Deal external IDs").fill("extdeal11, Decision Maker\nextdeal999999")
    page.get_by_role("button", name="Preview").click()

    unknown = page.locator("#deal-row-1")
    expect(unknown).to_contain_text("Unknown ID")
    expect(unknown).to_contain_text("No deal has External_Deal_ID “extdeal999999”.")
    expect(page.locator("#deal-row-0 .row-status .badge")).to_have_text("Found")
    expect(page.get_by_role("button", name="Link 2 deals")).to_have_count(0)
    screenshot("links-preview-unknown")

    page.get_by_label("Deal external IDs").fill("extdeal11, Decision Maker\nextdeal12")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#deal-row-1 .row-status .badge")).to_have_text("Found")
    page.get_by_label("Role for extdeal12").select_option(label="Evaluator")
    screenshot("links-preview")
    page.get_by_role("button", name="Link 2 deals").click()

    expect(page.locator(".link-done")).to_contain_text("Linked 2 deals to")
    expect(page.locator("#deal-row-0 .row-status .badge")).to_have_text("Linked")
    expect(page.locator("#deal-row-1 .row-status .badge")).to_have_text("Linked")
    screenshot("links-result")

    page.get_by_role("link", name="See the contact's deals").click()
    panel = page.locator("#related-panel")
    row11 = panel.locator("tr", has_text="extdeal11")
    row12 = panel.locator("tr", has_text="extdeal12")
    expect(row11).to_contain_text("Decision Maker")
    expect(row12).to_contain_text("Evaluator")
    screenshot("links-contact-panel")

    page.once("dialog", lambda dialog: dialog.accept())
    row12.get_by_role("button", name="Unlink").click()
    expect(panel).to_contain_text("Unlinked the deal.")
    expect(panel.locator("tr", has_text="extdeal12")).to_have_count(0)
    screenshot("links-contact-panel-after-unlink")


def test_link_many_pairs_pasted_and_see_each_result(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection
):
    log_in("editor")
    page.goto(f"{live_server.url}/links/bulk/?connection={sandbox_connection.pk}")
    page.get_by_label("Pairs").fill(
        "contact,deal,role\nextcontact5,extdeal31,Evaluator\nextcontact5,extdeal0x\n"
        "extcontact6,extdeal32"
    )
    page.get_by_role("button", name="Link pairs").click()
    expect(page.locator("#pair-row-2")).to_contain_text("Linked")
    expect(page.locator("#pair-row-3")).to_contain_text("No deal has External_Deal_ID “extdeal0x”.")
    expect(page.locator("#pair-row-4")).to_contain_text("Linked")
    expect(page.locator("#job-counts")).to_contain_text("2 linked, 1 not linked")
    expect(page.get_by_role("link", name="Download results (CSV)")).to_be_visible()
    screenshot("links-bulk-result")
