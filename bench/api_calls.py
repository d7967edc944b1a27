"""API calls to open and save a record through the edit form, against the sandbox on loopback,
for every module the sandbox seeds: cold (empty metadata cache) and warm.
Run: .venv/bin/python bench/api_calls.py"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.admin_wide.setup import (
    django_setup,
    first_record_id,
    results_write,
    sandbox_connection,
    staff_client,
)


def calls_made(connection) -> int:
    from django.db.models import Sum

    from crmadmin.zoho import calls_flush

    calls_flush(connection.pk)  # the counts are kept in the cache and written in batches
    return connection.call_days.aggregate(total=Sum("calls"))["total"] or 0


def open_and_save(client, connection, url: str, field: str, value: str) -> tuple[int, int]:
    before = calls_made(connection)
    page = client.get(url).content.decode()
    opened = calls_made(connection)
    from tests.crmadmin.record_support import form_data

    response = client.post(url, form_data(page, **{field: value}))
    assert "Saved. Changed" in response.content.decode(), response.content.decode()[:2000]
    return opened - before, calls_made(connection) - opened


# The text field changed in each module the sandbox seeds (its name field, or Last_Name where
# the name is Zoho's read-only Full_Name).
SAVED_FIELD = {
    "Leads": "Last_Name",
    "Contacts": "Last_Name",
    "Accounts": "Account_Name",
    "Deals": "Deal_Name",
    "Calls": "Subject",
    "Events": "Event_Title",
    "Products": "Product_Name",
    "Listings": "Name",
    "Wide_Module": "Name",
}


def seeded_modules(connection) -> list[str]:
    """Every module crmadmin offers for editing in the sandbox's org: the bench must cover
    them all, so a module seeded later fails here until it has its field."""
    from crmadmin.services.browse import editable_modules
    from crmadmin.zoho import client_for, metadata_options
    from updater.metadata import modules_list

    modules = modules_list(client=client_for(connection), **metadata_options(connection))
    names = sorted(module.api_name for module in editable_modules(modules, None))
    missing = set(names) - set(SAVED_FIELD)
    assert not missing, f"no field to save in {sorted(missing)}: add it to SAVED_FIELD"
    return names


def main() -> None:
    django_setup()
    from django.core.cache import cache

    rows = []
    worst_cold = 0
    with sandbox_connection() as (_, connection):
        client = staff_client()
        for module in seeded_modules(connection):
            field = SAVED_FIELD[module]
            url = f"/records/{connection.pk}/{module}/{first_record_id(connection, module)}/"
            cache.clear()
            cold = open_and_save(client, connection, url, field, "Cold save")
            warm = open_and_save(client, connection, url, field, "Warm save")
            worst_cold = max(worst_cold, cold[0])
            rows.append(f"| {module} | cold | {cold[0]} | {cold[1]} | {sum(cold)} |")
            rows.append(f"| {module} | warm | {warm[0]} | {warm[1]} | **{sum(warm)}** |")
    body = (
        "Calls counted by the connection's ApiCallLog (every HTTP request to the CRM API), "
        "sandbox on loopback; every module the sandbox seeds, one text field changed and saved. "
        f"The costliest cold open: **{worst_cold}** calls (issue #16: at most 3).\n\n"
        "| module | metadata | open (GET) | save (PUT) | total |\n|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\n"
        "Cold open = record GET + layouts (Zoho's layouts answer carries each layout field as "
        "the full field object, so the form needs no fields call) + one fields call per subform "
        "module (Contacts and Deals have one). The org's users are not fetched to open a form: "
        "owner and user fields show the user the record names and search the users only when "
        "someone types in them (the lookup picker). The module's fields answer is read only on "
        "a save Zoho refuses for a field the layout hides (MANDATORY_NOT_FOUND: the form then "
        'shows it under "Zoho also needs"). The org\'s time zone is stored on the connection '
        "(one `GET /org` only if it is missing). A save sends its PUT and then re-reads the "
        "record (+1 GET, issue #10.2: the page shows what Zoho holds); the form carries the "
        "loaded values and Modified_Time, signed, so nothing is read before the PUT; a conflict "
        "(412) costs one extra GET.\n"
        "Rerun: `.venv/bin/python bench/api_calls.py`."
    )
    print(body)
    results_write("Record edit API calls (bench/api_calls.py)", body)


if __name__ == "__main__":
    main()
