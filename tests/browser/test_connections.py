"""A staff user connects the sandbox org through Zoho's OAuth flow and sees it healthy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_staff_connects_the_sandbox_org_and_sees_it_healthy(
    live_server, page, log_in, screenshot, staff_user, sandbox
):
    log_in("staff")
    page.goto(f"{live_server.url}/connections/")
    expect(page.get_by_role("heading", name="No connections yet")).to_be_visible()
    screenshot("connections-empty")

    page.get_by_role("link", name="Add connection").first.click()
    page.get_by_label("Name").fill("Sandbox CRM")
    page.get_by_label("Data centre").select_option("custom")
    page.get_by_label("Environment").select_option("sandbox")
    page.get_by_label("Client ID").fill(sandbox.client_id)
    page.get_by_label("Client secret").fill(sandbox.client_secret)
    page.get_by_label("Accounts server").fill(sandbox.url)
    page.get_by_label("API domain").fill(sandbox.url)
    screenshot("connection-add-form")
    page.get_by_role("button", name="Save connection").click()

    expect(page.get_by_text("Saved “Sandbox CRM”.")).to_be_visible()
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("heading", name=re.compile("Authorize"))).to_be_visible()
    screenshot("sandbox-consent")
    page.get_by_role("button", name="Accept").click()

    expect(page.get_by_text("Connected “Sandbox CRM” to Zoho.")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Connected")
    expect(page.get_by_text("Zylker Sandbox Ltd").first).to_be_visible()
    assert sandbox.client_secret not in page.content()
    screenshot("connection-detail")

    page.get_by_role("button", name="Test").click()
    expect(page.get_by_text("Test passed: Zoho answered for Zylker Sandbox Ltd.")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Connections").click()
    row = page.locator("tr", has_text="Sandbox CRM")
    expect(row.locator(".badge").first).to_have_text("Connected")
    expect(row).to_contain_text("Zylker Sandbox Ltd")
    screenshot("connections-list")


def test_an_editor_sees_a_clear_page_instead_of_connections(
    live_server, page, log_in, screenshot, editor_user
):
    log_in("editor")
    page.goto(f"{live_server.url}/connections/")

    expect(page.get_by_role("heading", name="You can't open this page")).to_be_visible()
    expect(page.get_by_text("Your account may not see Zoho connections")).to_be_visible()
    screenshot("connections-forbidden")
