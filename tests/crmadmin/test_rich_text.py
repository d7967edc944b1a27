"""Rich text fields: HTML from Zoho is cleaned by nh3 wherever crmadmin shows it (the editor's
textarea, read-only fields, the history) and before it is sent; nothing a value carries runs."""

from __future__ import annotations

import copy

import pytest

from crmadmin.forms.records.fields import html_clean
from tests.crmadmin import record_support
from tests.crmadmin.record_support import (
    RECORD_ID,
    edit_url,
    field_row,
    form_data,
    mock_get,
    record,
    record_url,
    sent_json,
    success,
)

# What a Zoho rich text value could hold if someone put it there through the API.
HOSTILE = (
    '<p>Hello <b>bold</b> <i>it</i><script>alert("s")</script>'
    '<img src="x" onerror="alert(1)"><a href="javascript:alert(2)">bad</a>'
    '<a href="https://zylker.example" onclick="alert(3)">good</a></p>'
    '<ul><li style="color:red">one</li></ul><iframe src="https://evil.example"></iframe>'
    "<h2>Plan</h2><svg onload=alert(4)></svg>"
)
CLEANED = (
    "<p>Hello <b>bold</b> <i>it</i><a>bad</a>"
    '<a href="https://zylker.example">good</a></p>'
    "<ul><li>one</li></ul><h2>Plan</h2>"
)
EXECUTES = ("<script", "onerror", "onclick", "onload", "javascript:", "<iframe", "<svg", "style=")


def _fields():
    fields = copy.deepcopy(record_support.FIELDS)
    for entry in fields:
        if entry["api_name"] == "Notes_Large":
            entry["textarea"] = {"type": "rich_text"}
        if entry["api_name"] == "Locked_Field":  # read-only: shown, never edited
            entry.update(data_type="textarea", textarea={"type": "rich_text"})
    return fields


@pytest.fixture
def rich_zoho(zoho):
    record_support.metadata_replace(zoho, _fields())
    return zoho


def _open(client, zoho, **values):
    mock_get(zoho, record(Notes_Large=HOSTILE, Locked_Field=HOSTILE, **values))
    response = client.get(edit_url(zoho.connection))
    assert response.status_code == 200
    return response.content.decode()


def test_html_clean_keeps_formatting_and_drops_everything_that_runs():
    assert html_clean(HOSTILE) == CLEANED


def test_rich_text_input_is_a_textarea_holding_the_cleaned_html_under_an_editor_toolbar(
    editor_client, rich_zoho
):
    html = _open(editor_client, rich_zoho)
    row = field_row(html, "Notes_Large")
    assert "data-rich-text" in row
    assert 'class="rich-toolbar" role="toolbar"' in row and " hidden>" in row  # JS shows it
    assert 'data-command="bold"' in row and 'data-command="link"' in row
    assert '<textarea name="Notes_Large"' in row
    assert form_data(html)["Notes_Large"] == [CLEANED]
    for needle in EXECUTES:
        assert needle not in row.lower().replace("&lt;", "<")
    assert "crmadmin/vendor/squire/squire.min" in html and "crmadmin/richtext" in html


def test_read_only_rich_text_shows_its_cleaned_html_and_nothing_that_runs(editor_client, rich_zoho):
    row = field_row(_open(editor_client, rich_zoho), "Locked_Field")
    assert f'<div class="readonly rich-text" id="id_Locked_Field">{CLEANED}</div>' in row
    for needle in EXECUTES:
        assert needle not in row.lower()


def test_save_sends_the_cleaned_html_of_what_was_typed(editor_client, rich_zoho):
    html = _open(editor_client, rich_zoho)
    put = rich_zoho.put(record_url(), json=success())
    typed = '<p><b>Call</b> back<img src=x onerror="alert(1)"></p><h3 onclick="x()">Next</h3>'
    response = editor_client.post(
        edit_url(rich_zoho.connection), form_data(html, Notes_Large=typed)
    )
    assert response.status_code == 200
    assert sent_json(put.calls[0]) == {
        "data": [{"Notes_Large": "<p><b>Call</b> back</p><h3>Next</h3>", "id": RECORD_ID}]
    }


def test_a_rich_text_left_alone_is_not_sent_although_cleaning_changed_it(editor_client, rich_zoho):
    html = _open(editor_client, rich_zoho)
    put = rich_zoho.put(record_url(), json=success())
    editor_client.post(edit_url(rich_zoho.connection), form_data(html, Company="Zylker Ltd"))
    assert sent_json(put.calls[0]) == {"data": [{"Company": "Zylker Ltd", "id": RECORD_ID}]}


def test_history_shows_rich_text_changes_as_cleaned_html(editor_client, rich_zoho):
    html = _open(editor_client, rich_zoho)
    rich_zoho.put(record_url(), json=success())
    typed = "<p><b>Call</b> back</p>"
    editor_client.post(edit_url(rich_zoho.connection), form_data(html, Notes_Large=typed))
    page = editor_client.get(edit_url(rich_zoho.connection) + "history/").content.decode()
    assert f"<td>{CLEANED}</td>" in page  # before: Zoho's value, cleaned
    assert "<td><p><b>Call</b> back</p></td>" in page  # after: what was sent
    changes = page[page.index("<tbody>") : page.rindex("</tbody>")].lower()
    for needle in EXECUTES:
        assert needle not in changes
