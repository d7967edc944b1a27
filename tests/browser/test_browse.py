"""An editor finds contacts in the sandbox CRM: modules, the list, live search, the next page,
a condition. Screenshots are saved for people to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

DASH = "\u2013"  # the en dash of "Showing 1 to 50"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_browses_contacts_searches_live_and_pages_on(
    live_server, page, log_in, screenshot, editor_user, shared_sandbox_connection, shared_sandbox
):
    connection = shared_sandbox_connection
    log_in("editor")

    page.goto(f"{live_server.url}/records/")
    expect(page.get_by_role("heading", name="Choose a module")).to_be_visible()
    screenshot("browse-modules")
    page.get_by_role("link", name=re.compile("^Contacts")).click()

    expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
    table = page.locator("#record-table")
    expect(table.locator("tbody tr")).to_have_count(50)
    expect(table).to_contain_text(f"Showing 1{DASH}50")
    screenshot("browse-contacts-list")

    first_id = table.locator("a.record-link").first.get_attribute("href").split("/")[-2]
    last_name = shared_sandbox.get_record("Contacts", first_id)["Last_Name"]
    page.get_by_label("Search contacts").press_sequentially(last_name, delay=40)
    expect(table).to_contain_text("matching record")
    expect(table.locator("tbody tr").first).to_contain_text(last_name)
    assert f"q={last_name}" in page.url  # the search is in the address, ready to share
    screenshot("browse-contacts-search")

    page.get_by_label("Search contacts").fill("")
    expect(table).to_contain_text(f"Showing 1{DASH}50")
    page.get_by_role("link", name="Next →").click()
    expect(table).to_contain_text(f"Showing 51{DASH}")
    expect(page).to_have_url(re.compile(r"page=2"))
    screenshot("browse-contacts-page-2")

    email = shared_sandbox.get_record("Contacts", first_id).get("Email") or "a"
    email_start = email[:3]
    page.locator("summary", has_text="Conditions").click()
    page.get_by_label("Field").first.select_option("Email")
    page.get_by_label("Operator").first.select_option("starts_with")
    page.get_by_label("Value").first.fill(email_start)
    page.get_by_role("button", name="Apply conditions").click()
    table = page.locator("#record-table")
    expect(table).to_contain_text("matching record")
    expect(table.locator("tbody tr").first).to_contain_text(email_start)
    expect(page.locator("#criteria-c1")).to_be_visible()  # room for another condition
    screenshot("browse-contacts-criteria")

    first_record = table.locator("tbody tr a.record-link").first
    href = first_record.get_attribute("href")
    assert re.search(rf"/records/{connection.pk}/Contacts/\d+/$", href)


def test_the_list_counts_its_matches_and_takes_several_criteria_rows_checked_by_type(
    live_server, page, log_in, screenshot, editor_user, shared_sandbox_connection
):
    log_in("editor")
    page.goto(f"{live_server.url}/records/{shared_sandbox_connection.pk}/Contacts/")
    count = page.locator("#matching-count")
    expect(count).to_contain_text(re.compile(r"of \d+ records"))
    expect(page.locator("#last-page")).to_be_visible()

    page.locator("summary", has_text="Conditions").click()
    page.locator("#id_add_rows").select_option("3")
    page.get_by_role("button", name="Add rows").click()
    expect(page.locator("#criteria-c2")).to_be_visible()
    expect(page.locator("#id_c0-field")).to_be_focused()  # the first new row

    page.locator("#id_c0-field").select_option("Lead_Source")
    operators = page.locator("#id_c0-operator option").all_text_contents()
    assert operators == ["contains", "is not", "is one of"]  # no "after" on a picklist
    page.locator("#id_c1-field").select_option("Date_of_Birth")
    page.locator("#id_c1-operator").select_option("greater_than")
    page.locator("#id_c1-value").fill("15/01/1980")
    page.get_by_role("button", name="Apply conditions").click()
    error = page.locator("#id_c1-value-error")
    expect(error).to_contain_text("Enter a date as year-month-day, e.g. 2024-01-15.")
    screenshot("browse-criteria-refused")

    page.locator("#id_c1-value").fill("1900-01-01")
    page.get_by_role("button", name="Apply conditions").click()
    expect(page.locator("#matching-count")).to_contain_text("matching record")
    expect(page.locator("#criteria-c1")).to_be_visible()
    screenshot("browse-count-criteria")
