from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
import responses
from responses import matchers

from tests.updater.conftest import (
    ACCESS,
    API,
    NEW_ACCESS,
    REFRESH,
    SECRET,
    TOKEN_URL,
    client_make,
    refresh_answer,
    tokens_make,
)
from updater.errors import (
    AuthError,
    InvalidCodeError,
    NonJsonResponseError,
    RateLimitError,
    ServerError,
    UnsafeDomainError,
    ZohoConnectionError,
    ZohoError,
    ZohoTimeout,
)
from updater.tokens import InMemoryTokenStore, Redacted

INVALID_TOKEN = {
    "code": "INVALID_TOKEN",
    "details": {},
    "message": "invalid oauth token",
    "status": "error",
}
RECORD = {"data": [{"id": "1", "Last_Name": "Boyle"}]}


def test_request_sends_the_zoho_oauthtoken_header(client, mocked) -> None:
    mocked.get(
        f"{API}/Contacts/1",
        json=RECORD,
        match=[matchers.header_matcher({"Authorization": f"Zoho-oauthtoken {ACCESS}"})],
    )

    response = client.request("GET", "Contacts/1")

    assert response.status == 200
    assert response.body == RECORD


def test_request_reuses_a_fresh_token_without_calling_the_token_endpoint(
    client, store, mocked
) -> None:
    mocked.get(f"{API}/Contacts/1", json=RECORD)
    mocked.get(f"{API}/Contacts/2", json=RECORD)

    client.request("GET", "Contacts/1")
    client.request("GET", "Contacts/2")

    assert [call.request.url for call in mocked.calls] == [f"{API}/Contacts/1", f"{API}/Contacts/2"]
    assert client.calls_made == 2
    assert store.calls_recorded == 2


def test_request_refreshes_a_token_within_five_minutes_of_expiry(mocked) -> None:
    store = InMemoryTokenStore(tokens=tokens_make(expires_in=timedelta(minutes=4)))
    client = client_make(store)
    mocked.post(
        TOKEN_URL,
        json=refresh_answer(),
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "client_id": "fake-client-id",
                    "client_secret": SECRET,
                    "refresh_token": REFRESH,
                }
            )
        ],
    )
    mocked.get(
        f"{API}/Contacts/1",
        json=RECORD,
        match=[matchers.header_matcher({"Authorization": f"Zoho-oauthtoken {NEW_ACCESS}"})],
    )

    client.request("GET", "Contacts/1")

    assert store.load().access_token == NEW_ACCESS
    assert client.calls_made == 1  # the token endpoint is not a CRM API call


def test_invalid_token_causes_one_refresh_and_one_replay(client, store, mocked) -> None:
    mocked.get(f"{API}/Contacts/1", status=401, json=INVALID_TOKEN)
    mocked.post(TOKEN_URL, json=refresh_answer())
    mocked.get(f"{API}/Contacts/1", json=RECORD)

    response = client.request("GET", "Contacts/1")

    assert response.body == RECORD
    sent = [call.request for call in mocked.calls]
    assert [request.url for request in sent] == [
        f"{API}/Contacts/1",
        TOKEN_URL,
        f"{API}/Contacts/1",
    ]
    assert sent[0].headers["Authorization"] == f"Zoho-oauthtoken {ACCESS}"
    assert sent[2].headers["Authorization"] == f"Zoho-oauthtoken {NEW_ACCESS}"
    assert store.load().access_token == NEW_ACCESS


def test_invalid_token_on_the_replay_is_raised_without_a_second_refresh(client, mocked) -> None:
    mocked.put(f"{API}/Contacts/1", status=401, json=INVALID_TOKEN)
    mocked.post(TOKEN_URL, json=refresh_answer())
    mocked.put(f"{API}/Contacts/1", status=401, json=INVALID_TOKEN)

    with pytest.raises(AuthError) as raised:
        client.request("PUT", "Contacts/1", json={"data": [{"id": "1"}]})

    assert raised.value.code == "INVALID_TOKEN"
    assert len(mocked.calls) == 3
    assert sum(call.request.url == TOKEN_URL for call in mocked.calls) == 1


