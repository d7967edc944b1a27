"""Bulk edit from a CSV against the sandbox CRM: upload or paste, map the columns, every cell
cleaned by its field's edit-form field, records found by search in batches, per-line problems in
the preview, then the same job (one payload per record)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crmadmin.forms.bulk import MAX_UPLOAD_BYTES, table_read, text_decode
from crmadmin.models import BulkJob, BulkUpload
from sandbox.metadata import org

MODULE = "Contacts"


@pytest.fixture
def bulk_editors(editors_group):
    editors_group.permissions.add(Permission.objects.get(codename="run_bulk_job"))
    return editors_group


def contacts(sandbox, count):
    special = set(sandbox.special.get(MODULE, {}).values())
    records = [r for r in sandbox.app.store.all_records(MODULE) if r["id"] not in special]
    return records[:count]


def upload(client, connection, **data):
    return client.post(reverse("jobs:upload", args=[connection.pk, MODULE]), data)


def mapping(client, upload_id, columns, trigger=("workflow",)):
    data = {f"column_{index}": value for index, value in enumerate(columns)}
    data["crm_trigger"] = list(trigger)
    return client.post(reverse("jobs:upload_map", args=[upload_id]), data)


def test_text_decode_reads_utf8_with_or_without_bom_and_falls_back_to_latin1():
    assert text_decode("id,Title\n1,Café\n".encode()) == ("id,Title\n1,Café\n", "UTF-8")
    assert text_decode(b"\xef\xbb\xbfid,Title\n") == ("id,Title\n", "UTF-8")
    assert text_decode("id,Title\n1,Café\n".encode("latin-1")) == ("id,Title\n1,Café\n", "Latin-1")


def test_table_read_takes_semicolons_and_tabs_and_numbers_lines_past_blank_ones():
    header, lines = table_read("id;Title\n\n7;A\n")
    assert header == ["id", "Title"]
    assert lines == [(3, ["7", "A"])]
    assert table_read("id\tTitle\n8\tB")[1] == [(2, ["8", "B"])]


def test_a_csv_by_external_id_previews_each_line_and_sends_each_records_own_values(
    editor_client, sandbox_connection, sandbox, bulk_editors
):
    chosen = contacts(sandbox, 3)
    ext = [record["External_Contact_ID"] for record in chosen]
    text = (
        "External ID,Title,Loyalty_Points,Languages\n"
        f"{ext[0]},Chief,12,German;French\n"
        f"{ext[1]},Deputy,not a number,\n"
        f"{ext[2]},Clerk,,\n"
        "nobody-has-this,Ghost,1,\n"
        f"{ext[0]},Again,2,\n"
    )
    sent = upload(
        editor_client,
        sandbox_connection,
        upload=SimpleUploadedFile("people.csv", b"\xef\xbb\xbf" + text.encode()),
    )
    stored = BulkUpload.objects.get()
    assert sent.status_code == 302
    assert stored.encoding == "UTF-8"
    form = editor_client.get(sent["Location"]).content.decode()
    assert "5 rows" in form
    assert 'value="Title" selected' in form  # a header naming a field is mapped to it

    answer = mapping(
        editor_client,
        stored.pk,
        ["key:External_Contact_ID", "Title", "Loyalty_Points", "Languages"],
    )

    job = BulkJob.objects.get()
    assert answer["Location"] == reverse("jobs:detail", args=[job.pk])
    assert not BulkUpload.objects.exists()
    rows = {row.line: row for row in job.records.all()}
    assert rows[2].record_id == chosen[0]["id"]
    assert rows[2].payload["Title"] == "Chief"
    assert rows[2].payload["Loyalty_Points"] == 12
    assert rows[2].payload["Languages"] == ["German", "French"]
    assert rows[3].state == "skipped"
    assert "Loyalty Points: Enter a whole number." in rows[3].message
    assert rows[4].payload == {"Title": "Clerk"}
    assert rows[5].message == "No record has External Contact ID “nobody-has-this”."
    assert rows[6].message == "The same record as line 2: sent once, from there."
    preview = editor_client.get(answer["Location"]).content.decode()
    assert 'id="preview-to-send">2<' in preview
    assert "No record has External Contact ID" in preview
    assert "the value on each record" in preview

    editor_client.post(reverse("jobs:start", args=[job.pk]))

    job.refresh_from_db()
    assert (job.status, job.succeeded, job.skipped) == ("finished", 2, 3)
    assert sandbox.updates_of(MODULE) == {chosen[0]["id"]: 1, chosen[2]["id"]: 1}
    first = sandbox.get_record(MODULE, chosen[0]["id"])
    assert (first["Title"], first["Loyalty_Points"]) == ("Chief", 12)
    assert sandbox.get_record(MODULE, chosen[2]["id"])["Title"] == "Clerk"


def test_a_column_of_owners_names_active_users_by_email_name_or_id_and_refuses_others(
    editor_client, sandbox_connection, sandbox, bulk_editors, empty_cache
):
    morgan, sam, former = org.USERS[1], org.USERS[2], org.USERS[4]  # former: disabled
    # Contacts owned by someone else, so each change is one to send.
    owners = (morgan["id"], sam["id"])
    chosen = [r for r in contacts(sandbox, 200) if r["Owner"]["id"] not in owners][:5]
    users_asked = sandbox.requests_served("GET /crm/v8/users")  # connecting asked who we are
    text = (
        "id,Owner\n"
        f"{chosen[0]['id']},{morgan['email'].upper()}\n"
        f"{chosen[1]['id']},{org.full_name(sam)}\n"
        f"{chosen[2]['id']},{morgan['id']}\n"
        f"{chosen[3]['id']},{former['email']}\n"
        f"{chosen[4]['id']},Nobody Here\n"
    )
    sent = upload(editor_client, sandbox_connection, pasted=text)
    stored = BulkUpload.objects.get()
    assert editor_client.get(sent["Location"]).status_code == 200
    assert sandbox.requests_served("GET /crm/v8/users") == users_asked  # mapping: no user list

    mapping(editor_client, stored.pk, ["key:id", "Owner"])

    # The org's users, fetched once: a column writes the owner.
    assert sandbox.requests_served("GET /crm/v8/users") == users_asked + 1
    rows = {row.line: row for row in BulkJob.objects.get().records.all()}
    assert rows[2].payload["Owner"]["id"] == morgan["id"]
    assert rows[3].payload["Owner"]["id"] == sam["id"]
    assert rows[4].payload["Owner"]["id"] == morgan["id"]
    for line, cell in ((5, former["email"]), (6, "Nobody Here")):
        assert rows[line].state == "skipped"
        assert rows[line].message == (
            f"Record Owner: “{cell}” is no active user's ID, email or name in this org."
        )

    editor_client.post(reverse("jobs:start", args=[BulkJob.objects.get().pk]))

    owners = [sandbox.get_record(MODULE, record["id"])["Owner"]["id"] for record in chosen[:3]]
    assert owners == [morgan["id"], sam["id"], morgan["id"]]


def test_a_pasted_latin1_free_table_by_record_id_needs_one_identifying_column(
    editor_client, sandbox_connection, sandbox, bulk_editors
):
    record = contacts(sandbox, 1)[0]
    sent = upload(editor_client, sandbox_connection, pasted=f"id\tTitle\n{record['id']}\tBoss\n")
    stored = BulkUpload.objects.get()

    refused = mapping(editor_client, stored.pk, ["", "Title"])

    assert refused.status_code == 422
    assert "Choose exactly one column that identifies the record" in refused.content.decode()
    assert sent.status_code == 302
    accepted = mapping(editor_client, stored.pk, ["key:id", "Title"])
    job = BulkJob.objects.get()
    assert accepted.status_code == 302
    assert job.records.get().payload == {"Title": "Boss"}


def test_an_upload_over_20_mb_or_50000_rows_is_refused_next_to_the_file(
    editor_client, sandbox_connection, bulk_editors
):
    big = SimpleUploadedFile("big.csv", b"id,Title\n" + b"x" * MAX_UPLOAD_BYTES)
    answer = upload(editor_client, sandbox_connection, upload=big)
    page = answer.content.decode()
    assert answer.status_code == 422
    assert "at most 20 MB" in page
    many = SimpleUploadedFile("many.csv", b"id,Title\n" + b"1,a\n" * 50_001)
    answer = upload(editor_client, sandbox_connection, upload=many)
    assert answer.status_code == 422
    assert "50,001 rows; at most 50,000 per job" in answer.content.decode()
    answer = upload(editor_client, sandbox_connection, pasted="id,Title\n" + "1,a\n" * 500_000)
    assert answer.status_code == 422
    assert "Pasted rows are limited to 2 MB" in answer.content.decode()
    assert not BulkUpload.objects.exists()


def test_an_upload_belongs_to_the_person_who_sent_it(
    client, editor_user, sandbox_connection, django_user_model, bulk_editors
):
    stored = BulkUpload.objects.create(
        connection=sandbox_connection,
        module=MODULE,
        user=editor_user,
        encoding="UTF-8",
        text="id,Title\n1,A\n",
    )
    other = django_user_model.objects.create_user(username="other", password="x")
    other.groups.add(bulk_editors)
    client.force_login(other)

    assert client.get(reverse("jobs:upload_map", args=[stored.pk])).status_code == 404


def test_records_are_found_by_search_in_batches_of_100_values_and_unknown_ids_read_once(
    editor_client, sandbox_connection, sandbox, bulk_editors
):
    chosen = contacts(sandbox, 90)
    unknown = [f"99900000000000{n:02d}" for n in range(20)]
    keys = [record["id"] for record in chosen] + unknown
    lines = "".join(f"{key},Batch title\n" for key in keys)
    upload(editor_client, sandbox_connection, pasted="Record Id,Title\n" + lines)

    mapping(editor_client, BulkUpload.objects.get().pk, ["key:id", "Title"])

    job = BulkJob.objects.get()
    assert sandbox.requests_served(f"GET /crm/v8/{MODULE}/search") == 2  # 110 ids: 100 + 10
    # Search may miss a record edited moments ago: each id it did not find is read once.
    assert all(sandbox.requests_served(f"GET /crm/v8/{MODULE}/{key}") == 1 for key in unknown)
    assert job.records.filter(state="pending").count() == 90
    missing = job.records.get(line=len(keys) + 1)
    assert missing.message == f"No record has Record ID “{unknown[-1]}”."
    assert sandbox.requests_served(f"PUT /crm/v8/{MODULE}") == 0  # nothing sent before Start
