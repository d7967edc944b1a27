from __future__ import annotations

import pytest
import responses
from responses import matchers

from tests.crmadmin.test_browse_helpers import (
    API,
    connection_create,
    contact,
    grant,
    metadata_mock,
    page_json,
    sent_params,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]
DEFAULT_COLUMNS = "First_Name,Last_Name,Email,Phone,Account_Name,Owner"


@pytest.fixture
def connection():
    connection = connection_create()
    connection.time_zone = "Asia/Kolkata"  # the org's, stored at connect time
    connection.save()
    return connection


@pytest.fixture
def url(connection):
    return f"/records/{connection.pk}/Contacts/"


def list_mock(mocked, params: dict, body: dict | None = None, status: int = 200):
    return mocked.get(
        f"{API}/Contacts", json=body, status=status, match=[matchers.query_param_matcher(params)]
    )


def test_list_asks_for_the_layouts_first_six_listable_fields_by_default(staff_client, mocked, url):
    metadata_mock(mocked)
    list_mock(
        mocked, {"fields": DEFAULT_COLUMNS, "per_page": "50", "page": "1"}, page_json([contact(1)])
    )

    response = staff_client.get(url)

    content = response.content.decode()
    headers = content.split("<thead>")[1].split("</thead>")[0]
    assert response.status_code == 200
    assert "Lee 1" in content and "Acme" in content
    assert "First Name" in headers and "Contact Owner" in headers
    assert "Description" not in headers  # a long text field makes a poor column
    assert f'href="{url}4000001/"' in content  # each row opens the record for editing


def test_list_sends_the_chosen_columns_and_remembers_them_for_the_module(staff_client, mocked, url):
    metadata_mock(mocked)
    list_mock(mocked, {"fields": "Last_Name,Email", "per_page": "25", "page": "1"}, page_json([]))
    list_mock(mocked, {"fields": "Last_Name,Email", "per_page": "50", "page": "1"}, page_json([]))

    staff_client.get(url, {"columns": ["Last_Name", "Email"], "per_page": "25"})
    staff_client.get(url)

    assert sent_params(mocked.calls[-1])["fields"] == ["Last_Name,Email"]


def test_list_refuses_more_than_fifty_columns_without_calling_zoho(staff_client, mocked, url):
    metadata_mock(mocked)
    many = [f"Field_{n}" for n in range(55)]
    fields = {
        "fields": [{"api_name": name, "field_label": name, "data_type": "text"} for name in many]
    }
    mocked.replace(responses.GET, f"{API}/settings/fields", json=fields)

    response = staff_client.get(url, {"columns": many})

    assert response.status_code == 422
    assert "Zoho returns at most 50 fields; you chose 55." in response.content.decode()
    assert not any(call.request.url.startswith(f"{API}/Contacts") for call in mocked.calls)


def test_list_sorts_by_modified_time_and_marks_the_column(staff_client, mocked, url):
    metadata_mock(mocked)
    list_mock(
        mocked,
        {
            "fields": "Last_Name,Modified_Time",
            "per_page": "50",
            "page": "1",
            "sort_by": "Modified_Time",
            "sort_order": "asc",
        },
        page_json([contact(1)]),
    )

    response = staff_client.get(
        url,
        {
            "columns": ["Last_Name", "Modified_Time"],
            "sort_by": "Modified_Time",
            "sort_order": "asc",
        },
    )

    content = response.content.decode()
    assert 'aria-sort="ascending"' in content
    assert "sort_order=desc" in content  # clicking the header again flips the order


def test_list_next_link_uses_page_numbers_within_the_first_two_thousand(staff_client, mocked, url):
    metadata_mock(mocked)
    list_mock(
        mocked,
        {"fields": DEFAULT_COLUMNS, "per_page": "200", "page": "9"},
        page_json([contact(1)], more=True, page=9, token="tok-a"),
    )

    content = staff_client.get(url, {"per_page": "200", "page": "9"}).content.decode()

    assert "page=10" in content
    assert "page_token" not in content.split('rel="next"')[0].split("<nav")[-1]


