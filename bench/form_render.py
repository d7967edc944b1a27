"""Server time to render the edit form of the ~300-field Wide_Module (warm metadata, sandbox on
loopback) next to Django admin's change view of an equivalent 300-field model, in one process,
interleaved. Run: .venv/bin/python bench/form_render.py [renders]  (writes bench/RESULTS.md)."""

from __future__ import annotations

import datetime as dt
import platform
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.admin_wide.setup import (
    django_setup,
    first_record_id,
    results_write,
    sandbox_connection,
    staff_client,
)

SAMPLE = {
    "text": "Some text",
    "integer": 42,
    "double": Decimal("12.5"),
    "currency": Decimal("99.90"),
    "percent": Decimal("5"),
    "boolean": True,
    "date": dt.date(2024, 1, 15),
    "datetime": dt.datetime(2024, 1, 15, 10, 0, tzinfo=dt.UTC),
    "picklist": "English",
    "multiselectpicklist": ["English", "Korean"],
    "email": "a@example.com",
    "phone": "+1 555",
    "website": "https://example.com",
    "textarea": "Line one\nline two",
    "bigint": 12345678901,
    "decimal": Decimal("1.25"),
}


def admin_record():
    from django.contrib.auth.models import User

    from bench.admin_wide.models import WIDE_TYPES, Account, WideRecord

    accounts = [Account.objects.create(name=f"Account {i}") for i in range(20)]
    user = User.objects.get(username="bench")
    values = {"name": "Wide record"}
    for i in range(1, 300):
        kind = WIDE_TYPES[i % len(WIDE_TYPES)]
        name = f"field_{i:03d}"
        if kind == "lookup":
            values[name] = accounts[i % 20]
        elif kind == "userlookup":
            values[name] = user
        else:
            values[name] = SAMPLE[kind]
    return WideRecord.objects.create(**values)


def timed(client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed * 1000


def main(renders: int = 40) -> None:
    django_setup()
    with sandbox_connection() as (_, connection):
        client = staff_client()
        ours_url = f"/records/{connection.pk}/Wide_Module/"
        ours_url += f"{first_record_id(connection, 'Wide_Module')}/"
        admin_url = f"/admin/admin_wide/widerecord/{admin_record().pk}/change/"
        fields = client.get(ours_url).content.decode().count('<div class="field')  # warms metadata
        client.get(admin_url)
        ours, admin = [], []
        for _ in range(renders):
            ours.append(timed(client, ours_url))
            admin.append(timed(client, admin_url))
    ours_median, admin_median = statistics.median(ours), statistics.median(admin)
    ratio = ours_median / admin_median
    summary = (
        f"Edit form of Wide_Module ({fields} field rows), {renders} renders each, interleaved, "
        f"one process, warm metadata, sandbox on loopback (the record GET included).\n\n"
        f"| view | median ms | p90 ms |\n|---|---|---|\n"
        f"| crmadmin record edit (GET record + render) | {ours_median:.1f} | "
        f"{statistics.quantiles(ours, n=10)[-1]:.1f} |\n"
        f"| Django admin change view, 300-field model | {admin_median:.1f} | "
        f"{statistics.quantiles(admin, n=10)[-1]:.1f} |\n\n"
        f"Ratio ours/admin: **{ratio:.2f}** ({'within' if ratio <= 1 else 'OVER'} budget). "
        f"Python {platform.python_version()}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. "
        f"Rerun: `.venv/bin/python bench/form_render.py`."
    )
    print(summary)
    results_write("Record edit form render time (bench/form_render.py)", summary)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
