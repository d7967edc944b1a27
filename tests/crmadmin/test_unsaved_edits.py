"""Lossy actions ask first: "Discard and reload" without JavaScript posts the form and the page
asks, keeping every typed value; the form tells static/crmadmin/unsaved.js when it holds input
not yet saved."""

from __future__ import annotations

import re

from tests.crmadmin.record_support import edit_url, form_data, mock_get, record_url


def _attr(html: str, name: str) -> str:
    return re.search(rf'id="record-form-fields"[^>]*{name}="([^"]*)"', html).group(1)


def test_discard_without_javascript_asks_and_keeps_what_was_typed(editor_client, zoho):
    mock_get(zoho)
    html = editor_client.get(edit_url(zoho.connection)).content.decode()

    response = editor_client.post(
        edit_url(zoho.connection), form_data(html, Company="Typed Ltd") | {"discard": "1"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Discard your unsaved changes?" in page
    assert (
        f'<a class="btn danger" href="{edit_url(zoho.connection)}">Discard and reload</a>' in page
    )
    assert 'value="Typed Ltd"' in page
    assert _attr(page, "data-unsaved") == "true"
    assert not any(call.request.method == "PUT" for call in zoho.calls)
    assert not any(call.request.url.startswith(record_url()) for call in zoho.calls[1:])


def test_the_discard_button_asks_through_static_js_with_no_inline_script(editor_client, zoho):
    mock_get(zoho)

    page = editor_client.get(edit_url(zoho.connection)).content.decode()

    assert 'name="discard"' in page
    assert f'data-discard-url="{edit_url(zoho.connection)}"' in page
    assert '<script src="/static/crmadmin/unsaved.js" defer></script>' in page
    assert "data-guard-unsaved" in page
    assert _attr(page, "data-unsaved") == "false"
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None  # CSP: no inline script
    assert " onclick=" not in page and "onbeforeunload" not in page


def test_a_refused_save_comes_back_marked_unsaved(editor_client, zoho):
    mock_get(zoho)
    html = editor_client.get(edit_url(zoho.connection)).content.decode()

    response = editor_client.post(edit_url(zoho.connection), form_data(html, Email="not an email"))

    assert response.status_code == 422
    assert _attr(response.content.decode(), "data-unsaved") == "true"
