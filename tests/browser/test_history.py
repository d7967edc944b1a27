"""A person's edits are never dropped without asking, Revoke asks first, and the history of a
record reads like the rest of the app. Screenshots (wide and 390 px) for people to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crmadmin.zoho import client_for
from updater.records import records_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _contact(connection) -> str:
    page = records_list(client=client_for(connection), module="Contacts", fields=["id"])
    return str(page.records[0]["id"])


def _both_widths(page, screenshot, name: str) -> None:
    screenshot(name)
    page.set_viewport_size(PHONE)
    screenshot(f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_unsaved_edits_are_not_dropped_without_asking(
    live_server, page, log_in, editor_user, sandbox_connection, sandbox
):
    record_id = _contact(sandbox_connection)
    original = sandbox.get_record("Contacts", record_id)["Title"] or ""
    log_in("editor")
    page.goto(f"{live_server.url}/records/{sandbox_connection.pk}/Contacts/{record_id}/")
    title = page.locator("#id_Title")
    title.fill("Typed, not saved")
    asked: list[str] = []

    def refuse(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", refuse)
    page.get_by_role("button", name="Discard and reload").click()
    expect(title).to_have_value("Typed, not saved")
    assert asked == ["confirm"]

    page.once("dialog", refuse)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Records").click()
    page.wait_for_timeout(300)
    expect(title).to_have_value("Typed, not saved")
    assert asked == ["confirm", "beforeunload"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Discard and reload").click()
    expect(page.locator("#id_Title")).to_have_value(original)
    assert sandbox.get_record("Contacts", record_id)["Title"] == original


def test_history_reads_like_the_app(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id = _contact(sandbox_connection)
    log_in("editor")
    page.goto(f"{live_server.url}/records/{sandbox_connection.pk}/Contacts/{record_id}/")
    page.locator("#id_Title").fill("Head of Sales")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#record-form .msg-success")).to_contain_text("Saved.")

    page.get_by_role("link", name="History").click()

    entry = page.locator(".history-entry").first
    expect(entry.locator(".badge")).to_have_text("Saved")
    expect(entry.locator("tbody th").first).to_have_text("Title")
    expect(entry.locator("time")).to_contain_text(" +05:30")
    expect(page.get_by_text("times in Asia/Kolkata")).to_be_visible()
    _both_widths(page, screenshot, "record-history")


def test_revoke_asks_first_and_leaves_no_stale_health(
    live_server, page, log_in, screenshot, staff_user, sandbox_connection, sandbox
):
    log_in("staff")
    page.goto(f"{live_server.url}/connections/{sandbox_connection.pk}/")
    page.get_by_role("button", name="Test").click()
    expect(page.get_by_text("Test passed")).to_be_visible()

    page.get_by_role("link", name="Revoke…").click()
    expect(page.get_by_role("heading", name=f"Revoke “{sandbox_connection.name}”?")).to_be_visible()
    _both_widths(page, screenshot, "connection-confirm-revoke")
    page.get_by_role("button", name="Revoke tokens").click()

    health = page.locator("#connection-health")
    expect(page.get_by_text("wiped its tokens")).to_be_visible()
    expect(health).to_contain_text("Revoked")
    expect(health).not_to_contain_text("just now")
    expect(health).not_to_contain_text("Last error")
