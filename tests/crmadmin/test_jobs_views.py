"""The bulk edit pages against the sandbox CRM: choose records, the change form, the preview, Start
(tasks run at once in tests), the job page, its htmx partial, the results CSV and the history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from crmadmin.models import AuditEntry, BulkJob, JobRecord

MODULE = "Contacts"
ADDED = "Korean"


@pytest.fixture
def bulk_editors(editors_group):
    editors_group.permissions.add(Permission.objects.get(codename="run_bulk_job"))
    return editors_group


def contact_ids(sandbox, count):
    records = sandbox.app.store.all_records(MODULE)
    special = set(sandbox.special.get(MODULE, {}).values())
    usable = [
        r for r in records if r["id"] not in special and ADDED not in (r.get("Languages") or [])
    ]
    return [record["id"] for record in usable[:count]]


def new_url(connection):
    return reverse("jobs:new", args=[connection.pk, MODULE])


def test_running_a_bulk_job_needs_its_own_permission(editor_client, sandbox_connection, sandbox):
    answer = editor_client.get(new_url(sandbox_connection), {"ids": contact_ids(sandbox, 1)})

    assert answer.status_code == 403
    assert "Can run bulk jobs" in answer.content.decode()


def test_the_record_list_offers_a_checkbox_per_row_to_bulk_editors(
    editor_client, sandbox_connection, bulk_editors
):
    answer = editor_client.get(reverse("records:list", args=[sandbox_connection.pk, MODULE]))

    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'name="ids"' in page
    assert 'id="bulk-select-page"' in page
    assert 'name="all" value="1"' in page


def test_the_change_form_lists_mass_updatable_fields_with_the_edit_forms_widgets(
    editor_client, sandbox_connection, sandbox, bulk_editors
):
    answer = editor_client.get(new_url(sandbox_connection), {"ids": contact_ids(sandbox, 2)})

    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'name="Languages__action"' in page
    assert '<option value="append">Add these values</option>' in page
    assert 'id="field-Languages"' in page
    assert 'name="Full_Name"' not in page  # computed: never offered


def test_set_without_a_value_is_refused_next_to_the_field(
    editor_client, sandbox_connection, sandbox, bulk_editors
):
    answer = editor_client.post(
        new_url(sandbox_connection),
        {"ids": contact_ids(sandbox, 2), "Lead_Source__action": "set", "Lead_Source": ""},
    )

    assert answer.status_code == 422
    page = answer.content.decode()
    row = page[
        page.index('id="field-Lead_Source"') : page.index(
            'id="bulk-row-', page.index('id="field-Lead_Source"')
        )
    ]
    assert 'aria-invalid="true"' in row
    assert '<div class="field-error" id="id_Lead_Source-error"><p>Give the value to use' in row
    assert not BulkJob.objects.exists()


def test_preview_then_start_updates_each_record_and_records_it_in_history(
    editor_client, sandbox_connection, sandbox, bulk_editors
):
    ids = contact_ids(sandbox, 3)
    answer = editor_client.post(
        new_url(sandbox_connection),
        {
            "ids": ids,
            "Languages__action": "append",
            "Languages": [ADDED],
            "crm_trigger": ["workflow"],
        },
    )
    job = BulkJob.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("jobs:detail", args=[job.pk])
    preview = editor_client.get(answer["Location"]).content.decode()
    assert 'id="preview-to-send">3<' in preview
    assert "in 1 call of up to 100" in preview
    assert f"<td>+ {ADDED}</td>" in preview
    assert sandbox.updates_of(MODULE) == {}  # nothing sent before Start

    started = editor_client.post(reverse("jobs:start", args=[job.pk]), follow=True)

    page = started.content.decode()
    job.refresh_from_db()
    assert job.status == BulkJob.Status.FINISHED
    assert job.trigger == ["workflow"]
    assert "3</strong> of 3 done" in page
    assert sandbox.updates_of(MODULE) == dict.fromkeys(ids, 1)
    assert all(ADDED in sandbox.get_record(MODULE, rid)["Languages"] for rid in ids)
    history = editor_client.get(
        reverse("records:history", args=[sandbox_connection.pk, MODULE, ids[0]])
    )
    assert f"Bulk job #{job.pk}" in history.content.decode()
    assert AuditEntry.objects.filter(job=job, succeeded=True).count() == 3


def test_the_job_page_polls_its_progress_partial_while_the_job_runs(
    editor_client, sandbox_connection, editor_user, bulk_editors
):
    job = BulkJob.objects.create(
        connection=sandbox_connection,
        module=MODULE,
        user=editor_user,
        preview_at="2024-01-01T00:00:00Z",
        status=BulkJob.Status.RUNNING,
        total=2,
    )
    JobRecord.objects.create(job=job, record_id="1", state=JobRecord.State.SUCCEEDED)
    JobRecord.objects.create(job=job, record_id="2", state=JobRecord.State.IN_FLIGHT)

    partial = editor_client.get(
        reverse("jobs:detail", args=[job.pk]),
        headers={"HX-Request": "true", "HX-Target": "job-progress"},
    )

    html = partial.content.decode()
    assert html.lstrip().startswith('<section id="job-progress"')
    assert 'hx-trigger="every 2s"' in html
    assert "1</strong> of 2 done (50%)" in html
    assert "1 being sent" in html


def test_jobs_are_visible_to_their_owner_and_staff_only(
    client, editor_user, staff_user, django_user_model, sandbox_connection, bulk_editors
):
    job = BulkJob.objects.create(
        connection=sandbox_connection,
        module=MODULE,
        user=editor_user,
        preview_at="2024-01-01T00:00:00Z",
        status=BulkJob.Status.FINISHED,
    )
    other = django_user_model.objects.create_user(username="other", password="x")
    other.groups.add(bulk_editors)
    url = reverse("jobs:detail", args=[job.pk])

    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(staff_user)
    assert client.get(url).status_code == 200
    client.force_login(editor_user)
    assert client.get(url).status_code == 200
    assert f"#{job.pk}" in client.get(reverse("jobs:list")).content.decode()


def test_results_download_as_csv_one_row_per_record(
    editor_client, sandbox_connection, editor_user, bulk_editors
):
    job = BulkJob.objects.create(
        connection=sandbox_connection,
        module=MODULE,
        user=editor_user,
        preview_at="2024-01-01T00:00:00Z",
        status=BulkJob.Status.FINISHED,
    )
    JobRecord.objects.create(
        job=job,
        record_id="42",
        line=7,
        record_name="Ada",
        state=JobRecord.State.FAILED,
        code="INVALID_DATA",
        field="Email",
        message="INVALID_DATA on Email: invalid data",
        batch=1,
        attempts=1,
    )

    answer = editor_client.get(reverse("jobs:results", args=[job.pk]))

    body = b"".join(answer.streaming_content).decode()
    assert answer["Content-Type"] == "text/csv"
    assert body.splitlines() == [
        "line,record_id,record_name,state,code,field,message,batch,attempts",
        "7,42,Ada,Failed,INVALID_DATA,Email,INVALID_DATA on Email: invalid data,1,1",
    ]


def test_a_job_against_the_sandbox_stores_chosen_failures_and_sets_aside_records_changed_meanwhile(
    editor_client, sandbox_connection, sandbox, bulk_editors
):
    ids = contact_ids(sandbox, 20)
    failing, changed = ids[5], ids[15]
    editor_client.post(
        new_url(sandbox_connection),
        {"ids": ids, "Languages__action": "append", "Languages": [ADDED]},
    )
    job = BulkJob.objects.get()
    put_path = f"PUT /crm/v8/{MODULE}"
    sandbox.faults.set("fail_records", path=put_path, record_id=failing, field="Languages")
    # "Another user" edits a record after the preview, just before the batch reaches the sandbox.
    sandbox.faults.set(
        "edit_record", path=put_path, count=1, module=MODULE, record_id=changed, changes={}
    )

    editor_client.post(reverse("jobs:start", args=[job.pk]))

    job.refresh_from_db()
    assert sandbox.requests_served(put_path) == 1  # one 207 with three kinds of outcome
    assert (job.succeeded, job.failed, job.set_aside) == (18, 1, 1)
    refused = job.records.get(record_id=failing)
    assert (refused.state, refused.code, refused.field) == ("failed", "INVALID_DATA", "Languages")
    assert job.records.get(record_id=changed).state == "set_aside"
    assert ADDED not in (sandbox.get_record(MODULE, changed).get("Languages") or [])
    page = editor_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "18 updated, 1 failed, 1 set aside" in page
    assert "Changed since your preview" in page


def test_the_record_list_says_how_many_records_match_from_the_count_endpoint(
    editor_client, sandbox_connection, sandbox, bulk_editors, empty_cache
):
    total = len(sandbox.app.store.all_records(MODULE))
    assert total > 10
    url = reverse("records:list", args=[sandbox_connection.pk, MODULE])

    page = editor_client.get(url, {"per_page": "10"}).content.decode()
    editor_client.get(url, {"per_page": "10", "page": "2"})

    # One count for both pages: paging does not count again.
    assert sandbox.requests_served(f"GET /crm/v8/{MODULE}/actions/count") == 1
    assert f"Showing 1\u201310 of <strong>{total}</strong> records" in page
    assert f"Bulk edit all {total} matching" in page


def test_the_change_form_offers_lookup_and_user_fields_picked_as_on_the_edit_form(
    editor_client, sandbox_connection, sandbox, bulk_editors, empty_cache
):
    ids = contact_ids(sandbox, 2)
    account = sandbox.app.store.all_records("Accounts")[0]
    manager = sandbox.app.store.all_records(MODULE)[0]["Owner"]
    users_asked = sandbox.requests_served("GET /crm/v8/users")  # connecting asked who we are

    page = editor_client.get(new_url(sandbox_connection), {"ids": ids}).content.decode()
    assert 'name="Account_Name__action"' in page
    assert 'name="Relationship_Manager__action"' in page
    assert 'id="field-Account_Name"' in page  # the edit form's lookup row (search + id)
    # User fields are the same picker, searching the org's users: no user list to draw them.
    users_url = f'hx-get="/records/{sandbox_connection.pk}/users/lookup/"'
    assert 'name="Relationship_Manager_label"' in page and users_url in page
    assert '<select name="Relationship_Manager"' not in page
    assert sandbox.requests_served("GET /crm/v8/users") == users_asked
    # Every record has an owner: the bulk change may set it, never clear it.
    owner_actions = page[page.index('name="Owner__action"') :]
    owner_actions = owner_actions[: owner_actions.index("</select>")]
    assert 'value="set"' in owner_actions and 'value="clear"' not in owner_actions

    editor_client.post(
        new_url(sandbox_connection),
        {
            "ids": ids,
            "Account_Name__action": "set",
            # What the picker posts: the chosen record's name, its id, and the name that id has.
            "Account_Name_label": account["Account_Name"],
            "Account_Name": account["id"],
            "Account_Name_idname": account["Account_Name"],
            "Relationship_Manager__action": "set",
            "Relationship_Manager_label": manager["name"],
            "Relationship_Manager": manager["id"],
            "Relationship_Manager_idname": manager["name"],
        },
    )
    assert sandbox.requests_served("GET /crm/v8/users") == users_asked  # picked: no search
    job = BulkJob.objects.get()
    editor_client.post(reverse("jobs:start", args=[job.pk]))

    job.refresh_from_db()
    assert (job.status, job.succeeded) == ("finished", 2)
    saved = sandbox.get_record(MODULE, ids[0])
    assert saved["Account_Name"]["id"] == account["id"]
    assert saved["Relationship_Manager"]["id"] == manager["id"]


def test_a_lookup_name_typed_without_the_picker_is_resolved_on_the_bulk_change_form(
    editor_client, sandbox_connection, sandbox, bulk_editors
):
    ids = contact_ids(sandbox, 2)
    account = sandbox.app.store.all_records("Accounts")[0]

    editor_client.post(
        new_url(sandbox_connection),
        {
            "ids": ids,
            "Account_Name__action": "set",
            "Account_Name_label": account["Account_Name"],  # typed; no id picked
        },
    )

    job = BulkJob.objects.get()
    assert {row.payload["Account_Name"]["id"] for row in job.records.all()} == {account["id"]}


def test_a_user_name_typed_without_the_picker_is_resolved_from_the_org_users_on_the_bulk_form(
    editor_client, sandbox_connection, sandbox, bulk_editors, empty_cache
):
    ids = contact_ids(sandbox, 2)
    manager = sandbox.app.store.all_records(MODULE)[0]["Owner"]
    users_asked = sandbox.requests_served("GET /crm/v8/users")  # connecting asked who we are

    editor_client.post(
        new_url(sandbox_connection),
        {
            "ids": ids,
            "Relationship_Manager__action": "set",
            "Relationship_Manager_label": manager["email"],  # typed; no user picked
        },
    )

    job = BulkJob.objects.get()
    assert {row.payload["Relationship_Manager"]["id"] for row in job.records.all()} == {
        manager["id"]
    }
    # The org's users were fetched once, to resolve the typed name.
    assert sandbox.requests_served("GET /crm/v8/users") == users_asked + 1
