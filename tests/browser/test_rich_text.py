"""A person formats a contact's Bio (a rich text field) in the sandbox CRM: the editor shows what
Zoho holds without running any of it, bold typed text is saved as HTML, cleaned."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crmadmin.zoho import client_for
from tests.fixtures.browser import SCREENSHOTS
from updater.records import records_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = (
    '<p>Met at the fair.<img src="x" onerror="window.richPwned = 1"></p>'
    '<p><a href="javascript:window.richPwned = 2">click</a></p>'
)


def _contact(connection) -> str:
    page = records_list(client=client_for(connection), module="Contacts", fields=["id"], per_page=1)
    return str(page.records[0]["id"])


def _shot(page, name: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    row = page.locator("#field-Bio")
    row.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret makes Playwright leave style="" on every input, which
    # htmx then copies on the next swap and the CSP refuses (a test artefact, not the page's).
    row.screenshot(path=str(SCREENSHOTS / f"{name}.png"), caret="initial")


def test_bold_text_typed_in_the_rich_text_editor_is_saved_as_clean_html(
    live_server, page, log_in, editor_user, sandbox_connection, sandbox
):
    record_id = _contact(sandbox_connection)
    sandbox.edit_record("Contacts", record_id, {"Bio": HOSTILE})
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    log_in("editor")
    page.goto(f"{live_server.url}/records/{sandbox_connection.pk}/Contacts/{record_id}/")

    editor = page.locator("#id_Bio-editor")
    expect(editor).to_be_visible()
    expect(page.locator("#id_Bio")).to_be_hidden()  # the textarea stays the form's input
    expect(editor).to_have_attribute("contenteditable", "true")
    expect(editor).to_contain_text("Met at the fair.")
    assert editor.locator("img[onerror], a[href^='javascript']").count() == 0
    assert page.evaluate("window.richPwned") is None

    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Bold").click()
    expect(page.get_by_role("button", name="Bold")).to_have_attribute("aria-pressed", "true")
    page.keyboard.type("Call back on Monday")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Bold").click()
    expect(page.get_by_role("button", name="Bold")).to_have_attribute("aria-pressed", "false")
    page.get_by_role("button", name="bulleted").click()
    page.keyboard.type("Send the quote")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item leaves the list
    page.get_by_role("button", name="Heading", exact=False).first.click()
    page.keyboard.type("Next steps")
    page.keyboard.press("Enter")
    page.once("dialog", lambda dialog: dialog.accept("zylker.example/plan"))
    page.get_by_role("button", name="Link", exact=True).click()
    expect(editor.locator("b")).to_have_text("Call back on Monday")
    expect(editor.locator("h2")).to_have_text("Next steps")
    expect(editor.locator("a[href='https://zylker.example/plan']")).to_be_visible()
    _shot(page, "rich-text-editing", 1280)
    _shot(page, "rich-text-editing-390", 390)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#record-form .msg-success")).to_contain_text("Changed: Bio")
    bio = sandbox.get_record("Contacts", record_id)["Bio"]
    assert "<b>Call back on Monday</b>" in bio
    assert "<ul><li>Send the quote" in bio
    assert "<h2>Next steps</h2>" in bio
    assert '<a href="https://zylker.example/plan">' in bio
    assert "onerror" not in bio and "javascript:" not in bio
    # After the save the form is Zoho's record again, under a fresh editor.
    expect(page.locator("#id_Bio-editor b")).to_have_text("Call back on Monday")
    assert page.evaluate("window.richPwned") is None
    assert not [text for text in refused if "Content Security Policy" in text]
