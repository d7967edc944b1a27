"""What opening and saving a record asks of Zoho for its metadata (issue #16): the form is built
from the layouts answer, which carries every field of the layout as a full field object; the
module's fields answer is read only when Zoho names a field the layout hides."""

from __future__ import annotations

import pytest

from tests.crmadmin.record_support import (
    API,
    FIELDS,
    LAYOUTS,
    MODULE,
    RECORD_ID,
    edit_url,
    field_row,
    form_data,
    mock_get,
    record_url,
    sections,
    sent_json,
    success,
)

pytestmark = pytest.mark.django_db

RECORD_GET = ("GET", record_url())
LAYOUTS_GET = ("GET", f"{API}/settings/layouts?module={MODULE}")
FIELDS_GET = ("GET", f"{API}/settings/fields?module={MODULE}")
ITEMS_FIELDS_GET = ("GET", f"{API}/settings/fields?module=Items")
NO_PERMISSION = {
    "code": "NO_PERMISSION",
    "details": {"permissions": ["Crm_Implied_Manage_Fields"]},
    "message": "permission denied",
    "status": "error",
}


def calls_of(zoho) -> list[tuple[str, str]]:
    return [(call.request.method, call.request.url) for call in zoho.calls]


def hide(zoho, api_name: str) -> None:
    """The record's layout without ``api_name`` (the fields answer still has it)."""
    shown = [entry for entry in FIELDS if entry["api_name"] != api_name]
    layout = {**LAYOUTS[0], "sections": sections(shown)}
    zoho.replace("GET", LAYOUTS_GET[1], json={"layouts": [layout]})


def refuse_needing(zoho, api_name: str) -> None:
    """Zoho refuses the next PUT: ``api_name`` is mandatory (MANDATORY_NOT_FOUND)."""
    needs = {"api_name": api_name, "json_path": f"$.data[0].{api_name}"}
    refused = {
        "code": "MANDATORY_NOT_FOUND",
        "details": needs,
        "message": "required field not found",
        "status": "error",
    }
    zoho.put(record_url(), status=400, json={"data": [refused]})


def open_page(client, zoho) -> str:
    mock_get(zoho)
    response = client.get(edit_url(zoho.connection))
    assert response.status_code == 200
    return response.content.decode()


def test_a_cold_open_reads_the_record_the_layouts_and_the_subform_modules_fields(
    editor_client, zoho
):
    html = open_page(editor_client, zoho)

    # No fields call for the module: the layouts answer carries its fields; no user list.
    assert calls_of(zoho) == [RECORD_GET, LAYOUTS_GET, ITEMS_FIELDS_GET]
    company = field_row(html, "Company")
    assert 'class="required"' in company  # the layout's mark, kept from the layouts answer
    assert 'maxlength="30"' in company  # the field object's length, from the layouts answer
    assert 'name="Items-0-Qty"' in html  # the subform's row fields, from its module's fields


def test_a_warm_open_reads_the_record_only(editor_client, zoho):
    open_page(editor_client, zoho)
    zoho.calls.reset()

    open_page(editor_client, zoho)

    assert calls_of(zoho) == [RECORD_GET]


def test_a_save_zoho_accepts_reads_no_metadata(editor_client, zoho):
    html = open_page(editor_client, zoho)
    zoho.calls.reset()
    zoho.put(record_url(), json=success())

    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Zylker Ltd"))

    assert response.status_code == 200
    assert calls_of(zoho) == [("PUT", record_url()), RECORD_GET]


def test_a_field_the_layout_hides_is_read_from_the_fields_answer_only_after_zoho_needs_it(
    editor_client, zoho
):
    hide(zoho, "Call_Duration")
    html = open_page(editor_client, zoho)
    assert 'id="field-Call_Duration"' not in html
    assert FIELDS_GET not in calls_of(zoho)
    zoho.calls.reset()
    refuse_needing(zoho, "Call_Duration")

    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Zylker Ltd"))

    assert response.status_code == 422
    assert calls_of(zoho) == [("PUT", record_url()), FIELDS_GET]  # the fields, only now
    page = response.content.decode()
    row = field_row(page, "Call_Duration")
    assert "Zoho needs Call duration to save this record" in row
    assert 'aria-invalid="true"' in row and 'name="Call_Duration"' in row
    assert page.index('id="zoho-needs"') < page.index('id="field-Call_Duration"')
    assert 'name="crm_needs" value="Call_Duration"' in page
    assert 'value="Zylker Ltd"' in field_row(page, "Company")

    zoho.calls.reset()
    zoho.replace("PUT", record_url(), json=success())
    saved = editor_client.post(edit_url(zoho.connection), form_data(page, Call_Duration="12"))

    assert saved.status_code == 200
    assert calls_of(zoho) == [("PUT", record_url()), RECORD_GET]  # the fields came from cache
    assert sent_json(zoho.calls[0]) == {
        "data": [{"Company": "Zylker Ltd", "Call_Duration": "12", "id": RECORD_ID}]
    }


def test_a_layout_naming_its_fields_only_is_completed_from_the_fields_answer(editor_client, zoho):
    names_only = [
        {
            **section,
            "fields": [
                {key: entry[key] for key in ("api_name", "required", "sequence_number")}
                for entry in section["fields"]
            ],
        }
        for section in LAYOUTS[0]["sections"]
    ]
    zoho.replace("GET", LAYOUTS_GET[1], json={"layouts": [{**LAYOUTS[0], "sections": names_only}]})

    html = open_page(editor_client, zoho)

    assert calls_of(zoho) == [RECORD_GET, LAYOUTS_GET, FIELDS_GET, ITEMS_FIELDS_GET]
    assert 'class="required"' in field_row(html, "Company")


def test_a_hidden_field_zoho_needs_is_named_at_the_top_when_the_fields_answer_fails(
    editor_client, zoho
):
    hide(zoho, "Call_Duration")
    html = open_page(editor_client, zoho)
    zoho.replace("GET", FIELDS_GET[1], status=403, json=NO_PERMISSION)
    refuse_needing(zoho, "Call_Duration")

    response = editor_client.post(edit_url(zoho.connection), form_data(html, Company="Zylker Ltd"))

    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="zoho-needs"' not in page and 'id="field-Call_Duration"' not in page
    assert "Zoho names Call_Duration, which this form does not show." in page
    assert 'value="Zylker Ltd"' in field_row(page, "Company")


def test_a_warm_open_reuses_the_built_form_until_its_metadata_is_read_afresh(
    editor_client, zoho, monkeypatch
):
    from django.core.cache import cache

    from crmadmin.forms.records import loading

    built = []
    build = loading.record_form_class
    monkeypatch.setattr(
        loading, "record_form_class", lambda **kw: built.append(kw["layout"]) or build(**kw)
    )
    open_page(editor_client, zoho)
    open_page(editor_client, zoho)
    assert len(built) == 1  # the second open found the class built from the same answers

    # Another process reads the layouts afresh (a changed layout): the stamp changes.
    layouts_key = f"zoho:conn:{zoho.connection.pk}:layouts:{MODULE}"
    cache.delete_many([layouts_key, f"{layouts_key}:stamp"])
    hide(zoho, "Phone")
    html = open_page(editor_client, zoho)

    assert len(built) == 2
    assert 'id="field-Phone"' not in html and 'id="field-Email"' in html
