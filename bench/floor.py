"""Where the time of a Contact's edit page goes, and the floor under it: thread CPU of the page's
parts (the record GET's client side, the form class, the form instance, the page render), of a
bare login-required view through the same middleware, and of Django's own rendering of the
page's inputs (``BoundField.as_widget`` for every input of the same form, nothing of ours
around it). In process (Django's test client), warm metadata, the sandbox CRM on loopback.

Run: .venv/bin/python bench/floor.py [rounds]   (writes bench/RESULTS.md)
"""

from __future__ import annotations

import argparse
import collections
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.admin_wide.setup import django_setup, first_record_id, results_write, staff_client


def _timed(spent: dict[str, list[float]], label: str, call: Callable[..., Any]) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.thread_time()
        try:
            return call(*args, **kwargs)
        finally:
            spent[label].append((time.thread_time() - start) * 1000)

    return wrapper


def main(rounds: int) -> None:
    django_setup()
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    import crmadmin.urls
    import crmadmin.views.records.edit as edit
    from crmadmin.forms.records import builder
    from sandbox.testing import running_sandbox
    from tests.fixtures.connections import connection_to

    spent: dict[str, list[float]] = collections.defaultdict(list)
    edit.record_get = _timed(spent, "record GET (client side, slot, token)", edit.record_get)
    edit.form_class_for = _timed(
        spent, "form class (metadata, kept per process)", edit.form_class_for
    )
    edit.render = _timed(spent, "page render (shell, rows, widgets)", edit.render)
    form_init = builder.RecordForm.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        start = time.thread_time()
        form_init(self, *args, **kwargs)
        spent["form instance (Django copies its fields)"].append(
            (time.thread_time() - start) * 1000
        )

    builder.RecordForm.__init__ = init

    @login_required
    def bare(request: Any) -> HttpResponse:
        return HttpResponse("ok")

    crmadmin.urls.urlpatterns.insert(0, path("__bench_bare__/", bare))
    clear_url_caches()

    with (
        tempfile.TemporaryDirectory() as folder,
        running_sandbox(db_path=Path(folder) / "crm.sqlite3", records=300) as handle,
    ):
        connection = connection_to(handle)
        client = staff_client()
        url = f"/records/{connection.pk}/Contacts/{first_record_id(connection, 'Contacts')}/"
        for _ in range(5):
            client.get(url)
            client.get("/__bench_bare__/")
        spent.clear()
        for _ in range(rounds):
            start = time.thread_time()
            client.get(url)
            spent["whole open"].append((time.thread_time() - start) * 1000)
            start = time.thread_time()
            client.get("/__bench_bare__/")
            spent["bare login-required view"].append((time.thread_time() - start) * 1000)

        # Django's own widget rendering of the same inputs: the form of the page, bound to the
        # record, every input rendered by BoundField.as_widget (no row, label or help around it).
        from crmadmin.forms.records.loading import form_class_for
        from crmadmin.zoho import client_for
        from updater.records import record_get

        zoho = client_for(connection)
        record = record_get(
            client=zoho, module="Contacts", record_id=url.rstrip("/").split("/")[-1]
        )
        form_class = form_class_for(
            connection=connection,
            client=zoho,
            module="Contacts",
            layout_id=str((record.get("Layout") or {}).get("id") or ""),
        )
        form = form_class(salt="bench", record=record)
        names = [name for section in form.sections for name in section.names]
        # Django's own widget classes only (django.forms), none of the project's: a floor that
        # no faster row, label or widget of ours could lower.
        django_names = [
            name
            for name in names
            if type(form.fields[name].widget).__module__ == "django.forms.widgets"
        ]
        widgets: list[float] = []
        django_widgets: list[float] = []
        for _ in range(rounds):
            start = time.thread_time()
            for name in names:
                form[name].as_widget()
            widgets.append((time.thread_time() - start) * 1000)
            start = time.thread_time()
            for name in django_names:
                form[name].as_widget()
            django_widgets.append((time.thread_time() - start) * 1000)
    report(rounds, spent, widgets, len(names), django_widgets, len(django_names))


def report(
    rounds: int,
    spent: dict[str, list[float]],
    widgets: list[float],
    inputs: int,
    django_widgets: list[float],
    django_inputs: int,
) -> None:
    order = [
        "whole open",
        "page render (shell, rows, widgets)",
        "record GET (client side, slot, token)",
        "form instance (Django copies its fields)",
        "form class (metadata, kept per process)",
        "bare login-required view",
    ]
    lines = [
        f"A Contact's edit page, warm metadata, {rounds} rounds, thread CPU medians (the sandbox "
        "answers from its own threads, so this is crmadmin's work and the client side of its "
        "HTTP call).\n",
        "| part | median ms | p90 ms |",
        "|---|---|---|",
    ]
    for label in order:
        values = spent[label]
        p90 = statistics.quantiles(values, n=10)[-1]
        lines.append(f"| {label} | {statistics.median(values):.1f} | {p90:.1f} |")
    per_input = statistics.median(widgets) / inputs * 1000
    lines.append(
        f"| Django's own `as_widget` for the page's {inputs} inputs, nothing around them | "
        f"{statistics.median(widgets):.1f} | {statistics.quantiles(widgets, n=10)[-1]:.1f} |"
    )
    lines.append(
        f"| the same for the {django_inputs} inputs whose widget is Django's own "
        "(`django.forms.widgets`), none of ours | "
        f"{statistics.median(django_widgets):.1f} | "
        f"{statistics.quantiles(django_widgets, n=10)[-1]:.1f} |"
    )
    floor = statistics.median(django_widgets) + statistics.median(spent["bare login-required view"])
    lines.append(
        f"\nDjango's widget rendering alone costs {per_input:.0f} µs per input here. Django's own "
        f"widgets of the page plus the bare request: {floor:.1f} ms, the floor of this page "
        "even if every row, label, widget and API call of ours cost nothing. "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} "
        "UTC. Rerun: `.venv/bin/python bench/floor.py [rounds]`."
    )
    body = "\n".join(lines)
    print(body)
    results_write("Edit page: where the time goes, and the floor (bench/floor.py)", body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("rounds", nargs="?", type=int, default=40)
    main(parser.parse_args().rounds)
