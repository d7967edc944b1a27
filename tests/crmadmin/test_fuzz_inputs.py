"""Property-based proof (issue #11, "Proof"): generated values for every input of every data type
of the seeded modules, posted to the edit form (save and per-field check), the link form and the
bulk-link form of a sandbox CRM. Never a 500; a refused value gets its message next to the input.

Bounded: a few dozen examples per form, so the file runs in well under a minute.
"""

from __future__ import annotations

import re
import string

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.crmadmin.record_support import field_row, form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same inputs on every run: a failure is reproducible in CI
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PER_TYPE = settings(FUZZ, max_examples=6)  # x 24 data types
SEEDED_MODULES = ["Contacts", "Leads", "Deals", "Accounts", "Products", "Listings", "Calls"]
INPUT_NAME = re.compile(r'<(?:input|select|textarea)[^>]* name="([^"]+)"')
NOT_INPUTS = {"csrfmiddlewaretoken", "crm_state", "discard", "add_row"}

# Text a person (or a probe) might type: any character but lone surrogates, which no browser
# can send in UTF-8.
TYPED = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)
EDGES = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-0",
        "1e309",
        "NaN",
        "Infinity",
        "9" * 40,
        "-9223372036854775809",
        "\u0663\u0663",  # Arabic-Indic digits
        "\uff11\uff12",  # full-width digits
        "1,5",
        "0.000000000001",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "0000-00-00",
        "2024-02-30",
        "2024-01-15T25:61:61",
        "Doe\x00",
        "Do\x1be",
        "line\nbreak",
        "=cmd|' /C calc'!A0",
        "<script>alert(1)</script>",
        "x" * 5000,
        "1" * 30,
        "123,456,abc",
    ]
)
VALUES = st.one_of(
    TYPED,
    EDGES,
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.datetimes().map(lambda value: value.isoformat()),
    st.text(string.digits + "-+.eE", max_size=30),
)


@pytest.fixture
def client(editor_user):
    client = Client(raise_request_exception=False)
    client.force_login(editor_user)
    return client


# Every data type with an input on the seeded modules' edit forms (checked by the fixture, so a
# type added to the sandbox fails here until it is fuzzed too).
SEEDED_TYPES = [
    "bigint",
    "boolean",
    "currency",
    "date",
    "datetime",
    "decimal",
    "double",
    "email",
    "fileupload",
    "imageupload",
    "integer",
    "lookup",
    "multiselectlookup",
    "multiselectpicklist",
    "multiuserlookup",
    "ownerlookup",
    "percent",
    "phone",
    "picklist",
    "subform",
    "text",
    "textarea",
    "userlookup",
    "website",
]


@pytest.fixture(scope="module")
def crm(tmp_path_factory):
    """One sandbox for the file: the examples' saves pile up in it, as a real org's would."""
    from sandbox.testing import running_sandbox

    with running_sandbox(db_path=tmp_path_factory.mktemp("fuzz") / "crm.sqlite3") as handle:
        yield handle


@pytest.fixture
def connection(crm, editors_group):
    from tests.fixtures.connections import connection_to, grant_to_editors

    connection = connection_to(crm, name="Fuzz")
    grant_to_editors(connection, editors_group)
    return connection


# data_type → [(module, record id, input name)], found once for the file.
INPUTS_BY_TYPE: dict[str, list[tuple[str, str, str]]] = {}


@pytest.fixture
def inputs_by_type(client, connection):
    """data_type → [(edit URL, input name)] over one record of each seeded module."""
    from crmadmin.zoho import client_for, metadata_options
    from updater.metadata import fields_list

    base = f"/records/{connection.pk}"
    if not INPUTS_BY_TYPE:
        zoho, options = client_for(connection), metadata_options(connection)
        for module in SEEDED_MODULES:
            listing = client.get(f"{base}/{module}/", {"per_page": "10"}).content.decode()
            ids = re.findall(rf'href="{base}/{module}/(\d+)/" class="record-link"', listing)
            metas = fields_list(client=zoho, module=module, **options)
            types = {meta.api_name: meta.data_type for meta in metas}
            for record_id in ids[:4]:  # a few records: files only have inputs where there are some
                page = client.get(f"{base}/{module}/{record_id}/").content.decode()
                for name in dict.fromkeys(re.findall(INPUT_NAME, page)):
                    cell = re.match(r"^(\w+)-\d+-\w+$", name)
                    owner = cell.group(1) if cell else api_name_of(name)
                    if name not in NOT_INPUTS and owner in types:
                        found = INPUTS_BY_TYPE.setdefault(types[owner], [])
                        found.append((module, record_id, name))
    assert sorted(INPUTS_BY_TYPE) == SEEDED_TYPES
    return {
        data_type: [(f"{base}/{module}/{record_id}/", name) for module, record_id, name in found]
        for data_type, found in INPUTS_BY_TYPE.items()
    }