def test_list_pages_past_two_thousand_records_with_the_page_token(staff_client, mocked, url):
    metadata_mock(mocked)
    list_mock(
        mocked,
        {"fields": DEFAULT_COLUMNS, "per_page": "200", "page": "10"},
        page_json([contact(1)], more=True, page=10, token="tok-b"),
    )
    list_mock(
        mocked,
        {"fields": DEFAULT_COLUMNS, "per_page": "200", "page_token": "tok-b"},
        page_json([contact(2)], more=True, page=11, token="tok-c"),
    )

    page_10 = staff_client.get(url, {"per_page": "200", "page": "10"}).content.decode()
    assert "page=11&amp;page_token=tok-b" in page_10

    page_11 = staff_client.get(url, {"per_page": "200", "page": "11", "page_token": "tok-b"})
    content = page_11.content.decode()
    assert "page=12&amp;page_token=tok-c" in content
    assert "page=10" in content and 'rel="prev"' in content  # back to numbered pages
    assert "page" not in sent_params(mocked.calls[-1])  # Zoho refuses page with page_token


def test_list_previous_link_past_two_thousand_reuses_the_token_that_led_here(
    staff_client, mocked, url
):
    metadata_mock(mocked)
    list_mock(
        mocked,
        {"fields": DEFAULT_COLUMNS, "per_page": "200", "page_token": "tok-b"},
        page_json([contact(2)], more=True, page=11, token="tok-c"),
    )
    list_mock(
        mocked,
        {"fields": DEFAULT_COLUMNS, "per_page": "200", "page_token": "tok-c"},
        page_json([contact(3)], more=True, page=12, token="tok-d"),
    )

    staff_client.get(url, {"per_page": "200", "page": "11", "page_token": "tok-b"})
    content = staff_client.get(
        url, {"per_page": "200", "page": "12", "page_token": "tok-c"}
    ).content.decode()

    previous = content.split('rel="prev"')[0].rsplit("<a", 1)[-1]
    assert "page=11&amp;page_token=tok-b" in previous


def test_list_refuses_a_page_number_beyond_two_thousand_records(staff_client, mocked, url):
    metadata_mock(mocked)

    response = staff_client.get(url, {"per_page": "200", "page": "11"})

    assert response.status_code == 422
    assert "first 2,000 records" in response.content.decode()


@pytest.mark.parametrize(
    ("mode", "text"),
    [("word", "Acme"), ("email", "ann@example.com"), ("phone", "+1 555 0100")],
)
def test_search_box_sends_the_chosen_mode_to_the_search_api(staff_client, mocked, url, mode, text):
    metadata_mock(mocked)
    mocked.get(
        f"{API}/Contacts/search",
        json=page_json([contact(1)]),
        match=[
            matchers.query_param_matcher(
                {mode: text, "fields": DEFAULT_COLUMNS, "page": "1", "per_page": "50"}
            )
        ],
    )

    response = staff_client.get(url, {"q": text, "mode": mode})

    assert response.status_code == 200
    assert "Lee 1" in response.content.decode()
    assert f'value="{text}"' in response.content.decode()


def test_word_search_needs_two_characters_and_says_so_next_to_the_box(staff_client, mocked, url):
    metadata_mock(mocked)

    response = staff_client.get(url, {"q": "a", "mode": "word"})

    content = response.content.decode()
    assert response.status_code == 422
    assert 'id="q-error">Type at least 2 characters' in content
    assert 'value="a"' in content


