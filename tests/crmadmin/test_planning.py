"""A CSV's records are found by a background task (crmadmin/planning.py), never in the mapping
request: the request makes no search, the job page says what the task is doing, the task searches
100 values a call and moves the job to its preview; errors, cancels and killed runs end in a job
page that says so, never in half a plan."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend
from requests.adapters import HTTPAdapter

from crmadmin import jobs, planning
from crmadmin.models import BulkJob, BulkUpload, Connection, JobRecord

MODULE = "Contacts"
SEARCH = f"GET /crm/v8/{MODULE}/search"


@pytest.fixture
def bulk_editors(editors_group):
    editors_group.permissions.add(Permission.objects.get(codename="run_bulk_job"))
    return editors_group


@pytest.fixture
def tasks_held(settings):
    """Tasks are enqueued but not run: the test runs them when a worker would."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return default_task_backend


def contacts(sandbox, count):
    special = set(sandbox.special.get(MODULE, {}).values())
    records = [r for r in sandbox.app.store.all_records(MODULE) if r["id"] not in special]
    return records[:count]


def reads_of_records(sandbox) -> int:
    """Searches and reads of Contacts records served so far (metadata is not counted)."""
    return sum(
        count
        for key, count in sandbox.app.requests_served.items()
        if key.startswith(f"GET /crm/v8/{MODULE}")
    )


def csv_mapped(client, connection, text, columns=("key:id", "Title")):
    client.post(reverse("jobs:upload", args=[connection.pk, MODULE]), {"pasted": text})
    upload = BulkUpload.objects.latest("pk")
    data = {f"column_{index}": value for index, value in enumerate(columns)}
    data["crm_trigger"] = ["workflow"]
    return client.post(reverse("jobs:upload_map", args=[upload.pk]), data)


def bosses_mapped(client, connection, sandbox, count=3):
    """A CSV job (by record id) setting the Title of ``count`` contacts to Boss: the contacts
    chosen and the job, its records not found yet."""
    chosen = contacts(sandbox, count)
    text = "id,Title\n" + "".join(f"{record['id']},Boss\n" for record in chosen)
    csv_mapped(client, connection, text)
    return chosen, BulkJob.objects.get()


