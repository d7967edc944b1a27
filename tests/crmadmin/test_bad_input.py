"""Input that used to be a 500 (issue #11.9, #11.10, #11.13, #11.14): date-times at the ends of
the range, a bulk-link cell past the csv module's limit, an unknown module in the URL, digits of
other scripts in numbers and control characters in names. Each is refused next to its input (or
is a 404), and nothing reaches Zoho. Against the sandbox CRM over loopback."""

from __future__ import annotations

import html as html_lib
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from crmadmin.datatypes import form_field_for
from crmadmin.forms.records.types import FormContext
from tests.crmadmin.record_support import field, field_row, form_data
from updater.metadata.parse import field_from_json

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

RANGE_ENDS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
OUT_OF_RANGE = "Enter a date and time between the years 0001 and 9999"
NOT_ASCII = "Type the number with the digits 0 to 9"
CONTROL = "Remove the control characters"


@pytest.fixture
def client(editor_user):
    """Server errors come back as 500 pages instead of raising in the test."""
    client = Client(raise_request_exception=False)
    client.force_login(editor_user)
    return client


@pytest.fixture
def contact(client, shared_sandbox_connection):
    """The edit URL and the form as a browser would post it, for the first seeded contact."""
    connection = shared_sandbox_connection
    listing = client.get(f"/records/{connection.pk}/Contacts/", {"per_page": "10"})
    record_id = re.findall(
        r'href="/records/\d+/Contacts/(\d+)/" class="record-link"', listing.content.decode()
    )[0]
    url = f"/records/{connection.pk}/Contacts/{record_id}/"
    return url, client.get(url).content.decode()


def puts(sandbox) -> int:
    return sum(n for key, n in sandbox.app.requests_served.items() if key.startswith("PUT "))


def refused_next_to(response, api_name: str, words: str) -> str:
    page = response.content.decode()
    row = html_lib.unescape(field_row(page, api_name))
    assert words in row, row
    assert 'class="field-error"' in row and 'aria-invalid="true"' in row
    return row


# -- #11.9: date-times at the ends of the range ----------------------------------------------


@pytest.mark.parametrize("typed", RANGE_ENDS)
def test_a_datetime_at_the_end_of_the_range_is_refused_next_to_the_field(
    client, contact, shared_sandbox, typed
):
    url, page = contact
    before = puts(shared_sandbox)
    data = form_data(page, Last_Contacted=typed)

    saved = client.post(url, data)
    checked = client.post(url + "field/Last_Contacted/", data)

    assert saved.status_code == 422
    assert refused_next_to(saved, "Last_Contacted", OUT_OF_RANGE)
    assert checked.status_code == 200
    assert refused_next_to(checked, "Last_Contacted", OUT_OF_RANGE)
    assert puts(shared_sandbox) == before


def test_a_datetime_inside_the_range_still_cleans_to_the_orgs_offset():
    meta = field_from_json(field("Call_Time", "datetime"))
    context = FormContext(connection_id=1, time_zone=ZoneInfo("Asia/Kolkata"))
    form_field = form_field_for(meta, context, required=False)

    assert form_field.clean("2024-01-15T15:26:49").isoformat() == "2024-01-15T15:26:49+05:30"
    assert form_field.clean("0002-01-01T00:00:00").year == 2


# -- #11.14: ASCII digits in numbers, no control characters in names ---------------------------


@pytest.mark.parametrize(
    ("api_name", "typed"),
    [
        ("Customer_Number", "\u0663\u0663"),  # bigint: Arabic-Indic digits
        ("Loyalty_Points", "\u0663\u0663"),  # integer
        ("Credit_Score", "\uff11\uff12"),  # double: full-width digits
        ("Lifetime_Value", "\u0663.\u0665"),  # currency
    ],
)
def test_numbers_take_ascii_digits_only(client, contact, shared_sandbox, api_name, typed):
    url, page = contact
    before = puts(shared_sandbox)
    data = form_data(page, **{api_name: typed})

    saved = client.post(url, data)
    checked = client.post(url + f"field/{api_name}/", data)

    assert saved.status_code == 422
    assert refused_next_to(saved, api_name, NOT_ASCII)
    assert refused_next_to(checked, api_name, NOT_ASCII)
    assert puts(shared_sandbox) == before


@pytest.mark.parametrize("typed", ["Doe\x00", "Do\x1be", "Doe\n", "Doe\x7f"])
def test_names_refuse_control_characters(client, contact, shared_sandbox, typed):
    url, page = contact
    before = puts(shared_sandbox)

    saved = client.post(url, form_data(page, Last_Name=typed))

    assert saved.status_code == 422
    assert refused_next_to(saved, "Last_Name", CONTROL)
    assert puts(shared_sandbox) == before


# -- #11.13: an unknown module in the URL ----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "Nope/"),
        ("get", "Nope/123/"),
        ("post", "Nope/123/"),
        ("post", "Nope/123/field/Last_Name/"),
    ],
)
def test_an_unknown_module_in_the_url_is_a_404(client, shared_sandbox_connection, method, path):
    response = getattr(client, method)(f"/records/{shared_sandbox_connection.pk}/{path}")

    assert response.status_code == 404


def test_a_bulk_change_of_an_unknown_module_is_a_404(
    client, shared_sandbox_connection, editors_group
):
    from django.contrib.auth.models import Permission

    editors_group.permissions.add(Permission.objects.get(codename="run_bulk_job"))
    url = f"/jobs/new/{shared_sandbox_connection.pk}/Nope/"

    assert client.get(url, {"ids": "1"}).status_code == 404


def test_the_lookup_of_an_unknown_module_says_so_with_a_404(staff_client, shared_sandbox):
    from tests.fixtures.connections import connection_to

    connection = connection_to(shared_sandbox, name="Staff's")
    response = staff_client.get(f"/records/{connection.pk}/Nope/lookup/", {"q": "a"})

    assert response.status_code == 404
    assert 'class="lookup-note"' in response.content.decode()


# -- #11.10: a bulk-link cell past the csv module's limit ------------------------------------

LONG_CELL = "x" * 131_073


def bulk_post(client, connection, **data):
    form = {
        "connection": connection.pk,
        "contact_field": "External_Contact_ID",
        "deal_field": "External_Deal_ID",
        "pairs": "",
        **data,
    }
    return client.post("/links/bulk/", form)


@pytest.mark.parametrize("how", ["paste", "upload"])
@pytest.mark.parametrize(
    "text",
    [f"extcontact3,{LONG_CELL}\n", f'extcontact3,"{LONG_CELL}\n', f"{LONG_CELL[:300]},extdeal1\n"],
    ids=["past-the-csv-limit", "unclosed-quote", "longer-than-an-external-id"],
)
def test_a_bulk_link_cell_too_long_is_refused_next_to_the_input(
    client, shared_sandbox_connection, shared_sandbox, how, text
):
    before = puts(shared_sandbox)
    if how == "paste":
        response = bulk_post(client, shared_sandbox_connection, pairs=text)
    else:
        upload = SimpleUploadedFile("pairs.csv", text.encode())
        response = bulk_post(client, shared_sandbox_connection, upload=upload)

    name = "pairs" if how == "paste" else "upload"
    page = response.content.decode()
    start = page.index(f'id="field-{name}"')
    assert response.status_code == 422
    assert "Line 1: a cell is longer than 255 characters" in html_lib.unescape(
        page[start : page.index("</div>", page.index("field-error", start))]
    )
    assert puts(shared_sandbox) == before