def test_criteria_values_reach_zoho_with_brackets_commas_and_backslashes_escaped(
    staff_client, mocked, url
):
    metadata_mock(mocked)
    criteria = r"((Last_Name:equals:O\(Neil\)\, Jr\\)and(Email:starts_with:ann))"
    expected = {"criteria": criteria, "fields": DEFAULT_COLUMNS, "page": "1", "per_page": "50"}
    search = mocked.get(
        f"{API}/Contacts/search",
        json=page_json([contact(1)]),
        match=[matchers.query_param_matcher(expected)],
    )

    response = staff_client.get(
        url,
        {
            "c0-field": "Last_Name",
            "c0-operator": "equals",
            "c0-value": "O(Neil), Jr\\",
            "c1-field": "Email",
            "c1-operator": "starts_with",
            "c1-value": "ann",
            "join": "and",
        },
    )

    assert response.status_code == 200
    assert search.call_count == 1
    assert "%5C%28Neil%5C%29%5C%2C" in mocked.calls[-1].request.url  # URL-encoded on the wire


def test_criteria_in_operator_splits_values_on_commas(staff_client, mocked, url):
    metadata_mock(mocked)
    mocked.get(
        f"{API}/Contacts/search",
        status=204,
        match=[
            matchers.query_param_matcher(
                {
                    "criteria": "(Lead_Source:in:Web,Ads)",
                    "fields": DEFAULT_COLUMNS,
                    "page": "1",
                    "per_page": "50",
                }
            )
        ],
    )

    response = staff_client.get(
        url, {"c0-field": "Lead_Source", "c0-operator": "in", "c0-value": "Web, Ads"}
    )

    content = response.content.decode()
    assert "No records match" in content
    assert "clear the search" in content


def test_criteria_refuses_an_operator_the_field_type_does_not_support(staff_client, mocked, url):
    metadata_mock(mocked)

    response = staff_client.get(
        url, {"c0-field": "Lead_Source", "c0-operator": "starts_with", "c0-value": "We"}
    )

    content = response.content.decode()
    assert response.status_code == 422
    error = content.split('id="id_c0-operator-error"')[1].split("</")[0]
    assert "“starts with” does not work for Lead Source (picklist)" in error
    assert "Choose “contains”, “is not”, “is one of”." in error
    assert 'value="We"' in content
    assert not any("/Contacts/search" in call.request.url for call in mocked.calls)


def test_criteria_operator_choices_follow_the_chosen_fields_type(staff_client, mocked, url):
    metadata_mock(mocked)
    mocked.get(f"{API}/Contacts/search", status=204)

    content = staff_client.get(
        url, {"c0-field": "Annual_Spend", "c0-operator": "greater_than", "c0-value": "100"}
    ).content.decode()

    row = content.split('id="criteria-c0"')[1].split('id="criteria-c1"')[0]
    assert 'value="greater_than" selected' in row
    assert 'value="starts_with"' not in row


def test_an_invalid_query_from_zoho_is_explained_and_the_inputs_stay(staff_client, mocked, url):
    metadata_mock(mocked)
    mocked.get(
        f"{API}/Contacts/search",
        status=400,
        json={
            "code": "INVALID_QUERY",
            "status": "error",
            "message": "invalid query formed",
            "details": {"reason": "invalid operator"},
        },
    )

    response = staff_client.get(
        url, {"c0-field": "Email", "c0-operator": "starts_with", "c0-value": "ann"}
    )

    content = response.content.decode()
    assert response.status_code == 502
    assert "The search was not understood" in content
    assert "Simplify the search and try again." in content
    assert 'value="ann"' in content


def test_a_rate_limit_is_explained_with_what_to_do_next(staff_client, mocked, url):
    metadata_mock(mocked)
    list_mock(
        mocked,
        {"fields": DEFAULT_COLUMNS, "per_page": "50", "page": "1"},
        status=429,
        body={"code": "TOO_MANY_REQUESTS", "status": "error", "message": "limit", "details": {}},
    )

    content = staff_client.get(url).content.decode()

    assert "Zoho is busy" in content
    assert "Wait a few minutes and try again." in content


