"""Saving from the sticky bar in the middle of a long form: the outcome is shown and focused
where the user is, the button shows progress and cannot be pressed twice, and a save whose
answer was lost is checked, not called a refusal (issue #10 items 3 and 4)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crmadmin.models import AuditEntry
from crmadmin.zoho import client_for
from updater.records import records_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _contact(connection) -> str:
    page = records_list(client=client_for(connection), module="Contacts", fields=["id"], per_page=1)
    return str(page.records[0]["id"])


def _open_mid_form(page, live_server, connection, record_id):
    page.goto(f"{live_server.url}/records/{connection.pk}/Contacts/{record_id}/")
    title = page.locator("#id_Title")
    title.scroll_into_view_if_needed()
    # The middle of the form, the top out of sight; wait until the page has really scrolled (a
    # wheel event is applied asynchronously, and reading scrollY at once could still say 0).
    page.evaluate("window.scrollBy(0, 600)")
    page.wait_for_function("window.scrollY > 300")
    return title


def _in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0; }""",
        selector,
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_saving_mid_form_shows_and_focuses_the_outcome_in_the_save_bar(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox, width
):
    page.set_viewport_size({"width": width, "height": 800})
    record_id = _contact(sandbox_connection)
    log_in("editor")
    title = _open_mid_form(page, live_server, sandbox_connection, record_id)
    title.fill(f"Head of Sales {width}")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 300

    sandbox.faults.set("latency", path="PUT /crm/v8/Contacts", seconds=1.0, count=1)
    save = page.locator(".sticky-actions .save-button")
    save.click()
    expect(save).to_be_disabled()  # cannot be pressed twice while saving
    expect(save).to_contain_text("Saving…")

    outcome = page.locator("#save-outcome")
    expect(outcome).to_contain_text("Saved. Changed: Title.")
    expect(outcome).to_be_focused()
    assert _in_viewport(page, "#save-outcome")
    assert page.evaluate("window.scrollY") > 300  # the page did not jump away
    expect(save).to_be_enabled()
    shot = screenshot(f"record-save-outcome-{width}")
    page.screenshot(path=str(shot.with_name(f"record-save-outcome-{width}-viewport.png")))
    assert sandbox.get_record("Contacts", record_id)["Title"] == f"Head of Sales {width}"
    assert sandbox.updates_of("Contacts") == {record_id: 1}


def test_a_save_whose_answer_was_lost_is_checked_and_shown_saved(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id = _contact(sandbox_connection)
    log_in("editor")
    title = _open_mid_form(page, live_server, sandbox_connection, record_id)
    title.fill("Landed late")
    sandbox.faults.set("lost_answer", path="PUT /crm/v8/Contacts", count=1)
    page.locator(".sticky-actions .save-button").click()

    outcome = page.locator("#save-outcome")
    expect(outcome).to_contain_text("your changes are in Zoho")
    expect(outcome).to_be_focused()
    assert _in_viewport(page, "#save-outcome")
    expect(page.locator("#id_Title")).to_have_value("Landed late")
    screenshot("record-save-answer-lost")
    assert sandbox.updates_of("Contacts") == {record_id: 1}
    entry = AuditEntry.objects.get(record_id=record_id)
    assert (entry.succeeded, entry.confirmed) == (True, True)


def test_a_save_that_cannot_be_confirmed_keeps_the_input_and_blames_no_one(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id = _contact(sandbox_connection)
    log_in("editor")
    title = _open_mid_form(page, live_server, sandbox_connection, record_id)
    title.fill("Unknown fate")
    sandbox.faults.set("lost_answer", path="PUT /crm/v8/Contacts", count=1)
    sandbox.faults.set("drop", path="GET /crm/v8/Contacts")
    page.locator(".sticky-actions .save-button").click()

    outcome = page.locator("#save-outcome")
    expect(outcome).to_contain_text("Could not confirm the save")
    expect(outcome).to_be_focused()
    expect(page.locator("#id_Title")).to_have_value("Unknown fate")
    expect(page.locator("#record-form")).not_to_contain_text("Someone else")
    screenshot("record-save-unconfirmed")
    sandbox.faults.clear()
    assert AuditEntry.objects.get(record_id=record_id).confirmed is False


def test_use_theirs_on_the_merge_screen_puts_their_value_into_the_input(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id = _contact(sandbox_connection)
    log_in("editor")
    page.goto(f"{live_server.url}/records/{sandbox_connection.pk}/Contacts/{record_id}/")
    sandbox.edit_record("Contacts", record_id, {"Title": "Their title"})
    page.locator("#id_Title").fill("My title")
    page.locator("#id_Mobile").fill("+1 555 0100")
    page.locator(".sticky-actions .save-button").click()
    expect(page.locator("#conflict")).to_contain_text("Their title")

    page.locator("#field-Title").get_by_label("Use theirs").check()
    expect(page.locator("#id_Title")).to_have_value("Their title")
    expect(page.locator("#id_Mobile")).to_have_value("+1 555 0100")  # the rest is kept
    screenshot("record-conflict-use-theirs")
    page.locator(".sticky-actions .save-button").click()
    expect(page.locator("#save-outcome")).to_contain_text("Saved. Changed: Mobile.")
    saved = sandbox.get_record("Contacts", record_id)
    assert (saved["Title"], saved["Mobile"]) == ("Their title", "+1 555 0100")