def api_name_of(name: str) -> str:
    """The form row an input belongs to: `X_label`, `X__add`, `X__append` are parts of X."""
    name = re.sub(r"_label$", "", name)
    return re.sub(r"__(add|remove|append)$", "", name)


def refusals_sit_next_to_their_inputs(page: str, name: str) -> bool:
    """Every field the error summary names shows its message in its own row (the fuzzed input,
    or another one: a seeded record may lack a value its layout requires); a refusal of the
    whole record sits at the top. An empty refusal is a failure."""
    summary = page[page.index('id="error-summary"') :] if 'id="error-summary"' in page else ""
    listed = re.findall(r'<li><a href="#field-([^"]+)">', summary[: summary.find("</div>")])
    if 'class="record-error"' in summary:
        return True
    if not listed:
        return False
    own = api_name_of(name)
    if own in listed and f'id="field-{own}"' in page:
        assert 'class="field-error"' in field_row(page, own)
    return all('class="field-error"' in field_row(page, listed_name) for listed_name in listed)


def notices(page: str) -> list[str]:
    """The page's messages, for a failing example's report."""
    found = re.findall(r'class="(?:msg[^"]*|record-error|field-error)"[^>]*>(.*?)</', page, re.S)
    return [re.sub(r"<[^>]+>", " ", text).strip() for text in found]


@pytest.mark.parametrize("data_type", SEEDED_TYPES)
@given(data=st.data())
@PER_TYPE
def test_the_edit_form_never_fails_on_any_value_of_any_type(
    client, inputs_by_type, data, data_type
):
    url, name = data.draw(st.sampled_from(inputs_by_type[data_type]), label="input")
    value = data.draw(VALUES, label="value")
    posted = form_data(client.get(url).content.decode())

    saved = client.post(url, {**posted, name: [value]})
    checked = client.post(url + f"field/{api_name_of(name)}/", {**posted, name: [value]})

    assert saved.status_code in (200, 409, 422), saved.content[:3000]
    assert checked.status_code in (200, 204, 404), checked.content[:3000]
    if saved.status_code == 422:
        page = saved.content.decode()
        assert refusals_sit_next_to_their_inputs(page, name), (name, value, notices(page))


LINK_INPUTS = st.fixed_dictionaries(
    {
        "contact_by": st.sampled_from(["external", "id", "other"]),
        "contact_field": st.sampled_from(["External_Contact_ID", "Email", ""]),
        "contact_value": VALUES,
        "deal_field": st.sampled_from(["External_Deal_ID", "Nope"]),
        "deals": st.one_of(
            VALUES,
            st.lists(st.tuples(VALUES, VALUES), max_size=5).map(
                lambda rows: "\n".join(f"{a}, {b}" for a, b in rows)
            ),
        ),
        "action": st.sampled_from(["preview", "confirm"]),
        "previewed": st.one_of(st.just(""), TYPED),
    }
)


@given(inputs=LINK_INPUTS)
@FUZZ
def test_the_link_form_never_fails_on_any_input(client, sandbox_connection, sandbox, inputs):
    before = sandbox.requests_served  # noqa: F841 - kept for a failing example's locals
    response = client.post("/links/", {"connection": sandbox_connection.pk, **inputs})

    assert response.status_code in (200, 422), response.content[:3000]
    if response.status_code == 422:
        page = response.content.decode()
        assert 'class="field-error"' in page or 'class="record-error"' in page


CSV_CELL = st.one_of(
    VALUES,
    st.sampled_from(["extcontact3", "extdeal21", '"quoted, cell"', '"unclosed', "x" * 140_000]),
)
PAIRS = st.lists(st.lists(CSV_CELL, min_size=0, max_size=4), max_size=6).map(
    lambda rows: "\n".join(",".join(row) for row in rows)
)


@given(text=PAIRS, upload=st.one_of(st.none(), st.binary(max_size=300), PAIRS.map(str.encode)))
@FUZZ
def test_the_bulk_link_form_never_fails_on_any_paste_or_upload(
    client, sandbox_connection, text, upload
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "connection": sandbox_connection.pk,
        "contact_field": "External_Contact_ID",
        "deal_field": "External_Deal_ID",
        "pairs": text,
    }
    if upload is not None:
        data["upload"] = SimpleUploadedFile("pairs.csv", upload)

    response = client.post("/links/bulk/", data)

    # Pairs that parse start a bulk-link job (a redirect to its page); anything else stays on
    # the form with a message next to the input.
    assert response.status_code in (200, 302, 422), response.content[:3000]
    if response.status_code == 302:
        assert response["Location"].startswith("/jobs/")
    if response.status_code == 422:
        assert 'class="field-error"' in response.content.decode()
