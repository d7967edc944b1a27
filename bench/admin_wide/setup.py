"""Shared bench setup: Django with bench settings, an in-memory test database, a sandbox CRM on
loopback and a connected Connection to it."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.test.utils import setup_databases

    setup_databases(verbosity=0, interactive=False)


@contextlib.contextmanager
def sandbox_connection() -> Iterator[tuple[Any, Any]]:
    from sandbox.testing import running_sandbox
    from tests.fixtures.connections import connection_to

    with (
        tempfile.TemporaryDirectory() as folder,
        running_sandbox(db_path=Path(folder) / "crm.sqlite3") as handle,
    ):
        yield handle, connection_to(handle)


def staff_client() -> Any:
    from django.contrib.auth.models import User
    from django.test import Client

    user, _ = User.objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


def first_record_id(connection: Any, module: str) -> str:
    from crmadmin.zoho import client_for
    from updater.records import records_list

    page = records_list(client=client_for(connection), module=module, fields=["id"], per_page=1)
    return str(page.records[0]["id"])


def results_write(section: str, body: str) -> None:
    """Replace (or append) `## {section}` in bench/RESULTS.md, leaving other sections alone."""
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Bench results\n"
    start_marker, end_marker = f"<!-- {section}: start -->", f"<!-- {section}: end -->"
    block = f"{start_marker}\n## {section}\n\n{body.strip()}\n{end_marker}"
    if start_marker in text and end_marker in text:
        before, rest = text.split(start_marker, 1)
        text = before + block + rest.split(end_marker, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
