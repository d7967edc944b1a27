"""A person edits a contact in the sandbox CRM: open → edit → save, a field error, and a conflict
resolved by merging. Screenshots are saved for people to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crmadmin.zoho import client_for
from tests.fixtures.browser import SCREENSHOTS
from updater.records import records_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _contacts(connection, count: int = 2) -> list[str]:
    page = records_list(
        client=client_for(connection), module="Contacts", fields=["id"], per_page=count
    )
    return [str(record["id"]) for record in page.records]


def _open(page, live_server, connection, record_id):
    page.goto(f"{live_server.url}/records/{connection.pk}/Contacts/{record_id}/")
    expect(page.locator("form.record-form")).to_be_visible()


def test_open_edit_and_save_a_contact(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id = _contacts(sandbox_connection)[0]
    log_in("editor")
    _open(page, live_server, sandbox_connection, record_id)
    screenshot("record-edit")

    page.locator("#id_Title").fill("Head of Sales")
    search = page.locator("#id_Account_Name")
    start = (search.input_value() or "Acme")[:3]
    search.fill("")
    search.press_sequentially(start, delay=50)
    option = page.locator("#id_Account_Name-options [data-id]").first
    expect(option).to_be_visible()
    chosen_id = option.get_attribute("data-id")
    option.click()
    expect(page.locator("#id_Account_Name-id")).to_have_value(chosen_id)
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator("#record-form .msg-success")).to_contain_text("Saved. Changed: Title")
    screenshot("record-edit-saved")
    saved = sandbox.get_record("Contacts", record_id)
    assert saved["Title"] == "Head of Sales"
    assert str(saved["Account_Name"]["id"]) == chosen_id


def test_a_field_error_shows_next_to_its_field(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id, other_id = _contacts(sandbox_connection)
    taken = sandbox.get_record("Contacts", other_id)["External_Contact_ID"]
    log_in("editor")
    _open(page, live_server, sandbox_connection, record_id)

    page.locator("#id_Email").fill("not an email")
    page.locator("#id_Email").press("Tab")  # checked on its own as the user leaves it
    row = page.locator("#field-Email")
    expect(row).to_contain_text("Enter a valid email address.")
    expect(page.locator("#id_Email")).to_have_attribute("aria-invalid", "true")
    page.locator("#id_Email").fill("fixed@example.com")
    page.locator("#id_External_Contact_ID").fill(taken)
    page.get_by_role("button", name="Save changes").click()

    summary = page.locator("#record-form .error-summary")
    expect(summary).to_be_focused()  # keyboard and screen-reader users start at the list
    expect(summary.get_by_role("link", name="External Contact ID")).to_have_attribute(
        "href", "#field-External_Contact_ID"
    )
    duplicate = page.locator("#field-External_Contact_ID")
    expect(duplicate).to_contain_text("Another record already has this value.")
    expect(duplicate.get_by_role("link", name="Open the other record")).to_have_attribute(
        "href", f"/records/{sandbox_connection.pk}/Contacts/{other_id}/"
    )
    expect(page.locator("#id_Email")).to_have_value("fixed@example.com")  # nothing lost
    screenshot("record-edit-errors")


def test_a_conflict_is_resolved_by_merging(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id = _contacts(sandbox_connection)[0]
    log_in("editor")
    _open(page, live_server, sandbox_connection, record_id)
    sandbox.edit_record(
        "Contacts", record_id, {"Title": "Their title", "Department": "Their department"}
    )

    page.locator("#id_Title").fill("My title")
    page.locator("#id_Mobile").fill("+1 555 0100")
    page.get_by_role("button", name="Save changes").click()

    conflict = page.locator("#conflict")
    expect(conflict).to_contain_text("Someone else changed this record")
    expect(conflict.locator("tbody tr")).to_have_count(1)
    expect(conflict).to_contain_text("Their title")
    expect(page.locator("#id_Department")).to_have_value("Their department")
    expect(page.locator("#id_Mobile")).to_have_value("+1 555 0100")
    screenshot("record-conflict")

    page.locator("#field-Title").get_by_label("Keep mine").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#record-form .msg-success")).to_contain_text("Saved")
    saved = sandbox.get_record("Contacts", record_id)
    assert (saved["Title"], saved["Department"], saved["Mobile"]) == (
        "My title",
        "Their department",
        "+1 555 0100",
    )


def test_subform_rows_are_added_without_losing_what_was_typed(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id = _contacts(sandbox_connection)[0]
    log_in("editor")
    _open(page, live_server, sandbox_connection, record_id)
    rows = page.locator("#field-Addresses tbody tr")
    blank = rows.count() - 1  # the one blank row every subform has

    page.locator("#id_Title").fill("Head of Rows")
    page.locator(f"#id_Addresses-{blank}-City").fill("Oslo")
    page.locator("#field-Addresses").get_by_role("button", name="Add a row").click()

    expect(rows).to_have_count(blank + 2)
    expect(page.locator(f"#id_Addresses-{blank + 1}-Address_Type")).to_be_focused()
    expect(page.locator("#id_Title")).to_have_value("Head of Rows")
    expect(page.locator(f"#id_Addresses-{blank}-City")).to_have_value("Oslo")
    page.locator(f"#id_Addresses-{blank + 1}-City").fill("Bergen")
    screenshot("record-edit-rows-added")
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator("#record-form .msg-success")).to_contain_text("Saved")
    saved = sandbox.get_record("Contacts", record_id)
    assert saved["Title"] == "Head of Rows"
    assert [row["City"] for row in saved["Addresses"]][-2:] == ["Oslo", "Bergen"]


def test_a_seeded_contacts_photos_show_as_pictures(
    live_server, page, log_in, editor_user, sandbox_connection, sandbox
):
    contact = next(
        r for r in sandbox.app.store.all_records("Contacts") if len(r.get("Photos") or []) == 2
    )
    log_in("editor")
    _open(page, live_server, sandbox_connection, contact["id"])
    row = page.locator("#field-Photos")
    row.scroll_into_view_if_needed()

    images = row.locator("img.file-preview")
    expect(images).to_have_count(2)
    for n, photo in enumerate(contact["Photos"]):
        text = f"{photo['File_Name__s']} ({photo['Size__s']} bytes)"
        expect(images.nth(n)).to_have_attribute("alt", f"Preview of {text}")
        # Loaded and decoded as the 96 px picture the sandbox stored (a broken image is 0 wide).
        page.wait_for_function(
            "img => img.complete && img.naturalWidth === 96 && img.naturalHeight === 96",
            arg=images.nth(n).element_handle(),
        )
    page.screenshot(path=str(SCREENSHOTS / "record-edit-photos.png"))
