"""An editor finds contacts: modules, the list, live search, the next page. Screenshots included.

Zoho is played by `responses` callbacks serving 300 generated contacts (list, paging, word search),
so the pages look as they would with a real org of that size.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.core.cache import cache
from playwright.sync_api import expect

from tests.crmadmin.test_browse_helpers import (
    API,
    CONTACT_FIELDS,
    CONTACT_LAYOUTS,
    MODULES,
    connection_create,
    grant,
)
from tests.fixtures.users import PASSWORD

DASH = "\u2013"  # the en dash of "Showing 1 to 50"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = ["Ann", "Ben", "Cleo", "Dev", "Eva", "Farid", "Gus", "Hana", "Ivo", "Jun"]
LAST = ["Lee", "Okafor", "Novak", "Silva", "Brandt", "Haddad", "Moreau", "Tanaka", "Rossi"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Ltd"]
CONTACTS = [
    {
        "id": str(5_100_000_000 + n),
        "First_Name": FIRST[n % len(FIRST)],
        "Last_Name": LAST[(n * 7) % len(LAST)],
        "Email": f"{FIRST[n % len(FIRST)].lower()}.{n}@example.com",
        "Phone": f"+1 555 01{n:02d}"[:15],
        "Account_Name": {"name": COMPANIES[n % len(COMPANIES)], "id": str(900 + n % 6)},
        "Owner": {"name": "Pat Kim", "id": "1", "email": "pat@example.com"},
    }
    for n in range(300)
]


def _page(records: list[dict], page: int, per_page: int) -> tuple[int, dict, str]:
    chunk = records[(page - 1) * per_page : page * per_page]
    if not chunk:
        return 204, {}, ""
    info = {"page": page, "per_page": per_page, "count": len(chunk),
            "more_records": page * per_page < len(records), "next_page_token": None}  # fmt: skip
    return 200, {}, json.dumps({"data": chunk, "info": info})


def _params(request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(request.url).query).items()}


def list_answer(request):
    params = _params(request)
    return _page(CONTACTS, int(params.get("page", 1)), int(params.get("per_page", 200)))


def search_answer(request):
    params = _params(request)
    criteria = re.fullmatch(r"\(Email:starts_with:(.*)\)", params.get("criteria", ""))
    if criteria:
        hits = [c for c in CONTACTS if c["Email"].startswith(criteria.group(1))]
    else:
        word = params.get("word", "").lower()
        hits = [c for c in CONTACTS if word in json.dumps(c).lower()]
    return _page(hits, int(params.get("page", 1)), int(params.get("per_page", 200)))


@pytest.fixture
def fake_zoho():
    cache.clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.add_passthru(re.compile(r"http://(localhost|127\.0\.0\.1)"))
        mocked.get(f"{API}/settings/modules", json=MODULES)
        mocked.get(f"{API}/settings/fields", json=CONTACT_FIELDS)
        mocked.get(f"{API}/settings/layouts", json=CONTACT_LAYOUTS)
        mocked.add_callback(responses.GET, f"{API}/Contacts", callback=list_answer)
        mocked.add_callback(responses.GET, f"{API}/Contacts/search", callback=search_answer)
        yield mocked


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_editor_browses_contacts_searches_live_and_pages_on(
    live_server, page, screenshot, editor_user, editors_group, fake_zoho
):
    connection = connection_create("Zylker CRM")
    grant(connection, editors_group, modules="Contacts,Leads,Accounts")
    _log_in(page, live_server, "editor")

    page.goto(f"{live_server.url}/records/")
    expect(page.get_by_role("heading", name="Choose a module")).to_be_visible()
    screenshot("browse-modules")
    page.get_by_role("link", name=re.compile("^Contacts")).click()

    expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
    table = page.locator("#record-table")
    expect(table.locator("tbody tr")).to_have_count(50)
    expect(table).to_contain_text(f"Showing 1{DASH}50")
    screenshot("browse-contacts-list")

    page.get_by_label("Search contacts").press_sequentially("okafor", delay=40)
    expect(table).to_contain_text(f"Showing 1{DASH}")
    expect(table.locator("tbody tr").first).to_contain_text("Okafor")
    assert "q=okafor" in page.url  # the search is in the address, ready to share
    rows = table.locator("tbody tr")
    assert all("Okafor" in text for text in rows.all_inner_texts())
    screenshot("browse-contacts-search")

    page.get_by_label("Search contacts").fill("")
    expect(table).to_contain_text(f"Showing 1{DASH}50")
    page.get_by_role("link", name="Next →").click()
    expect(table).to_contain_text(f"Showing 51{DASH}100")
    expect(page).to_have_url(re.compile(r"page=2"))
    screenshot("browse-contacts-page-2")

    page.locator("summary", has_text="Conditions").click()
    page.get_by_label("Field").first.select_option("Email")
    page.get_by_label("Operator").first.select_option("starts_with")
    page.get_by_label("Value").first.fill("eva")
    page.get_by_role("button", name="Apply conditions").click()
    expect(table).to_contain_text(f"Showing 1{DASH}")
    table = page.locator("#record-table")
    expect(table.locator("tbody tr").first).to_contain_text("eva.")
    expect(page.locator("#criteria-c1")).to_be_visible()  # room for another condition
    screenshot("browse-contacts-criteria")

    first_record = table.locator("tbody tr a.record-link").first
    href = first_record.get_attribute("href")
    assert re.search(rf"/records/{connection.pk}/Contacts/\d+/$", href)