def test_a_failed_refresh_is_marked_on_the_store_and_raised(mocked) -> None:
    store = InMemoryTokenStore(tokens=tokens_make(expires_in=timedelta(0)))
    client = client_make(store)
    mocked.post(TOKEN_URL, json={"error": "invalid_code"})

    with pytest.raises(InvalidCodeError):
        client.request("GET", "Contacts/1")

    assert isinstance(store.refresh_failure, InvalidCodeError)


def test_twenty_threads_finding_an_expired_token_cause_exactly_one_refresh() -> None:
    store = InMemoryTokenStore(tokens=tokens_make(expires_in=timedelta(minutes=-1)))
    client = client_make(store)
    barrier = threading.Barrier(20)
    errors: list[ZohoError] = []

    def worker() -> None:
        barrier.wait()
        try:
            client.request("GET", "Contacts/1")
        except ZohoError as error:
            errors.append(error)

    with responses.RequestsMock() as mocked:
        mocked.post(TOKEN_URL, json=refresh_answer())
        mocked.get(f"{API}/Contacts/1", json=RECORD)
        threads = [threading.Thread(target=worker) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        token_calls = [call for call in mocked.calls if call.request.url == TOKEN_URL]
        api_calls = [call for call in mocked.calls if call.request.url.startswith(API)]

    assert errors == []
    assert len(token_calls) == 1
    assert len(api_calls) == 20
    assert {call.request.headers["Authorization"] for call in api_calls} == {
        f"Zoho-oauthtoken {NEW_ACCESS}"
    }


def test_get_is_retried_on_503_honouring_retry_after(store, mocked) -> None:
    slept: list[float] = []
    client = client_make(store, sleep=slept.append)
    mocked.get(f"{API}/Contacts/1", status=503, headers={"Retry-After": "2"}, body="busy")
    mocked.get(f"{API}/Contacts/1", json=RECORD)

    response = client.request("GET", "Contacts/1")

    assert response.body == RECORD
    assert slept == [2.0]
    assert client.calls_made == 2


def test_get_gives_up_after_the_configured_retries(store, mocked) -> None:
    client = client_make(store, retry_total=2)
    for _ in range(3):
        mocked.get(
            f"{API}/Contacts/1",
            status=500,
            json={"code": "INTERNAL_ERROR", "message": "Internal Server Error", "status": "error"},
        )

    with pytest.raises(ServerError):
        client.request("GET", "Contacts/1")

    assert len(mocked.calls) == 3


def test_put_is_never_retried(client, mocked) -> None:
    mocked.put(f"{API}/Contacts/1", status=503, body="busy")

    with pytest.raises(NonJsonResponseError):
        client.request("PUT", "Contacts/1", json={"data": [{"id": "1"}]})

    assert len(mocked.calls) == 1


def test_get_is_retried_after_a_connection_error(client, mocked) -> None:
    mocked.get(f"{API}/Contacts/1", body=requests.ConnectionError("reset"))
    mocked.get(f"{API}/Contacts/1", json=RECORD)

    assert client.request("GET", "Contacts/1").body == RECORD


def test_connection_error_on_put_raises_a_typed_error_without_retrying(client, mocked) -> None:
    mocked.put(f"{API}/Contacts/1", body=requests.ConnectionError("reset"))

    with pytest.raises(ZohoConnectionError) as raised:
        client.request("PUT", "Contacts/1", json={})

    assert raised.value.kind == "connection"
    assert len(mocked.calls) == 1


def test_timeout_raises_a_typed_error(store, mocked) -> None:
    client = client_make(store, retry_total=0)
    mocked.get(f"{API}/Contacts/1", body=requests.ReadTimeout("slow"))

    with pytest.raises(ZohoTimeout):
        client.request("GET", "Contacts/1")


def test_every_call_carries_the_configured_timeout(store, mocked) -> None:
    client = client_make(store, timeout=7.5)
    mocked.get(f"{API}/Contacts/1", json=RECORD)

    client.request("GET", "Contacts/1")

    assert mocked.calls[0].request.req_kwargs["timeout"] == 7.5


def test_a_non_zoho_api_domain_is_refused_before_any_request(mocked) -> None:
    store = InMemoryTokenStore(tokens=tokens_make(api_domain="https://evil.example.com"))
    client = client_make(store)

    with pytest.raises(UnsafeDomainError):
        client.request("GET", "Contacts/1")

    assert len(mocked.calls) == 0


def test_a_custom_domain_is_used_when_allowed(mocked) -> None:
    store = InMemoryTokenStore(tokens=tokens_make(api_domain="http://localhost:8001"))
    client = client_make(store, allow_custom_domains=True)
    mocked.get("http://localhost:8001/crm/v8/Contacts/1", json=RECORD)

    assert client.request("GET", "Contacts/1").body == RECORD


def test_a_refresh_answer_with_a_foreign_api_domain_is_refused(mocked) -> None:
    store = InMemoryTokenStore(tokens=tokens_make(expires_in=timedelta(0)))
    client = client_make(store)
    mocked.post(TOKEN_URL, json={**refresh_answer(), "api_domain": "https://zohoapis.com.evil"})

    with pytest.raises(UnsafeDomainError):
        client.request("GET", "Contacts/1")

    assert [call.request.url for call in mocked.calls] == [TOKEN_URL]


def test_an_html_answer_on_success_status_raises_a_typed_error(client, mocked) -> None:
    mocked.get(f"{API}/Contacts/1", body="<html>maintenance</html>", status=200)

    with pytest.raises(NonJsonResponseError) as raised:
        client.request("GET", "Contacts/1")

    assert raised.value.body_excerpt == "<html>maintenance</html>"


@pytest.mark.parametrize("status", [204, 304])
def test_empty_answers_give_no_body(client, mocked, status: int) -> None:
    mocked.get(f"{API}/Contacts", status=status, body="")

    assert client.request("GET", "Contacts").body is None


def test_no_token_appears_in_the_text_of_errors_or_dataclasses(client, store, mocked) -> None:
    mocked.get(f"{API}/Contacts/1", status=401, json=INVALID_TOKEN)
    mocked.post(TOKEN_URL, json=refresh_answer())
    mocked.get(f"{API}/Contacts/1", status=401, json=INVALID_TOKEN)

    with pytest.raises(AuthError) as raised:
        client.request("GET", "Contacts/1")

    texts = [
        str(raised.value),
        repr(raised.value),
        repr(store.load()),
        str(store.load()),
        repr(client),
        repr(tokens_make()),
    ]
    for text in texts:
        for secret in (ACCESS, NEW_ACCESS, REFRESH, SECRET):
            assert secret not in text


class FakeTime:
    """A monotonic clock that only moves when the client sleeps or a fake request takes time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def slow_timeout(self, seconds: float):
        """A `responses` callback: the request takes `seconds`, then times out."""

        def answer(request):
            self.now += seconds
            raise requests.ReadTimeout("slow")

        return answer


TOO_MANY = {"code": "TOO_MANY_REQUESTS", "message": "too many requests", "status": "error"}


def test_a_429_whose_retry_after_does_not_fit_the_deadline_is_raised_at_once(store, mocked) -> None:
    time = FakeTime()
    client = client_make(store, sleep=time.sleep, monotonic=time.monotonic, deadline=20)
    mocked.get(f"{API}/Contacts/1", status=429, headers={"Retry-After": "30"}, json=TOO_MANY)

    with pytest.raises(RateLimitError) as raised:
        client.request("GET", "Contacts/1")

    assert raised.value.retry_after == 30.0
    assert time.slept == []
    assert len(mocked.calls) == 1


def test_a_429_whose_retry_after_fits_the_deadline_is_waited_for(store, mocked) -> None:
    time = FakeTime()
    client = client_make(store, sleep=time.sleep, monotonic=time.monotonic, deadline=20)
    mocked.get(f"{API}/Contacts/1", status=429, headers={"Retry-After": "5"}, json=TOO_MANY)
    mocked.get(f"{API}/Contacts/1", json=RECORD)

    assert client.request("GET", "Contacts/1").body == RECORD
    assert time.slept == [5.0]


def test_a_background_caller_may_pass_a_longer_deadline(store, mocked) -> None:
    time = FakeTime()
    client = client_make(store, sleep=time.sleep, monotonic=time.monotonic, deadline=20)
    mocked.get(f"{API}/Contacts/1", status=429, headers={"Retry-After": "30"}, json=TOO_MANY)
    mocked.get(f"{API}/Contacts/1", json=RECORD)

    assert client.request("GET", "Contacts/1", deadline=120).body == RECORD
    assert time.slept == [30.0]


def test_retries_after_timeouts_end_within_the_deadline(store, mocked) -> None:
    time = FakeTime()
    client = client_make(
        store,
        sleep=time.sleep,
        monotonic=time.monotonic,
        deadline=20,
        timeout=20,
        retry_total=3,
        retry_backoff=0.5,
    )
    started = time.now
    for _ in range(2):
        mocked.add_callback("GET", f"{API}/Contacts/1", callback=time.slow_timeout(9))

    with pytest.raises(ZohoTimeout):
        client.request("GET", "Contacts/1")

    assert time.now - started <= 20
    # Each attempt's socket timeout is cut to what was left of the deadline.
    timeouts = [call.request.req_kwargs["timeout"] for call in mocked.calls]
    assert timeouts == [20, 20 - 9 - 0.5]


def test_no_attempt_starts_once_the_deadline_has_passed(store, mocked) -> None:
    time = FakeTime()
    client = client_make(store, sleep=time.sleep, monotonic=time.monotonic, deadline=20)
    mocked.add_callback("GET", f"{API}/Contacts/1", callback=time.slow_timeout(19.5))

    with pytest.raises(ZohoTimeout):
        client.request("GET", "Contacts/1")

    assert len(mocked.calls) == 1
    assert time.slept == []


def test_a_refresh_is_refused_for_a_non_zoho_accounts_server_before_anything_is_sent(
    mocked,
) -> None:
    store = InMemoryTokenStore(tokens=tokens_make(expires_in=timedelta(minutes=-1)))
    client = client_make(store, accounts_url="http://accounts.example.test")

    with pytest.raises(UnsafeDomainError):
        client.request("GET", "Contacts/1")

    assert len(mocked.calls) == 0


def _updater_locals_shown(error: BaseException) -> str:
    """Every local of every updater frame of the traceback, as a debug error page shows them."""
    shown = []
    traceback = error.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        if "/updater/" in frame.f_code.co_filename:
            shown += [f"{name}={value!r}" for name, value in frame.f_locals.items()]
        traceback = traceback.tb_next
    return "\n".join(shown)


def test_no_updater_frame_shows_the_access_token_when_a_request_fails(client, mocked) -> None:
    mocked.get(f"{API}/Contacts/1", body=RuntimeError("boom inside the transport"))

    with pytest.raises(RuntimeError) as raised:
        client.request("GET", "Contacts/1")

    shown = _updater_locals_shown(raised.value)
    assert "all_headers=Redacted(" in shown
    assert ACCESS not in shown


def test_no_updater_frame_shows_a_secret_when_a_refresh_fails(mocked) -> None:
    store = InMemoryTokenStore(tokens=tokens_make(expires_in=timedelta(minutes=-1)))
    client = client_make(store)
    mocked.post(TOKEN_URL, body=RuntimeError("boom inside the transport"))

    with pytest.raises(RuntimeError) as raised:
        client.request("GET", "Contacts/1")

    shown = _updater_locals_shown(raised.value)
    assert "form=Redacted(" in shown
    assert SECRET not in shown
    assert REFRESH not in shown
    assert ACCESS not in shown


def test_redacted_hides_secret_values_and_keeps_the_rest() -> None:
    held = Redacted({"Authorization": f"Zoho-oauthtoken {ACCESS}", "If-Match": "abc"})

    assert held["Authorization"] == f"Zoho-oauthtoken {ACCESS}"
    assert ACCESS not in repr(held)
    assert "'If-Match': 'abc'" in repr(held)
