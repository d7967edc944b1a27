"""The org's API limits (sandbox/limits.py): concurrency across the server's threads, credits per
rolling 24 h, Zoho's 429 envelope, X-API-CREDITS-REMAINING once half is used, the control page."""

from __future__ import annotations

import threading

import pytest

from tests.sandbox.conftest import http, ids


@pytest.fixture(autouse=True)
def limits(sb):
    sb.faults.clear()
    sb.app.limits.set(edition="enterprise", reset=True)
    yield sb.app.limits
    sb.faults.clear()
    sb.app.limits.set(edition="enterprise", reset=True)


def test_edition_sets_both_limits(limits):
    limits.set(edition="free")
    state = limits.snapshot()
    assert (state["concurrency"], state["daily_credits"]) == (5, 5000)


def test_one_call_more_than_the_concurrency_is_refused_with_zohos_429(sb, api, limits):
    limits.set(concurrency=2)
    sb.faults.set("latency", seconds=0.6, path="GET /crm/v8/org")
    answers: list = []

    def call() -> None:
        answers.append(api.get(f"{api.base}/org"))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 200, 429, 429]
    refused = next(answer for answer in answers if answer.status_code == 429).json()
    assert refused["code"] == "TOO_MANY_REQUESTS" and refused["status"] == "error"
    assert refused["details"] == {"limit": "concurrency", "allowed": 2}
    state = limits.snapshot()
    assert (state["peak_in_flight"], state["refused_concurrency"], state["in_flight"]) == (2, 2, 0)


def test_credits_are_counted_per_call_and_writes_per_ten_records(sb, api, limits):
    limits.set(daily_credits=1000)
    contacts = ids(api, "Contacts", 25, offset=60)  # 1 credit
    assert api.put(
        f"{api.base}/Contacts", json={"data": [{"id": i} for i in contacts]}
    ).status_code in (200, 207)  # 3 credits
    assert limits.snapshot()["credits_used"] == 4


def test_remaining_credits_are_sent_once_half_is_used_then_429(sb, api, limits):
    limits.set(daily_credits=4)
    first = api.get(f"{api.base}/org")
    assert "X-API-CREDITS-REMAINING" not in first.headers
    second = api.get(f"{api.base}/org")
    assert second.headers["X-API-CREDITS-REMAINING"] == "2"
    api.get(f"{api.base}/org")
    assert api.get(f"{api.base}/org").headers["X-API-CREDITS-REMAINING"] == "0"
    refused = api.get(f"{api.base}/org")
    assert refused.status_code == 429
    assert refused.json()["details"] == {"limit": "credits", "allowed": 4}
    assert limits.snapshot()["refused_credits"] == 1


def test_token_requests_and_the_control_page_are_not_counted(sb, limits):
    sb.issue_tokens()
    http.get(f"{sb.url}/__sandbox__/")
    assert limits.snapshot()["credits_used"] == 0


def test_limits_are_read_and_set_over_http(sb, limits):
    answer = http.post(f"{sb.url}/__sandbox__/limits", json={"concurrency": 3, "reset": True})
    assert answer.json()["concurrency"] == 3
    assert http.get(f"{sb.url}/__sandbox__/limits").json()["concurrency"] == 3
    page = http.get(f"{sb.url}/__sandbox__/limits", headers={"Accept": "text/html"})
    assert '<input name="concurrency"' in page.text
    assert http.post(f"{sb.url}/__sandbox__/limits", json={"edition": "gold"}).status_code == 400