def requests_sent(monkeypatch) -> list[str]:
    """The URL of every HTTP request sent from now on (the sandbox answers them)."""
    urls: list[str] = []
    send = HTTPAdapter.send

    def recorded(adapter, request, **kwargs):
        urls.append(request.url)
        return send(adapter, request, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", recorded)
    return urls


def run(job) -> str:
    return planning.plan_run(job_id=job.pk, sleep=lambda seconds: None)


def progress_partial(client, job):
    return client.get(
        reverse("jobs:detail", args=[job.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="job-progress",
    )


def test_a_large_csv_is_mapped_with_no_search_and_a_task_finds_its_records_100_a_call(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held, monkeypatch
):
    chosen = contacts(sandbox, 90)
    known = [record["External_Contact_ID"] for record in chosen]
    unknown = [f"nobody-{n}" for n in range(165)]
    keys = known + unknown  # 255 values: 3 searches
    lines = [f"{key},Title {n}" for n, key in enumerate(keys)]
    lines += [f"{known[0]},Again", ",No key"]
    text = "External ID,Title\n" + "\n".join(lines) + "\n"
    reads = reads_of_records(sandbox)

    answer = csv_mapped(
        editor_client, sandbox_connection, text, ("key:External_Contact_ID", "Title")
    )

    job = BulkJob.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("jobs:detail", args=[job.pk])
    assert reads_of_records(sandbox) == reads  # no search, no read in the request
    assert (job.status, job.total, job.records.count()) == ("finding", 257, 0)
    assert [(result.task.name, result.args) for result in tasks_held.results] == [
        ("job_plan", [job.pk])
    ]
    page = editor_client.get(answer["Location"]).content.decode()
    assert "Finding the records of <strong>257</strong> lines" in page
    assert 'hx-trigger="every 2s"' in page
    assert reverse("jobs:cancel", args=[job.pk]) in page
    assert reverse("jobs:start", args=[job.pk]) not in page

    sent = requests_sent(monkeypatch)
    assert run(job) == "preview"

    searches = [url for url in sent if "/search" in url]
    criteria = [parse_qs(urlsplit(url).query)["criteria"][0] for url in searches]
    assert criteria == [
        f"(External_Contact_ID:in:{','.join(keys[:100])})",
        f"(External_Contact_ID:in:{','.join(keys[100:200])})",
        f"(External_Contact_ID:in:{','.join(keys[200:])})",
    ]
    assert len(sent) == 3  # nothing but the searches: metadata came from the cache
    job.refresh_from_db()
    assert (job.status, job.total, job.looked_up, job.to_look_up) == ("preview", 257, 255, 255)
    assert (job.plan_input, job.upload) == ({}, None)
    assert not BulkUpload.objects.exists()
    rows = {row.line: row for row in job.records.all()}
    assert rows[2].record_id == chosen[0]["id"] and rows[2].payload == {"Title": "Title 0"}
    assert job.records.filter(state="pending").count() == 90
    assert rows[92].message == "No record has External Contact ID “nobody-0”."
    assert rows[257].message == "The same record as line 2: sent once, from there."
    assert rows[258].message == "No value in the column that identifies the record."
    assert progress_partial(editor_client, job)["HX-Refresh"] == "true"  # the poll shows it
    preview = editor_client.get(answer["Location"]).content.decode()
    assert 'id="preview-to-send">90<' in preview
    assert reverse("jobs:start", args=[job.pk]) in preview
    assert sandbox.requests_served(f"PUT /crm/v8/{MODULE}") == 0  # nothing sent before Start


def test_the_job_page_polls_the_count_of_values_looked_up_while_the_task_searches(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    _, job = bosses_mapped(editor_client, sandbox_connection, sandbox)
    assert (
        "waiting for a background worker to start"
        in progress_partial(editor_client, job).content.decode()
    )
    BulkJob.objects.filter(pk=job.pk).update(
        total=12_000, to_look_up=11_800, looked_up=4_300, heartbeat_at=timezone.now()
    )

    partial = progress_partial(editor_client, job).content.decode()

    assert partial.lstrip().startswith('<section id="job-progress"')
    assert (
        "Finding the records of <strong>12,000</strong> lines: <strong>4,300</strong> of "
        "11,800 Record ID values looked up, 100 per search." in partial
    )
    assert '<progress max="11800" value="4300"' in partial


def test_a_zoho_error_while_finding_the_records_is_shown_in_words_and_nothing_can_start(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    record = contacts(sandbox, 1)[0]
    csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    job = BulkJob.objects.get()
    sandbox.revoke_all_tokens()  # someone revoked crmadmin's access meanwhile

    assert run(job) == "failed"

    job.refresh_from_db()
    assert job.records.count() == 0
    assert job.upload is not None  # kept, to try again
    page = editor_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    problem = job.plan_input["problem"]
    assert problem["needs_reconnect"]
    assert f"<h3>{problem['title']}</h3>" in page
    assert f"<strong>What to do:</strong> {problem['next_step']}" in page
    assert "There is no preview to start until the records are found" in page
    assert "Find the records again" in page
    assert reverse("jobs:start", args=[job.pk]) not in page
    assert 'hx-trigger="every 2s"' not in page

    editor_client.post(reverse("jobs:start", args=[job.pk]))  # forged: refused

    job.refresh_from_db()
    assert job.status == "failed"
    assert sandbox.requests_served(f"PUT /crm/v8/{MODULE}") == 0

    editor_client.post(reverse("jobs:resume", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == "finding"
    assert [result.args for result in tasks_held.results] == [[job.pk], [job.pk]]


def test_a_429_while_searching_waits_and_searches_again(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    record = contacts(sandbox, 1)[0]
    csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    job = BulkJob.objects.get()
    sandbox.faults.set("status", path=SEARCH, status=429, retry_after=0, count=1)

    assert run(job) == "preview"

    assert sandbox.requests_served(SEARCH) == 2
    assert job.records.get().payload == {"Title": "Boss"}


def test_a_planning_run_killed_midway_is_run_again_by_jobs_resume_without_duplicate_rows(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    chosen, job = bosses_mapped(editor_client, sandbox_connection, sandbox)
    # The worker died mid-search: its heartbeat went stale, with a row of its own left behind.
    stale = timezone.now() - timedelta(seconds=600)
    BulkJob.objects.filter(pk=job.pk).update(runner="dead", heartbeat_at=stale, looked_up=100)
    JobRecord.objects.create(job=job, record_id=chosen[0]["id"], payload={"Title": "Boss"})
    assert run(job) == "preview"

    assert sorted(job.records.values_list("record_id", flat=True)) == sorted(
        record["id"] for record in chosen
    )


def test_jobs_resume_enqueues_the_planning_task_for_a_stale_job_and_a_live_run_is_left_alone(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    chosen, job = bosses_mapped(editor_client, sandbox_connection, sandbox)
    BulkJob.objects.filter(pk=job.pk).update(runner="alive", heartbeat_at=timezone.now())
    reads = reads_of_records(sandbox)

    assert run(job) == "finding"  # another run holds it and is alive: this one backs off
    call_command("jobs_resume")

    assert reads_of_records(sandbox) == reads
    assert len(tasks_held.results) == 1  # the mapping's only
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    JobRecord.objects.create(job=job, record_id=chosen[0]["id"], payload={"Title": "Boss"})

    call_command("jobs_resume")

    assert [(result.task.name, result.args) for result in tasks_held.results][1:] == [
        ("job_plan", [job.pk])
    ]
    assert run(job) == "preview"
    ids = list(job.records.values_list("record_id", flat=True))
    assert sorted(ids) == sorted(record["id"] for record in chosen)  # one row each, no copy


def test_cancel_while_finding_stops_the_task_and_drops_the_upload(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    record = contacts(sandbox, 1)[0]
    csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    job = BulkJob.objects.get()

    answer = editor_client.post(reverse("jobs:cancel", args=[job.pk]), follow=True)

    assert "Cancelled before its records were found: nothing was sent." in answer.content.decode()
    assert run(job) == "cancelled"
    assert sandbox.requests_served(SEARCH) == 0
    assert not BulkUpload.objects.exists()
    assert job.records.count() == 0
    page = editor_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Cancelled before its records were found: no record was changed." in page


def test_mapping_an_upload_again_goes_to_the_job_already_finding_its_records(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    record = contacts(sandbox, 1)[0]
    csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    job = BulkJob.objects.get()

    again = editor_client.post(
        reverse("jobs:upload_map", args=[job.upload_id]),
        {"column_0": "key:id", "column_1": "Title"},
    )

    assert again["Location"] == reverse("jobs:detail", args=[job.pk])
    assert BulkJob.objects.count() == 1
    # Two posts at once (a double click) both pass that check: the second gets the first job.
    twice = jobs.csv_job_create(
        upload=job.upload, user=job.user, changes=[], trigger=None, plan_input={"x": 1}, lines=1
    )
    assert twice == (job, False)
    assert BulkJob.objects.count() == 1


def test_a_planning_job_is_never_sent_by_the_job_runner(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    record = contacts(sandbox, 1)[0]
    csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    job = BulkJob.objects.get()

    assert jobs.job_run(job_id=job.pk) == "finding"
    assert jobs.job_start(job=job) is False


def test_below_the_credit_reserve_the_search_waits_and_the_job_page_says_why(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    record = contacts(sandbox, 1)[0]
    csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    job = BulkJob.objects.get()
    Connection.objects.filter(pk=sandbox_connection.pk).update(
        credits_remaining=10, credits_remaining_at=timezone.now(), credit_reserve=1000
    )
    seen = []

    def sleep(seconds):
        # What the job page shows while the task waits; then people free credits up.
        seen.append(progress_partial(editor_client, job).content.decode())
        Connection.objects.filter(pk=sandbox_connection.pk).update(credit_reserve=0)

    assert planning.plan_run(job_id=job.pk, sleep=sleep) == "preview"

    assert "Paused for API budget:" in seen[0]
    assert "below the reserve of 1,000 kept for people editing" in seen[0]
    assert sandbox.requests_served(SEARCH) == 1


def test_searches_that_keep_timing_out_stop_the_planning_saying_nothing_was_changed(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held, settings
):
    record = contacts(sandbox, 1)[0]
    csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    job = BulkJob.objects.get()
    settings.ZOHO_TIMEOUT_SECONDS = 0.2
    settings.ZOHO_RETRY_TOTAL = 0
    settings.JOBS_MAX_TRANSIENT = 3
    sandbox.faults.set("timeout", path=SEARCH, seconds=1.0)

    assert run(job) == "failed"

    assert sandbox.requests_served(SEARCH) == 3  # sent again twice, then it stopped
    page = editor_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "<h3>Zoho did not answer in time</h3>" in page
    assert "It only read records: nothing was changed." in page
    assert "may or may not have been saved" not in page


def test_cancel_while_the_task_waits_stops_it_before_its_next_search(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    record = contacts(sandbox, 1)[0]
    csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    job = BulkJob.objects.get()
    Connection.objects.filter(pk=sandbox_connection.pk).update(
        credits_remaining=10, credits_remaining_at=timezone.now(), credit_reserve=1000
    )

    def sleep(seconds):
        editor_client.post(reverse("jobs:cancel", args=[job.pk]))  # while the task waits

    assert planning.plan_run(job_id=job.pk, sleep=sleep) == "cancelled"

    assert sandbox.requests_served(SEARCH) == 0
    assert job.records.count() == 0


def test_trying_again_after_the_upload_is_gone_says_to_upload_it_again(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    record = contacts(sandbox, 1)[0]
    csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    job = BulkJob.objects.get()
    sandbox.revoke_all_tokens()
    assert run(job) == "failed"
    BulkUpload.objects.all().delete()  # a day later, another upload cleaned it away

    answer = editor_client.post(reverse("jobs:resume", args=[job.pk]), follow=True)

    assert (
        "The CSV is no longer kept. Upload the CSV again and map its columns."
        in answer.content.decode()
    )
    job.refresh_from_db()
    assert job.status == "failed"
    assert len(tasks_held.results) == 1  # the mapping's only


def test_old_uploads_go_unless_a_job_is_finding_their_records_now(
    editor_client, editor_user, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    record = contacts(sandbox, 1)[0]
    for _ in range(2):
        csv_mapped(editor_client, sandbox_connection, f"id,Title\n{record['id']},Boss\n")
    finding, failed = BulkJob.objects.order_by("pk")
    BulkJob.objects.filter(pk=failed.pk).update(status="failed")
    BulkUpload.objects.update(created_at=timezone.now() - timedelta(days=2))

    jobs.upload_keep(
        connection=sandbox_connection,
        module=MODULE,
        user=editor_user,
        file_name="",
        encoding="UTF-8",
        text="id,Title\n1,A\n",
    )

    kept = set(BulkUpload.objects.values_list("pk", flat=True))
    assert finding.upload_id in kept
    assert failed.upload_id not in kept
    assert len(kept) == 2  # and the new one


# --- A bulk edit chosen on the record list ------------------------------------------------------


def list_edit(client, connection, **choice):
    """The change form of the record list's bulk edit, sent: Title set for the chosen records."""
    data = {"Title__action": "set", "Title": "Listplan chief", "crm_trigger": ["workflow"]}
    return client.post(reverse("jobs:new", args=[connection.pk, MODULE]), {**data, **choice})


def test_ticked_records_are_read_by_the_task_not_in_the_request_and_the_preview_follows(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held, monkeypatch
):
    chosen = [record["id"] for record in contacts(sandbox, 3)]
    reads = reads_of_records(sandbox)

    answer = list_edit(editor_client, sandbox_connection, ids=[*chosen, chosen[0]])

    job = BulkJob.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("jobs:detail", args=[job.pk])
    assert reads_of_records(sandbox) == reads  # no record read in the request
    assert (job.status, job.total, job.records.count()) == ("finding", 3, 0)
    assert job.plan_input == {"record_ids": chosen}
    assert job.change == [
        {"api_name": "Title", "label": "Title", "action": "set", "value": "Listplan chief"}
    ]
    assert job.trigger == ["workflow"]
    assert [(result.task.name, result.args) for result in tasks_held.results] == [
        ("job_plan", [job.pk])
    ]
    page = editor_client.get(answer["Location"]).content.decode()
    assert (
        "Reading the <strong>3</strong> records you ticked: waiting for a background worker "
        "to start." in page
    )
    assert "its records are read for the preview in the background" in page
    assert "Uploaded as a CSV" not in page
    assert 'hx-trigger="every 2s"' in page
    assert reverse("jobs:cancel", args=[job.pk]) in page
    assert reverse("jobs:start", args=[job.pk]) not in page

    sent = requests_sent(monkeypatch)
    before = timezone.now().replace(microsecond=0)
    assert run(job) == "preview"

    paths = [urlsplit(url).path for url in sent]
    assert paths == [f"/crm/v8/{MODULE}/{record_id}" for record_id in chosen]
    assert "Title" in parse_qs(urlsplit(sent[0]).query)["fields"][0]
    job.refresh_from_db()
    assert (job.status, job.total, job.looked_up, job.to_look_up) == ("preview", 3, 3, 3)
    assert job.plan_input == {}
    assert job.preview_at >= before - timedelta(seconds=1)  # read by the task, not before
    rows = {row.record_id: row for row in job.records.all()}
    assert sorted(rows) == sorted(chosen)
    assert {row.payload["Title"] for row in rows.values()} == {"Listplan chief"}
    preview = editor_client.get(answer["Location"]).content.decode()
    assert 'id="preview-to-send">3<' in preview
    assert "Records read for the preview at" in preview
    assert reverse("jobs:start", args=[job.pk]) in preview
    assert sandbox.requests_served(f"PUT /crm/v8/{MODULE}") == 0  # nothing sent before Start


def test_all_matching_records_are_read_by_the_task_page_by_page_and_the_page_counts_them(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held, monkeypatch
):
    store = sandbox.app.store
    seed = contacts(sandbox, 1)[0]
    with store.write() as conn:  # 150 more contacts: two pages of 200
        for n, new_id in enumerate(store.next_ids(conn, 150)):
            copy = {**seed, "id": new_id, "Last_Name": f"Copy {n}", "Email": f"copy{n}@x.test"}
            store.save_record(conn, MODULE, copy, 1_700_000_000 + n, 1_700_000_000 + n)
    every = store.all_records(MODULE)
    listed = "sort_by=Created_Time&sort_order=asc"
    reads = reads_of_records(sandbox)

    list_edit(editor_client, sandbox_connection, all="1", list_query=listed)

    job = BulkJob.objects.get()
    assert reads_of_records(sandbox) == reads
    assert job.plan_input == {"list_query": listed}
    BulkJob.objects.filter(pk=job.pk).update(
        to_look_up=1_200, looked_up=400, heartbeat_at=timezone.now()
    )
    partial = progress_partial(editor_client, job).content.decode()
    assert (
        "Reading the <strong>1,200</strong> records that match the list's search: "
        "<strong>400</strong> read, 200 per call." in partial
    )
    assert '<progress max="1200" value="400"' in partial
    BulkJob.objects.filter(pk=job.pk).update(to_look_up=0, looked_up=0, heartbeat_at=None)

    sent = requests_sent(monkeypatch)
    assert run(job) == "preview"

    lists = [url for url in sent if urlsplit(url).path == f"/crm/v8/{MODULE}"]
    assert len(every) > 200 and len(lists) == -(-len(every) // 200)  # page by page
    assert all(parse_qs(urlsplit(url).query)["sort_by"] == ["Created_Time"] for url in lists)
    job.refresh_from_db()
    assert (job.status, job.total) == ("preview", len(every))
    assert job.to_look_up == job.looked_up == len(every)
    assert job.records.count() == len(every)
    assert job.records.values("record_id").distinct().count() == len(every)


def test_a_zoho_error_while_reading_ticked_records_is_shown_in_words_and_can_be_read_again(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    chosen = [record["id"] for record in contacts(sandbox, 2)]
    list_edit(editor_client, sandbox_connection, ids=chosen)
    job = BulkJob.objects.get()
    sandbox.revoke_all_tokens()  # someone revoked crmadmin's access meanwhile

    assert run(job) == "failed"

    job.refresh_from_db()
    assert job.records.count() == 0
    problem = job.plan_input["problem"]
    page = editor_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert f"<h3>{problem['title']}</h3>" in page
    assert f"<strong>What to do:</strong> {problem['next_step']}" in page
    assert "the records are read again from the first" in page
    assert "Find the records again" in page
    assert reverse("jobs:start", args=[job.pk]) not in page

    answer = editor_client.post(reverse("jobs:resume", args=[job.pk]), follow=True)

    assert "Reading the records again, from the first." in answer.content.decode()
    job.refresh_from_db()
    assert (job.status, job.plan_input["record_ids"]) == ("finding", chosen)
    assert [result.args for result in tasks_held.results] == [[job.pk], [job.pk]]
    assert sandbox.requests_served(f"PUT /crm/v8/{MODULE}") == 0


def test_a_stale_reading_of_ticked_records_is_run_again_by_jobs_resume_without_duplicates(
    editor_client, sandbox_connection, sandbox, bulk_editors, tasks_held
):
    chosen = [record["id"] for record in contacts(sandbox, 3)]
    list_edit(editor_client, sandbox_connection, ids=chosen)
    job = BulkJob.objects.get()
    # The worker died mid-read: its heartbeat went stale, with a row of its own left behind.
    stale = timezone.now() - timedelta(hours=1)
    BulkJob.objects.filter(pk=job.pk).update(runner="dead", heartbeat_at=stale, looked_up=2)
    JobRecord.objects.create(job=job, record_id=chosen[0], payload={"Title": "Listplan chief"})

    call_command("jobs_resume")

    assert [(result.task.name, result.args) for result in tasks_held.results][1:] == [
        ("job_plan", [job.pk])
    ]
    assert run(job) == "preview"
    ids = list(job.records.values_list("record_id", flat=True))
    assert sorted(ids) == sorted(chosen)  # one row each, no copy
