"""A seeded sandbox app driven in-process (no socket) for the contract tests."""

from __future__ import annotations

import pytest

from sandbox.testing import running_sandbox


@pytest.fixture(scope="module")
def sb(tmp_path_factory):
    with running_sandbox(
        db_path=tmp_path_factory.mktemp("contract") / "crm.sqlite3",
        records=40,
        discrete_page_limit=100,
    ) as handle:
        yield handle
