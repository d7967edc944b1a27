"""What the record page says against the sandbox CRM (issue #10, items 6 to 8): a field the layout
hides but Zoho needs is shown to fill in, Zoho's own reason is kept for a record-level refusal,
and a locked, awaiting-approval or merging record says so when the page opens."""

from __future__ import annotations

import re

import pytest

from tests.crmadmin.record_support import field_row, form_data

pytestmark = pytest.mark.django_db

FALSE_CAUSES = ("was not found in Zoho", "did not receive the record", "deleted or merged")


def edit_path(connection, module: str, record_id: str) -> str:
    return f"/records/{connection.pk}/{module}/{record_id}/"


def block(html: str, dom_id: str, tag: str) -> str:
    start = html.rindex(f"<{tag}", 0, html.index(f'id="{dom_id}"'))
    return html[start : html.index(f"</{tag}>", start)]


# -- #10.6: a field the form does not show ----------------------------------------------------


def test_a_field_the_layout_hides_is_shown_to_fill_in_and_then_saves(
    editor_client, sandbox_connection, sandbox
):
    deal_id = sandbox.special["hidden_mandatory"]["Deals"]
    url = edit_path(sandbox_connection, "Deals", deal_id)
    opened = editor_client.get(url).content.decode()
    assert 'id="field-Pipeline"' not in opened  # the Partner deals layout hides it

    refused = editor_client.post(
        url, form_data(opened, Stage="Negotiation/Review", Amount="1234.5")
    )

    assert refused.status_code == 422
    html = refused.content.decode()
    needs = block(html, "zoho-needs", "section")
    assert "Zoho also needs" in needs
    row = field_row(html, "Pipeline")
    assert "Zoho needs Pipeline to save this record" in row
    assert "Zoho says: “Required field not found.”" in row
    assert 'aria-invalid="true"' in row and "<select" in row
    assert "Standard (Standard)" in row  # its choices come from the fields metadata
    assert not any(cause in html for cause in FALSE_CAUSES)
    assert 'href="#field-Pipeline"' in block(html, "error-summary", "div")
    assert 'value="1234.5"' in field_row(html, "Amount")  # everything typed is kept
    assert sandbox.get_record("Deals", deal_id)["Pipeline"] is None

    saved = editor_client.post(url, form_data(html, Pipeline="Renewals"))

    assert saved.status_code == 200
    assert "Saved. Changed:" in saved.content.decode()
    record = sandbox.get_record("Deals", deal_id)
    assert (record["Pipeline"], record["Stage"], record["Amount"]) == (
        "Renewals",
        "Negotiation/Review",
        1234.5,
    )


def test_a_needed_field_that_is_no_field_of_the_module_is_not_added(
    editor_client, sandbox_connection, sandbox
):
    deal_id = sandbox.special["hidden_mandatory"]["Deals"]
    url = edit_path(sandbox_connection, "Deals", deal_id)
    opened = editor_client.get(url).content.decode()

    page = editor_client.post(url, form_data(opened, crm_needs="Nope,Deal_Name"))

    html = page.content.decode()
    assert 'id="zoho-needs"' not in html  # a shown field or an unknown name adds nothing
    assert html.count('id="field-Deal_Name"') == 1


# -- #10.7: Zoho's own reason ---------------------------------------------------------------


def test_a_record_level_refusal_keeps_zohos_words_and_highlights_nothing(
    editor_client, sandbox_connection, sandbox
):
    deal_id = sandbox.special["hidden_mandatory"]["Deals"]
    sandbox.edit_record("Deals", deal_id, {"Pipeline": "Standard (Standard)"})
    url = edit_path(sandbox_connection, "Deals", deal_id)
    opened = editor_client.get(url).content.decode()

    page = editor_client.post(url, form_data(opened, Stage="Closed Lost", Probability="40"))

    assert page.status_code == 422
    html = page.content.decode()
    summary = block(html, "error-summary", "div")
    assert "Values do not fit together" in summary
    assert (
        "Zoho says: “A deal in stage Closed Lost must have a probability of 0, not 40.”" in summary
    )
    assert "call duration" not in html.lower()
    assert "highlighted" not in summary
    assert "Change the values Zoho names, then save again." in summary
    assert 'aria-invalid="true"' not in html
    assert not re.search(r"\.\.(?!\.)", re.sub(r"<[^>]+>", " ", summary))  # no doubled stops
    assert 'value="40"' in field_row(html, "Probability")


# -- #10.8: a record Zoho holds, said when the page opens ----------------------------------


@pytest.mark.parametrize(
    ("hold", "title", "button"),
    [
        ("locked", "This record is locked", "Cannot save: the record is locked"),
        ("awaiting_approval", "This record awaits approval", "Cannot save: awaiting approval"),
        ("in_merge", "This record is being merged", "Cannot save: being merged"),
    ],
)
def test_a_held_record_says_so_when_it_opens(
    editor_client, sandbox_connection, sandbox, hold, title, button
):
    record_id = sandbox.special[hold]["Deals"]

    html = editor_client.get(edit_path(sandbox_connection, "Deals", record_id)).content.decode()

    banner = block(html, "record-hold", "div")
    assert title in banner
    assert "You can still read it" in banner and "What to do:" in banner
    fields = html[html.index('<fieldset class="record-fields"') :]
    assert fields.startswith('<fieldset class="record-fields" disabled')
    assert 'id="field-Deal_Name"' in fields  # the inputs sit in the disabled fieldset
    save = re.search(r'<button class="btn primary"[^>]*>([^<]*)</button>', html)
    assert "disabled" in save.group(0) and 'aria-describedby="record-hold"' in save.group(0)
    assert save.group(1) == button


def test_a_record_nothing_holds_opens_editable(editor_client, sandbox_connection, sandbox):
    record_id = sandbox.special["hidden_mandatory"]["Deals"]

    html = editor_client.get(edit_path(sandbox_connection, "Deals", record_id)).content.decode()

    assert 'id="record-hold"' not in html
    assert '<fieldset class="record-fields">' in html
    save = '<button class="btn primary save-button" type="submit">'
    assert save + '<span class="when-idle">Save changes</span>' in html
