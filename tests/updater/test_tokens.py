from __future__ import annotations

from datetime import timedelta

from tests.updater.conftest import ACCESS, NOW, REFRESH, tokens_make
from updater.errors import InvalidCodeError
from updater.tokens import InMemoryTokenStore


def test_in_memory_store_saves_a_new_access_token_and_keeps_the_refresh_token() -> None:
    store = InMemoryTokenStore(tokens=tokens_make())

    store.save_access_token(
        access_token="fake-new",
        expires_at=NOW + timedelta(hours=2),
        api_domain="https://www.zohoapis.eu",
    )

    tokens = store.load()
    assert (tokens.access_token, tokens.refresh_token) == ("fake-new", REFRESH)
    assert tokens.api_domain == "https://www.zohoapis.eu"


def test_refresh_lock_yields_the_tokens_read_under_the_lock() -> None:
    store = InMemoryTokenStore(tokens=tokens_make())

    with store.refresh_lock() as tokens:
        assert tokens.access_token == ACCESS


def test_in_memory_store_counts_calls_and_remembers_refresh_failures() -> None:
    store = InMemoryTokenStore(tokens=tokens_make())
    failure = InvalidCodeError(error="invalid_code", message="revoked")

    store.record_call()
    store.mark_refresh_failed(error=failure)

    assert store.calls_recorded == 1
    assert store.refresh_failure is failure


def test_tokens_repr_hides_both_tokens() -> None:
    text = repr(tokens_make())

    assert ACCESS not in text and REFRESH not in text
