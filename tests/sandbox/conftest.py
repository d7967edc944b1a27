"""Shared helpers: a module-wide sandbox and a `requests` session holding a live token."""

from __future__ import annotations

import pytest
import requests

from sandbox.metadata import org
from sandbox.testing import running_sandbox


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    with running_sandbox(
        db_path=tmp_path_factory.mktemp("sb") / "crm.sqlite3", discrete_page_limit=100
    ) as handle:
        yield handle


class TimeoutSession(requests.Session):
    """A session that never waits forever on the loopback sandbox."""

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", 10)
        return super().request(method, url, **kwargs)


http = TimeoutSession()


def session_for(handle, scopes=None, user_email=None) -> requests.Session:
    tokens = handle.issue_tokens(scopes=scopes, user_email=user_email)
    session = TimeoutSession()
    session.headers["Authorization"] = f"Zoho-oauthtoken {tokens['access_token']}"
    session.base = f"{handle.url}/crm/v8"  # type: ignore[attr-defined]
    return session


@pytest.fixture(scope="module")
def api(sb):
    return session_for(sb)


@pytest.fixture(scope="module")
def reader_api(sb):
    return session_for(sb, user_email=org.READ_ONLY_EMAIL)


@pytest.fixture(scope="module")
def standard_api(sb):
    return session_for(sb, user_email=org.STANDARD_EMAIL)


def ids(api, module: str, count: int = 5, offset: int = 10) -> list[str]:
    body = api.get(f"{api.base}/{module}", params={"fields": "id", "per_page": 100}).json()
    return [r["id"] for r in body["data"][offset : offset + count]]
