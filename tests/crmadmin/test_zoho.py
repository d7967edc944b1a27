"""crmadmin.zoho: the token store over the Connection row, the client factory, the cache adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import responses
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from responses import matchers

from crmadmin.models import ApiCallLog, Connection
from crmadmin.zoho import (
    ConnectionTokenStore,
    DjangoMetadataCache,
    calls_flush,
    calls_shown,
    client_for,
    metadata_options,
)
from updater.errors import InvalidCodeError, TokenThrottledError

ACCOUNTS = "https://accounts.example.test"
API = "https://api.example.test"
TOKEN_URL = f"{ACCOUNTS}/oauth/v2/token"


@pytest.fixture
def expired_connection(db):
    return Connection.objects.create(
        name="Test org",
        data_centre=Connection.DataCentre.CUSTOM,
        accounts_server=ACCOUNTS,
        api_domain=API,
        client_id="1000.CLIENT",
        client_secret="client-secret-value",
        scopes="ZohoCRM.modules.ALL,ZohoCRM.org.READ",
        refresh_token="1000.refresh-token-value",
        access_token="1000.old-access-token",
        access_token_expires_at=timezone.now() - timedelta(minutes=1),
        status=Connection.Status.CONNECTED,
    )


def _token_answer(**body):
    responses.post(
        TOKEN_URL,
        json=body,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "client_id": "1000.CLIENT",
                    "client_secret": "client-secret-value",
                    "refresh_token": "1000.refresh-token-value",
                }
            )
        ],
    )


def test_raw_row_holds_no_plain_token_or_secret(expired_connection):
    with db.cursor() as cursor:
        cursor.execute("SELECT client_secret, refresh_token, access_token FROM crmadmin_connection")
        row = " ".join(cursor.fetchone())
    for secret in ("client-secret-value", "refresh-token-value", "old-access-token"):
        assert secret not in row
    assert expired_connection.refresh_token == "1000.refresh-token-value"


@responses.activate
def test_expired_token_is_refreshed_once_and_stored_encrypted(expired_connection):
    _token_answer(access_token="1000.new-access", api_domain=API, expires_in=3600)
    responses.get(
        f"{API}/crm/v8/org",
        json={"org": [{"id": "1", "company_name": "Acme", "time_zone": "Europe/Berlin"}]},
        match=[matchers.header_matcher({"Authorization": "Zoho-oauthtoken 1000.new-access"})],
    )

    client_for(expired_connection).request("GET", "org")

    expired_connection.refresh_from_db()
    assert expired_connection.access_token == "1000.new-access"
    assert expired_connection.access_token_expires_at > timezone.now() + timedelta(minutes=50)
    assert expired_connection.last_refresh_at is not None
    assert expired_connection.last_success_at is not None
    assert ApiCallLog.objects.get(connection=expired_connection).calls == 1


@responses.activate
def test_throttled_refresh_marks_connection_throttled_with_reason(expired_connection):
    _token_answer(
        error="Access Denied",
        error_description="You have made too many requests continuously.",
        status="failure",
    )

    with pytest.raises(TokenThrottledError):
        client_for(expired_connection).request("GET", "org")

    expired_connection.refresh_from_db()
    assert expired_connection.status == Connection.Status.THROTTLED
    assert "Too many Zoho sign-ins" in expired_connection.last_error
    assert expired_connection.last_error_at is not None
    assert expired_connection.refresh_token  # a throttle is temporary: keep the refresh token


@responses.activate
def test_revoked_refresh_token_marks_connection_needs_reconnect(expired_connection):
    _token_answer(error="invalid_code")

    with pytest.raises(InvalidCodeError):
        client_for(expired_connection).request("GET", "org")

    expired_connection.refresh_from_db()
    assert expired_connection.status == Connection.Status.NEEDS_RECONNECT
    assert "revoked" in expired_connection.last_error
    assert "1000.refresh-token-value" not in expired_connection.last_error
    assert expired_connection.access_token == ""


def test_refresh_lock_refuses_a_connection_without_refresh_token(expired_connection):
    expired_connection.refresh_token = ""
    expired_connection.save()
    store = ConnectionTokenStore(connection_id=expired_connection.pk)

    with pytest.raises(InvalidCodeError, match="no refresh token"), store.refresh_lock():
        pass


def test_refresh_lock_yields_the_tokens_stored_by_the_worker_before(expired_connection):
    store = ConnectionTokenStore(connection_id=expired_connection.pk)
    later = datetime.now(UTC) + timedelta(hours=1)
    ConnectionTokenStore(connection_id=expired_connection.pk).save_access_token(
        access_token="1000.from-other-worker", expires_at=later, api_domain=API
    )

    with store.refresh_lock() as tokens:
        assert tokens.access_token == "1000.from-other-worker"
        assert tokens.expires_at == later


def test_record_call_counts_calls_per_day_in_the_cache_and_writes_them_in_batches(
    expired_connection, django_assert_num_queries
):
    store = ConnectionTokenStore(connection_id=expired_connection.pk)
    store.record_call()  # the first call of an interval writes what is counted
    with django_assert_num_queries(0):  # the next ones write nothing
        store.record_call()
        store.record_call()

    assert ApiCallLog.objects.get(connection=expired_connection).calls == 1
    assert calls_shown(Connection.objects.get(pk=expired_connection.pk)).calls_today == 3
    calls_flush(expired_connection.pk)
    assert ApiCallLog.objects.get(connection=expired_connection).calls == 3


def test_a_full_batch_of_calls_is_written_at_once(expired_connection, settings):
    settings.ZOHO_CALLS_FLUSH_BATCH = 5
    store = ConnectionTokenStore(connection_id=expired_connection.pk)
    for _ in range(6):
        store.record_call()

    assert ApiCallLog.objects.get(connection=expired_connection).calls == 6


@responses.activate
def test_a_read_writes_nothing_and_the_last_success_shows_before_it_is_written(
    expired_connection, django_assert_num_queries
):
    Connection.objects.filter(pk=expired_connection.pk).update(
        access_token_expires_at=timezone.now() + timedelta(hours=1)
    )
    expired_connection.refresh_from_db()  # as a view reads it
    responses.get(f"{API}/crm/v8/org", json={"org": [{"id": "1"}]})
    client = client_for(expired_connection)
    client.request("GET", "org")  # the interval's first call writes
    earlier = Connection.objects.get(pk=expired_connection.pk).last_success_at

    with CaptureQueriesContext(db) as queries:
        client.request("GET", "org")

    written = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    # Without a shared cache the budget governor keeps its slots and credits in the database
    # (crmadmin/budget.py); the call log and the last success are not written.
    assert [sql for sql in written if "apilease" not in sql and "apiusagehour" not in sql] == []
    shown = calls_shown(Connection.objects.get(pk=expired_connection.pk))
    assert shown.last_success_at > earlier
    assert shown.calls_today == 2


@responses.activate
def test_the_first_call_uses_the_tokens_of_the_row_the_view_read_later_calls_read_it_again(
    expired_connection,
):
    Connection.objects.filter(pk=expired_connection.pk).update(
        access_token_expires_at=timezone.now() + timedelta(hours=1)
    )
    row = Connection.objects.get(pk=expired_connection.pk)  # as the view's grant check reads it
    org = responses.get(f"{API}/crm/v8/org", json={"org": [{"id": "1"}]})
    client = client_for(row)

    def token_reads() -> int:
        with CaptureQueriesContext(db) as queries:
            client.request("GET", "org")
        sql = [q["sql"] for q in queries]
        return sum(1 for q in sql if q.startswith("SELECT") and "crmadmin_connection" in q)

    assert token_reads() == 0
    # Another process stores a new token: the next call reads the row and sends it.
    Connection.objects.filter(pk=row.pk).update(access_token="another-process-token")
    assert token_reads() == 1
    assert org.calls[-1].request.headers["Authorization"] == "Zoho-oauthtoken another-process-token"


def test_metadata_options_use_a_per_connection_prefix_and_django_cache(expired_connection):
    options = metadata_options(expired_connection)
    options["cache"].set("zoho:test", ["a"], 60)

    assert options["cache_key_prefix"] == f"zoho:conn:{expired_connection.pk}"
    assert isinstance(options["cache"], DjangoMetadataCache)
    assert DjangoMetadataCache().get("zoho:test") == ["a"]


def test_metadata_kept_in_the_process_is_read_afresh_after_another_process_changes_it():
    from django.core.cache import cache

    DjangoMetadataCache().set("zoho:kept", ["old"], 60)
    assert DjangoMetadataCache().get("zoho:kept") == ["old"]  # from the process, no unpickling

    # Another process refreshes the answer (a new value and stamp in the shared cache) ...
    cache.set_many({"zoho:kept": ["new"], "zoho:kept:stamp": "other-process"}, 60)
    assert DjangoMetadataCache().get("zoho:kept") == ["new"]
    # ... or deletes it (the refresh button).
    cache.delete_many(["zoho:kept", "zoho:kept:stamp"])
    assert DjangoMetadataCache().get("zoho:kept") is None


def test_client_for_ends_a_request_within_the_deadline_setting(
    expired_connection, settings
) -> None:
    settings.ZOHO_REQUEST_DEADLINE_SECONDS = 12.5

    client = client_for(expired_connection)

    assert client.deadline == 12.5
    assert client_for(expired_connection, deadline=300).deadline == 300
