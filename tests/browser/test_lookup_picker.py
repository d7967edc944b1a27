"""A person picks a contact's account with the lookup picker: by keyboard (ArrowDown/ArrowUp,
Enter, Escape; focus stays in the box) and by mouse, at full width and at 390 px, then saves;
the sandbox then holds the chosen account. A multi-user lookup gets a user added by name; an
owner is picked from the org's users, which opening the record did not fetch. Screenshots of
the open list are saved for people to look at."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.sync_api import expect

from crmadmin.zoho import client_for
from tests.fixtures.browser import SCREENSHOTS
from updater.records import records_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _first_contact(connection) -> str:
    page = records_list(client=client_for(connection), module="Contacts", fields=["id"], per_page=1)
    return str(page.records[0]["id"])


def _shared_account_word(connection) -> str:
    """A first word several accounts' names start with, so the list has options to move over."""
    page = records_list(
        client=client_for(connection), module="Accounts", fields=["Account_Name"], per_page=200
    )
    words = Counter(str(record["Account_Name"]).split()[0] for record in page.records)
    word, count = words.most_common(1)[0]
    assert count >= 2
    return word


def _open(page, live_server, connection, record_id):
    page.goto(f"{live_server.url}/records/{connection.pk}/Contacts/{record_id}/")
    expect(page.locator("form.record-form")).to_be_visible()


def _type(page, word: str):
    box = page.locator("#id_Account_Name")
    box.fill("")
    box.press_sequentially(word, delay=40)
    options = page.locator('#id_Account_Name-options [role="option"]')
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    return box, options


def _view(page, name: str) -> None:
    """The viewport with the open list in it (the full page would hide it in a long form)."""
    page.locator("#field-Account_Name").evaluate("row => row.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_keyboard_picks_an_account_and_the_save_sends_its_id(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id = _first_contact(sandbox_connection)
    word = _shared_account_word(sandbox_connection)
    log_in("editor")
    _open(page, live_server, sandbox_connection, record_id)

    box, options = _type(page, word)
    assert options.count() >= 2
    first, second = options.nth(0), options.nth(1)
    box.press("ArrowDown")
    expect(box).to_be_focused()  # focus stays in the box (aria-activedescendant moves)
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    expect(first).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    expect(first).to_have_attribute("aria-selected", "false")
    box.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    box.press("ArrowDown")
    _view(page, "lookup-picker-keyboard")

    chosen_id, chosen_name = second.get_attribute("data-id"), second.get_attribute("data-name")
    box.press("Enter")
    expect(box).to_have_value(chosen_name)
    expect(page.locator("#id_Account_Name-id")).to_have_value(chosen_id)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#id_Account_Name-options")).to_be_hidden()
    expect(box).to_be_focused()

    # Escape closes a list opened again, keeping the picked record.
    box.press_sequentially(" ", delay=40)
    box.press("Backspace")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value(chosen_name)

    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#record-form .msg-success")).to_contain_text("Account Name")
    saved = sandbox.get_record("Contacts", record_id)
    assert str(saved["Account_Name"]["id"]) == chosen_id
    expect(page.locator("#id_Account_Name")).to_have_value(chosen_name)
    screenshot("lookup-picker-saved")


def test_a_click_picks_an_account_on_a_small_screen(
    live_server, page, log_in, editor_user, sandbox_connection, sandbox
):
    page.set_viewport_size({"width": 390, "height": 844})
    record_id = _first_contact(sandbox_connection)
    word = _shared_account_word(sandbox_connection)
    log_in("editor")
    _open(page, live_server, sandbox_connection, record_id)

    _box, options = _type(page, word)
    last = options.last
    chosen_id, chosen_name = last.get_attribute("data-id"), last.get_attribute("data-name")
    _view(page, "lookup-picker-390")
    last.click()
    expect(page.locator("#id_Account_Name")).to_have_value(chosen_name)
    expect(page.locator("#id_Account_Name-id")).to_have_value(chosen_id)

    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#record-form .msg-success")).to_contain_text("Account Name")
    assert str(sandbox.get_record("Contacts", record_id)["Account_Name"]["id"]) == chosen_id


def test_a_user_is_added_to_a_multi_user_lookup_by_name(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox
):
    record_id = _first_contact(sandbox_connection)
    before = {
        str(row["Team_Member"]["id"])
        for row in sandbox.get_record("Contacts", record_id)["Team_Members"]
    }
    log_in("editor")
    _open(page, live_server, sandbox_connection, record_id)

    box = page.locator("#id_Team_Members-add")
    box.press_sequentially("a", delay=40)
    options = page.locator('#id_Team_Members-add-options [role="option"]')
    expect(options.first).to_be_visible()
    candidates = [options.nth(i) for i in range(options.count())]
    new = next(item for item in candidates if item.get_attribute("data-id") not in before)
    new_id, new_name, new_option = (new.get_attribute(a) for a in ("data-id", "data-name", "id"))
    while box.get_attribute("aria-activedescendant") != new_option:
        box.press("ArrowDown")
    box.press("Enter")
    added = page.locator("#field-Team_Members li.row-added")
    expect(added).to_have_count(1)
    expect(added).to_contain_text(new_name)
    expect(added.get_by_role("button", name="Remove")).to_be_visible()
    expect(box).to_have_value("")
    page.locator("#field-Team_Members").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "lookup-multi-user-added.png"))

    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#record-form .msg-success")).to_contain_text("Team Members")
    after = {
        str(row["Team_Member"]["id"])
        for row in sandbox.get_record("Contacts", record_id)["Team_Members"]
    }
    assert after == before | {new_id}


def test_an_owner_is_picked_by_name_and_opening_the_record_asked_for_no_user_list(
    live_server, page, log_in, screenshot, editor_user, sandbox_connection, sandbox, empty_cache
):
    from sandbox.metadata import org

    record_id = _first_contact(sandbox_connection)
    owner = sandbox.get_record("Contacts", record_id)["Owner"]
    target = next(u for u in org.USERS[1:3] if u["id"] != str(owner["id"]))
    log_in("editor")
    users_asked = sandbox.requests_served("GET /crm/v8/users")
    _open(page, live_server, sandbox_connection, record_id)

    box = page.locator("#id_Owner")
    expect(box).to_have_value(owner["name"])  # the record's owner, by the name it carries
    expect(page.locator("#id_Owner-id")).to_have_value(str(owner["id"]))
    assert sandbox.requests_served("GET /crm/v8/users") == users_asked  # none to open

    box.fill("")
    box.press_sequentially(target["first_name"], delay=40)
    options = page.locator('#id_Owner-options [role="option"]')
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text(target["email"])
    box.press("ArrowDown")
    page.locator("#field-Owner").evaluate("row => row.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(SCREENSHOTS / "lookup-picker-owner.png"))
    box.press("Enter")
    expect(box).to_have_value(org.full_name(target))
    expect(page.locator("#id_Owner-id")).to_have_value(target["id"])
    assert sandbox.requests_served("GET /crm/v8/users") == users_asked + 1  # the search's

    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#record-form .msg-success")).to_contain_text("Record Owner")
    assert str(sandbox.get_record("Contacts", record_id)["Owner"]["id"]) == target["id"]
    expect(page.locator("#id_Owner")).to_have_value(org.full_name(target))
