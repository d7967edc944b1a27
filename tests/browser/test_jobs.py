"""An editor with the bulk permission changes contacts from a CSV: upload, map the columns, read
the preview (with the lines that will not be sent), start, watch the job finish."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_bulk_edits_contacts_from_an_uploaded_csv(
    live_server, page, log_in, screenshot, editor_user, editors_group, sandbox_connection, sandbox
):
    editors_group.permissions.add(Permission.objects.get(codename="run_bulk_job"))
    special = set(sandbox.special.get("Contacts", {}).values())
    records = [r for r in sandbox.app.store.all_records("Contacts") if r["id"] not in special][:3]
    text = "External ID;Title;Loyalty Points\n" + "".join(
        f"{record['External_Contact_ID']};Buyer;{n}\n" for n, record in enumerate(records)
    )
    text += "nobody;Buyer;not a number\n"
    log_in("editor")

    page.goto(f"{live_server.url}/records/{sandbox_connection.pk}/Contacts/")
    page.get_by_role("link", name="Bulk edit from a CSV").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "contacts.csv", "mimeType": "text/csv", "buffer": text.encode("latin-1")}
    )
    page.get_by_role("button", name="Next: map the columns").click()
    expect(page.get_by_role("heading", name="Map the columns")).to_be_visible()
    page.get_by_label("External ID").select_option("key:External_Contact_ID")
    expect(page.get_by_label("Title")).to_have_value("Title")  # guessed from the header
    page.get_by_label("Loyalty Points").select_option("Loyalty_Points")
    screenshot("jobs-csv-mapping")
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#preview-to-send")).to_have_text("3")
    expect(page.locator("#preview-refused")).to_contain_text(
        "Loyalty Points: Enter a whole number."
    )
    screenshot("jobs-csv-preview")
    page.get_by_role("button", name="Start").click()

    expect(page.locator("#job-status")).to_have_text("Finished")
    expect(page.locator("#job-counts")).to_contain_text("3 updated")
    screenshot("jobs-csv-finished")
    assert all(sandbox.get_record("Contacts", r["id"])["Title"] == "Buyer" for r in records)
