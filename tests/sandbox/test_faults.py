"""Injected faults: scoped by method, path prefix and count; also via the control endpoints."""

from __future__ import annotations

import time

import pytest
import requests

from tests.sandbox.conftest import http, ids, session_for


@pytest.fixture(autouse=True)
def clean(sb):
    sb.faults.clear()
    yield
    sb.faults.clear()


def test_status_fault_hits_only_the_next_matching_request(sb, api):
    sb.faults.set("status", status=503, path="PUT /crm/v8/Contacts", count=1)
    contact = ids(api, "Contacts", 1, offset=50)[0]
    assert api.get(f"{api.base}/Contacts/{contact}").status_code == 200
    first = api.put(f"{api.base}/Contacts", json={"data": [{"id": contact}]})
    assert first.status_code == 503 and "<html>" in first.text
    assert api.put(f"{api.base}/Contacts", json={"data": [{"id": contact}]}).status_code == 200


def test_429_carries_retry_after(sb, api):
    sb.faults.set("status", status=429, retry_after=7, count=1)
    response = api.get(f"{api.base}/org")
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.json()["code"] == "TOO_MANY_REQUESTS"


def test_latency_timeout_drop_and_non_json(sb, api):
    sb.faults.set("latency", seconds=0.3, count=1)
    start = time.monotonic()
    api.get(f"{api.base}/org")
    assert time.monotonic() - start >= 0.3
    sb.faults.set("timeout", seconds=2, count=1)
    with pytest.raises(requests.Timeout):
        api.get(f"{api.base}/org", timeout=0.5)
    sb.faults.set("drop", count=1)
    with pytest.raises(requests.ConnectionError):
        api.get(f"{api.base}/org")
    sb.faults.set("non_json", count=1)
    page = api.get(f"{api.base}/org")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")


def test_edit_record_fault_makes_the_next_put_conflict(sb, api):
    contact = ids(api, "Contacts", 1, offset=51)[0]
    seen = sb.get_record("Contacts", contact)["Modified_Time"]
    sb.faults.set(
        "edit_record",
        path="PUT /crm/v8/Contacts",
        count=1,
        module="Contacts",
        record_id=contact,
        changes={"Title": "theirs"},
    )
    response = api.put(
        f"{api.base}/Contacts/{contact}",
        json={"data": [{"Title": "mine"}]},
        headers={"If-Unmodified-Since": seen},
    )
    assert response.status_code == 412
    assert sb.get_record("Contacts", contact)["Title"] == "theirs"


def test_invalidate_tokens_fault_and_json_control_endpoint(sb):
    from tests.sandbox.conftest import session_for

    api = session_for(sb)
    added = http.post(
        f"{sb.url}/__sandbox__/faults", json={"kind": "invalidate_tokens", "count": 1}
    )
    assert added.json()["faults"][0]["kind"] == "invalidate_tokens"
    assert api.get(f"{api.base}/org").json()["code"] == "INVALID_TOKEN"
    assert "No faults" in http.get(f"{sb.url}/__sandbox__/").text


def test_lost_answer_applies_the_write_then_gives_no_answer(sb):
    api = session_for(sb)  # a token of its own: earlier tests here revoke tokens
    contact = ids(api, "Contacts", 1, offset=53)[0]
    before = sb.updates_of("Contacts").get(contact, 0)
    sb.faults.set("lost_answer", path="PUT /crm/v8/Contacts", count=1)
    with pytest.raises(requests.ConnectionError):
        api.put(f"{api.base}/Contacts", json={"data": [{"id": contact, "Title": "Landed"}]})
    assert sb.get_record("Contacts", contact)["Title"] == "Landed"
    assert sb.updates_of("Contacts")[contact] == before + 1
    sb.faults.set("lost_answer", path="PUT /crm/v8/Contacts", count=1, seconds=1.0)
    with pytest.raises(requests.Timeout):
        api.put(
            f"{api.base}/Contacts",
            json={"data": [{"id": contact, "Title": "Late"}]},
            timeout=0.3,
        )
    # The client gave up waiting for an answer, but the write is in the record.
    assert sb.get_record("Contacts", contact)["Title"] == "Late"