def test_a_timeout_is_explained_without_a_server_error(staff_client, mocked, url, settings):
    import requests

    settings.ZOHO_RETRY_TOTAL = 0
    metadata_mock(mocked)
    mocked.get(f"{API}/Contacts", body=requests.exceptions.ReadTimeout("slow"))

    response = staff_client.get(url)

    assert response.status_code == 502
    assert "Zoho did not answer in time" in response.content.decode()


def test_a_connection_needing_reconnect_says_so(staff_client, connection, url, mocked):
    connection.access_token = ""
    connection.save()
    mocked.post("https://accounts.example.test/oauth/v2/token", json={"error": "invalid_code"})

    response = staff_client.get(url)

    content = response.content.decode()
    assert response.status_code == 502
    assert "Reconnect this Zoho account" in content
    assert "secret" not in content and "refresh-token" not in content
    connection.refresh_from_db()
    assert connection.status == connection.Status.NEEDS_RECONNECT


def test_htmx_requests_get_only_the_record_table(staff_client, mocked, url):
    metadata_mock(mocked)
    mocked.get(f"{API}/Contacts/search", json=page_json([contact(1)]))

    response = staff_client.get(
        url, {"q": "Lee", "mode": "word"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="record-table"
    )

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="record-table"')
    assert "<html" not in content and 'role="search"' not in content
    assert "HX-Request" in response["Vary"]


def test_an_htmx_request_with_a_bad_search_shows_the_problem_in_the_table(
    staff_client, mocked, url
):
    metadata_mock(mocked)

    response = staff_client.get(
        url, {"q": "x"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="record-table"
    )

    assert response.status_code == 422
    assert "Search: Type at least 2 characters" in response.content.decode()


def test_an_editor_gets_a_403_for_a_module_their_group_was_not_granted(
    editor_client, editors_group, connection, url
):
    grant(connection, editors_group, modules="Leads")

    response = editor_client.get(url)

    assert response.status_code == 403
    assert "grant your group that module" in response.content.decode()


def test_htmx_requests_aimed_at_the_whole_page_get_the_whole_page(staff_client, mocked, url):
    metadata_mock(mocked)
    mocked.get(f"{API}/Contacts/search", json=page_json([contact(1)]))

    response = staff_client.get(
        url,
        {"c0-field": "Email", "c0-operator": "starts_with", "c0-value": "ann"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="main",
    )

    content = response.content.decode()
    assert 'role="search"' in content
    assert 'id="criteria-c1"' in content  # a fresh blank row to add another condition


def test_a_module_zoho_does_not_offer_for_editing_is_not_found(staff_client, mocked, connection):
    mocked.get(f"{API}/settings/modules", json={"modules": []})

    response = staff_client.get(f"/records/{connection.pk}/Visits/")

    assert response.status_code == 404


def test_refresh_reloads_the_metadata_and_returns_to_the_list(staff_client, mocked, url):
    metadata_mock(mocked)
    list_mock(mocked, {"fields": DEFAULT_COLUMNS, "per_page": "50", "page": "1"}, page_json([]))
    staff_client.get(url)

    response = staff_client.post(f"{url}refresh/", {"next": f"{url}?q=Lee"}, follow=False)

    assert response.status_code == 302
    assert response["Location"] == f"{url}?q=Lee"
    metadata_calls = [c for c in mocked.calls if "/settings/" in c.request.url]
    assert len(metadata_calls) == 6  # three on the first visit, three again on refresh


def test_refresh_does_not_redirect_to_another_site(staff_client, mocked, url):
    metadata_mock(mocked)

    response = staff_client.post(f"{url}refresh/", {"next": "https://evil.example/"})

    assert response["Location"] == url


def count_mock(mocked, params: dict, count: int):
    return mocked.get(
        f"{API}/Contacts/actions/count",
        json={"count": count},
        match=[matchers.query_param_matcher(params)],
    )


def test_every_reader_sees_the_total_from_zohos_count_endpoint_counted_once_for_all_pages(
    editor_client, editors_group, connection, mocked, url
):
    grant(connection, editors_group, modules="Contacts")
    metadata_mock(mocked)
    for number in (1, 2):
        list_mock(
            mocked,
            {"fields": DEFAULT_COLUMNS, "per_page": "10", "page": str(number)},
            page_json([contact(number)], more=True, page=number),
        )
    count = count_mock(mocked, {}, 137)

    first = editor_client.get(url, {"per_page": "10"}).content.decode()
    second = editor_client.get(url, {"per_page": "10", "page": "2"}).content.decode()

    assert count.call_count == 1  # the second page reads the kept count
    assert "of <strong>137</strong> records" in first and "of <strong>137</strong>" in second
    assert "Page 1 of 14" in first
    last = first.split('id="last-page"')[0].rsplit("<a", 1)[-1]
    assert "page=14" in last and "page_token" not in last


def test_the_count_of_a_search_sends_the_same_criteria_as_the_search(staff_client, mocked, url):
    metadata_mock(mocked)
    mocked.get(
        f"{API}/Contacts/search",
        json=page_json([contact(1)], more=True),
        match=[
            matchers.query_param_matcher(
                {
                    "criteria": "(Email:starts_with:ann)",
                    "fields": DEFAULT_COLUMNS,
                    "page": "1",
                    "per_page": "50",
                }
            )
        ],
    )
    count_mock(mocked, {"criteria": "(Email:starts_with:ann)"}, 2_345)

    content = staff_client.get(
        url, {"c0-field": "Email", "c0-operator": "starts_with", "c0-value": "ann"}
    ).content.decode()

    assert "of <strong>2345</strong> matching records" in content
    # A search stops at 2,000 results: the last page is the one holding the 2,000th.
    assert "page=40" in content.split('id="last-page"')[0].rsplit("<a", 1)[-1]


def test_the_last_page_past_two_thousand_records_is_not_linked_and_the_pager_says_why(
    staff_client, mocked, url
):
    metadata_mock(mocked)
    list_mock(
        mocked,
        {"fields": DEFAULT_COLUMNS, "per_page": "200", "page": "1"},
        page_json([contact(1)], more=True),
    )
    count_mock(mocked, {}, 5_000)

    content = staff_client.get(url, {"per_page": "200"}).content.decode()

    assert 'id="last-page"' not in content
    note = content.split('id="last-page-note">')[1].split("</")[0]
    assert "only within the first 2,000 records" in note and "Next" in note
    assert "Page 1 of 25" in content


def test_a_last_page_needs_no_count_call(staff_client, mocked, url):
    metadata_mock(mocked)
    list_mock(
        mocked,
        {"fields": DEFAULT_COLUMNS, "per_page": "50", "page": "1"},
        page_json([contact(1), contact(2)]),
    )

    content = staff_client.get(url).content.decode()

    assert "of <strong>2</strong> records" in content
    assert not any("/actions/count" in call.request.url for call in mocked.calls)


def test_headers_zoho_cannot_sort_say_why_instead_of_linking(staff_client, mocked, url):
    metadata_mock(mocked)
    list_mock(
        mocked,
        {"fields": "Last_Name,Modified_Time", "per_page": "50", "page": "1"},
        page_json([contact(1)]),
    )

    content = staff_client.get(url, {"columns": ["Last_Name", "Modified_Time"]}).content.decode()

    headers = content.split("<thead>")[1].split("</thead>")[0]
    last_name = headers.split("Last Name")[0].rsplit("<th", 1)[-1] + headers.split("Last Name")[1]
    assert "<a" not in last_name.split("</th>")[0]
    assert 'title="Zoho sorts lists only by created time, modified time or record ID."' in (
        last_name
    )
    assert '<span class="browse-sr"> (Zoho sorts lists only by' in last_name
    assert "sort_by=Modified_Time" in headers  # Modified Time stays a sort link


def test_while_searching_no_header_sorts_and_each_says_why(staff_client, mocked, url):
    metadata_mock(mocked)
    mocked.get(f"{API}/Contacts/search", json=page_json([contact(1)]))

    content = staff_client.get(
        url, {"q": "Lee", "columns": ["Last_Name", "Modified_Time"]}
    ).content.decode()

    headers = content.split("<thead>")[1].split("</thead>")[0]
    assert "sort_by=" not in headers
    assert "Zoho returns search results in its own order" in headers


def test_add_rows_without_javascript_gives_that_many_blank_criteria_rows(staff_client, mocked, url):
    metadata_mock(mocked)
    mocked.get(f"{API}/Contacts/search", json=page_json([contact(1)]))

    content = staff_client.get(
        url,
        {
            "c0-field": "Email",
            "c0-operator": "starts_with",
            "c0-value": "ann",
            "add_rows": "3",
            "add": "1",
        },
    ).content.decode()

    for prefix in ("c0", "c1", "c2", "c3"):
        assert f'id="criteria-{prefix}"' in content
    assert 'id="criteria-c4"' not in content
    assert 'value="ann"' in content  # the filled row stays
    first_new = content.split('id="criteria-c1"')[1].split('id="criteria-c2"')[0]
    assert "autofocus" in first_new
    assert 'Conditions <span class="badge">1</span>' in content  # the filled row only


def test_field_options_name_their_types_operators_for_the_operator_select(
    staff_client, mocked, url
):
    metadata_mock(mocked)
    list_mock(mocked, {"fields": DEFAULT_COLUMNS, "per_page": "50", "page": "1"}, page_json([]))

    content = staff_client.get(url).content.decode()

    row = content.split('id="criteria-c0"')[1]
    assert 'value="Lead_Source" data-operators="equals not_equal in"' in row
    assert "greater_than" in row.split('value="Created_Time"')[1].split(">")[0]
    assert "data-operator-labels=" in content


@pytest.mark.parametrize(
    ("field", "operator", "value", "message"),
    [
        ("Created_Time", "greater_than", "yesterday", "Enter a date and time"),
        ("Annual_Spend", "greater_than", "lots", "Enter a number."),
        ("Annual_Spend", "between", "10, ten", "Enter a number."),
        ("Created_Time", "between", "2024-01-01", "Give two values separated by a comma"),
    ],
)
def test_a_value_that_does_not_fit_the_fields_type_is_refused_next_to_its_input(
    staff_client, mocked, url, field, operator, value, message
):
    metadata_mock(mocked)

    response = staff_client.get(
        url, {"c0-field": field, "c0-operator": operator, "c0-value": value}
    )

    content = response.content.decode()
    assert response.status_code == 422
    assert message in content.split('id="id_c0-value-error"')[1].split("</div>")[0]
    assert f'value="{value}"' in content
    assert not any("/Contacts/search" in call.request.url for call in mocked.calls)


def test_typed_values_go_to_zoho_in_the_form_its_criteria_take(staff_client, mocked, url):
    metadata_mock(mocked)
    criteria = (
        "((Created_Time:greater_equal:2024-01-15T00:00:00+05:30)and(Annual_Spend:between:10,20.5))"
    )
    search = mocked.get(
        f"{API}/Contacts/search",
        json=page_json([contact(1)]),
        match=[
            matchers.query_param_matcher(
                {"criteria": criteria, "fields": DEFAULT_COLUMNS, "page": "1", "per_page": "50"}
            )
        ],
    )

    response = staff_client.get(
        url,
        {
            "c0-field": "Created_Time",
            "c0-operator": "greater_equal",
            "c0-value": "2024-01-15",
            "c1-field": "Annual_Spend",
            "c1-operator": "between",
            "c1-value": "10, 20.5",
        },
    )

    assert response.status_code == 200
    assert search.call_count == 1
