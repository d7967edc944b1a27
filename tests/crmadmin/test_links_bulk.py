"""Many pairs at once, as a bulk job: calls of at most 100 deals per contact, a result per row on
the job page, the results CSV, history entries linked to the job (tasks run at once in tests)."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crmadmin import jobs
from crmadmin.models import AuditEntry, BulkJob
from crmadmin.services.linking import Pair
from tests.crmadmin.test_links import API, ROLE_ID, connection, element, linked, zoho

pytestmark = pytest.mark.django_db
__all__ = ["connection", "zoho"]


def ok(rows):
    return {"data": [linked({"id": str(n)}) for n in range(len(rows))]}


def echo(request):
    rows = json.loads(request.body)["data"]
    return 200, {}, json.dumps(ok(rows))


def post(client, connection, text="", **extra):
    data = {
        "connection": connection.pk,
        "contact_field": "External_Contact_ID",
        "deal_field": "External_Deal_ID",
        "pairs": text,
        **extra,
    }
    return client.post("/links/bulk/", data, follow=True)


def test_bulk_sends_one_call_per_contact_and_at_most_100_deals(staff_client, connection, zoho):
    zoho.add_callback("PUT", re.compile(rf"{API}/Contacts/[^/]+/Deals"), callback=echo)
    lines = [f"extA,deal{n},Decision Maker" for n in range(150)] + ["extB,deal9"]
    response = post(staff_client, connection, "contact,deal,role\n" + "\n".join(lines))
    puts = [call.request for call in zoho.calls if call.request.method == "PUT"]
    assert [len(json.loads(p.body)["data"]) for p in puts] == [100, 50, 1]
    assert [p.url for p in puts] == [f"{API}/Contacts/extA/Deals"] * 2 + [
        f"{API}/Contacts/extB/Deals"
    ]
    assert puts[0].headers["X-EXTERNAL"] == "Contacts.External_Contact_ID,Deals.External_Deal_ID"
    assert json.loads(puts[0].body)["data"][0] == {
        "External_Deal_ID": "deal0",
        "Contact_Role": ROLE_ID,
    }
    assert json.loads(puts[2].body)["data"][0] == {"External_Deal_ID": "deal9"}
    job = BulkJob.objects.get()
    assert response.redirect_chain == [(reverse("jobs:detail", args=[job.pk]), 302)]
    assert (job.kind, job.status, job.succeeded, job.put_calls) == ("link", "finished", 151, 3)
    assert "151 linked, 0 not linked" in response.content.decode()
    assert AuditEntry.objects.filter(module="Contacts", job=job).count() == 3  # one per call
    assert AuditEntry.objects.filter(module="Deals", job=job).count() == 151
    deal_entry = AuditEntry.objects.filter(module="Deals", job=job).order_by("pk").first()
    assert deal_entry is not None
    assert deal_entry.changes[0]["after"] == "External_Contact_ID extA"


def test_bulk_reports_each_failed_row_and_offers_a_csv(staff_client, connection, zoho):
    zoho.put(
        f"{API}/Contacts/extA/Deals",
        status=207,
        json={
            "data": [
                linked({"id": "1"}),
                {
                    "code": "INVALID_DATA",
                    "details": {
                        "api_name": "External_Deal_ID",
                        "json_path": "$.data[1].External_Deal_ID",
                    },
                    "message": "the related id given seems to be invalid",
                    "status": "error",
                },
            ]
        },
    )
    zoho.put(
        f"{API}/Contacts/extNobody/Deals",
        status=400,
        json={
            "code": "INVALID_DATA",
            "details": {"resource_path_index": 1},
            "message": "the id given seems to be invalid",
            "status": "error",
        },
    )
    response = post(staff_client, connection, "extA,deal1\nextA,=deal2\nextNobody,deal3")
    html = response.content.decode()
    job = BulkJob.objects.get()
    assert (job.succeeded, job.failed) == (1, 2)
    assert "1 linked, 2 not linked" in html
    assert "Linked" in element(html, "pair-row-1")
    assert "No deal has External_Deal_ID “=deal2”." in element(html, "pair-row-2")
    assert "No contact has External_Contact_ID “extNobody”." in element(html, "pair-row-3")
    report = staff_client.get(reverse("jobs:results", args=[job.pk]))
    lines = b"".join(report.streaming_content).decode().splitlines()
    assert report["Content-Disposition"] == f'attachment; filename="job-{job.pk}-results.csv"'
    assert lines[0] == "line,External_Contact_ID,External_Deal_ID,role,state,code,message"
    assert lines[1] == "1,extA,deal1,,Updated,SUCCESS,Linked."
    assert lines[2].startswith("2,extA,'=deal2,,Failed,INVALID_DATA,")  # a formula is defused
    assert lines[3].startswith("3,extNobody,deal3,,Failed,INVALID_DATA,")


def test_bulk_stops_on_an_auth_error_and_marks_the_rest_not_sent(staff_client, connection, zoho):
    zoho.put(
        f"{API}/Contacts/extA/Deals",
        status=401,
        json={
            "code": "OAUTH_SCOPE_MISMATCH",
            "details": {},
            "message": "invalid oauth scope",
            "status": "error",
        },
    )
    response = post(staff_client, connection, "extA,deal1\nextB,deal2")
    html = response.content.decode()
    job = BulkJob.objects.get()
    assert len([c for c in zoho.calls if c.request.method == "PUT"]) == 1
    assert job.status == "failed"
    assert "This connection lacks a permission" in element(html, "pair-row-2")
    assert job.records.get(line=2).code == "NOT_SENT"


def test_bulk_accepts_an_uploaded_csv(staff_client, connection, zoho):
    zoho.add_callback("PUT", re.compile(rf"{API}/Contacts/[^/]+/Deals"), callback=echo)
    upload = SimpleUploadedFile("pairs.csv", b"\xef\xbb\xbfextA,deal1,Evaluator\r\n")
    response = post(staff_client, connection, upload=upload)
    assert "1 linked" in response.content.decode()
    put = next(c.request for c in zoho.calls if c.request.method == "PUT")
    assert json.loads(put.body)["data"][0]["Contact_Role"] == "111111000000026003"


def test_bulk_flags_bad_lines_next_to_the_textarea_and_sends_nothing(
    staff_client, connection, zoho
):
    response = post(staff_client, connection, "extA\nextB,deal2,Janitor")
    html = response.content.decode()
    assert response.status_code == 422
    field = element(html, "field-pairs")
    assert "Line 1: give a contact ID and a deal ID." in field
    assert "Line 2: no contact role “Janitor”." in field
    assert "extB,deal2,Janitor</textarea>" in html
    assert not any(c.request.method == "PUT" for c in zoho.calls)


def test_a_pair_given_twice_is_sent_once_and_the_repeat_reported(staff_client, connection, zoho):
    zoho.add_callback("PUT", re.compile(rf"{API}/Contacts/[^/]+/Deals"), callback=echo)
    response = post(staff_client, connection, "extA,deal1\nextA,deal1")
    puts = [json.loads(c.request.body)["data"] for c in zoho.calls if c.request.method == "PUT"]
    assert puts == [[{"External_Deal_ID": "deal1"}]]
    assert "The same pair as line 1." in element(response.content.decode(), "pair-row-2")


def test_a_transient_fault_is_waited_out_and_the_call_sent_again(staff_client, connection, zoho):
    url = f"{API}/Contacts/extA/Deals"
    zoho.put(url, status=503, json={"code": "INTERNAL_ERROR", "details": {}, "message": "x"})
    zoho.put(url, json=ok([1]))

    response = post(staff_client, connection, "extA,deal1")

    job = BulkJob.objects.get()
    puts = [c.request for c in zoho.calls if c.request.method == "PUT"]
    assert len(puts) == 2
    assert json.loads(puts[0].body) == json.loads(puts[1].body)
    assert (job.status, job.succeeded, job.put_calls) == ("finished", 1, 2)
    assert "1 linked, 0 not linked" in response.content.decode()


def test_pairs_left_in_flight_by_a_dead_worker_are_sent_again_on_resume(
    staff_user, connection, zoho
):
    zoho.add_callback("PUT", re.compile(rf"{API}/Contacts/[^/]+/Deals"), callback=echo)
    job = jobs.link_job_create(
        connection=connection,
        user=staff_user,
        contact_field="External_Contact_ID",
        deal_field="External_Deal_ID",
        pairs=[Pair(line=1, contact="extA", deal="deal1"), Pair(line=2, contact="extB", deal="d2")],
    )
    # A worker marked extA's pair in flight, then died before storing Zoho's answer.
    job.records.filter(line=1).update(state="in_flight", batch=1, attempts=1)
    BulkJob.objects.filter(pk=job.pk).update(status="running")

    assert jobs.job_run(job_id=job.pk) == "finished"

    puts = [c.request.url for c in zoho.calls if c.request.method == "PUT"]
    assert puts == [f"{API}/Contacts/extA/Deals", f"{API}/Contacts/extB/Deals"]
    assert set(job.records.values_list("state", flat=True)) == {"succeeded"}
