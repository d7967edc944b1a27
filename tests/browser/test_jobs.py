"""An editor with the bulk permission changes contacts from a CSV: upload, map the columns, watch
the records being found, read the preview (with the lines that will not be sent), start, watch the
job finish."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from crmadmin import planning
from crmadmin.models import BulkJob

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _finding_shown(page, screenshot, name: str, *, progress: dict, words: str) -> BulkJob:
    """The job page while its records are found, as a live task's ``progress`` makes it: the
    words, Cancel and no Start, screenshots wide and 390 px; then the task let go (the test
    runs it). Returns the job."""
    job = BulkJob.objects.get()
    BulkJob.objects.filter(pk=job.pk).update(
        runner="worker", heartbeat_at=timezone.now(), **progress
    )
    expect(page.locator("#job-counts")).to_contain_text(words)
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()
    expect(page.get_by_role("button", name="Start")).to_have_count(0)
    screenshot(name)
    page.set_viewport_size(PHONE)
    screenshot(f"{name}-390")
    page.set_viewport_size(WIDE)
    BulkJob.objects.filter(pk=job.pk).update(runner="", heartbeat_at=None)
    return job


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


def test_a_csv_jobs_page_shows_its_records_being_found_then_its_preview(
    live_server,
    page,
    log_in,
    screenshot,
    editor_user,
    editors_group,
    sandbox_connection,
    sandbox,
    settings,
):
    # Tasks wait for the test, as for a worker: the job page shows the search going on.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    editors_group.permissions.add(Permission.objects.get(codename="run_bulk_job"))
    special = set(sandbox.special.get("Contacts", {}).values())
    records = [r for r in sandbox.app.store.all_records("Contacts") if r["id"] not in special][:90]
    keys = [record["External_Contact_ID"] for record in records]
    keys += [f"nobody-{n}" for n in range(165)]
    text = "External ID,Title\n" + "".join(f"{key},Buyer\n" for key in keys)
    log_in("editor")

    page.goto(f"{live_server.url}/jobs/upload/{sandbox_connection.pk}/Contacts/")
    page.get_by_label("Or paste the rows").fill(text)
    page.get_by_role("button", name="Next: map the columns").click()
    page.get_by_label("External ID").select_option("key:External_Contact_ID")
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#job-counts")).to_contain_text(
        "Finding the records of 255 lines: waiting for a background worker to start."
    )
    # The task's first search is done: what the page shows at that moment.
    job = _finding_shown(
        page,
        screenshot,
        "jobs-csv-finding",
        progress={"to_look_up": 255, "looked_up": 100},
        words="Finding the records of 255 lines: 100 of 255 External Contact ID values looked up",
    )

    planning.plan_run(job_id=job.pk)

    # The page's poll sees the preview and shows it, with no reload by hand.
    expect(page.locator("#preview-to-send")).to_have_text("90")
    expect(page.get_by_role("button", name="Start")).to_be_visible()


def test_a_csv_jobs_page_says_why_its_records_could_not_be_found_and_offers_to_try_again(
    live_server,
    page,
    log_in,
    screenshot,
    editor_user,
    editors_group,
    sandbox_connection,
    sandbox,
    settings,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    editors_group.permissions.add(Permission.objects.get(codename="run_bulk_job"))
    log_in("editor")
    page.goto(f"{live_server.url}/jobs/upload/{sandbox_connection.pk}/Contacts/")
    page.get_by_label("Or paste the rows").fill("External ID,Title\nextcontact1,Buyer\n")
    page.get_by_role("button", name="Next: map the columns").click()
    page.get_by_label("External ID").select_option("key:External_Contact_ID")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#job-status")).to_have_text("Finding the records")
    sandbox.revoke_all_tokens()

    planning.plan_run(job_id=BulkJob.objects.get().pk)

    expect(page.locator("#job-status")).to_have_text("Stopped by an error")
    expect(page.get_by_role("alert")).to_contain_text("What to do:")
    expect(page.get_by_role("button", name="Find the records again")).to_be_visible()
    expect(page.get_by_role("button", name="Start")).to_have_count(0)
    screenshot("jobs-csv-finding-failed")
    page.set_viewport_size(PHONE)
    screenshot("jobs-csv-finding-failed-390")


def test_a_bulk_edit_of_all_matching_records_shows_them_being_read_then_its_preview(
    live_server,
    page,
    log_in,
    screenshot,
    editor_user,
    editors_group,
    sandbox_connection,
    sandbox,
    settings,
):
    # Tasks wait for the test, as for a worker: the job page shows the records being read.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    editors_group.permissions.add(Permission.objects.get(codename="run_bulk_job"))
    count = len(sandbox.app.store.all_records("Contacts"))
    log_in("editor")

    page.goto(f"{live_server.url}/records/{sandbox_connection.pk}/Contacts/")
    page.get_by_role("button", name=f"Bulk edit all {count} matching").click()
    page.locator("#id_Title__action").select_option("set")
    page.locator("#id_Title").fill("Buyer")
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#job-counts")).to_contain_text(
        "Reading the records that match the list's search: waiting for a background worker"
    )
    # The task has read its first page and counted the records: what the page shows then.
    job = _finding_shown(
        page,
        screenshot,
        "jobs-list-finding",
        progress={"to_look_up": 1_200, "looked_up": 400},
        words="Reading the 1,200 records that match the list's search: 400 read, 200 per call.",
    )

    planning.plan_run(job_id=job.pk)

    # The page's poll sees the preview and shows it, with no reload by hand.
    expect(page.locator("#preview-to-send")).to_have_text(str(count))
    expect(page.get_by_role("button", name="Start")).to_be_visible()
    expect(page.get_by_text("Records read for the preview at")).to_be_visible()
