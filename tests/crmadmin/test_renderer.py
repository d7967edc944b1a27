"""The one form renderer: every form's rows carry the same ids and aria attributes."""

from __future__ import annotations

import pytest

from crmadmin.forms.connections import ConnectionForm
from crmadmin.forms.records.widgets import LookupWidget, ReadOnlyWidget, RowsWidget
from tests.crmadmin.record_support import field_row

pytestmark = pytest.mark.django_db


def test_an_invalid_connection_form_row_links_its_input_to_its_help_and_error():
    form = ConnectionForm(data={"name": ""})
    form.is_valid()
    row = field_row(str(form), "name")
    assert row.startswith('<div class="field has-error" id="field-name"')
    assert 'aria-describedby="id_name-help id_name-error"' in row
    assert 'aria-invalid="true"' in row
    assert '<p class="help" id="id_name-help">How editors will see this org' in row
    assert '<div class="field-error" id="id_name-error"><p>This field is required.</p>' in row


def test_a_wide_row_class_from_the_form_reaches_the_row():
    assert field_row(str(ConnectionForm()), "scopes").startswith(
        '<div class="field wide" id="field-scopes"'
    )


def test_the_lookup_widget_is_a_combobox_with_the_id_and_its_name_hidden():
    html = LookupWidget(search_url="/lookup/").render(
        "Account", {"id": "42", "name": "Zylker"}, attrs={"id": "id_Account", "required": True}
    )
    assert 'name="Account_label" id="id_Account" value="Zylker"' in html
    assert 'role="combobox" aria-autocomplete="list" aria-expanded="false"' in html
    assert 'aria-controls="id_Account-options"' in html
    assert 'hx-get="/lookup/"' in html and 'hx-target="#id_Account-options"' in html
    assert '<input type="hidden" name="Account" id="id_Account-id" value="42"' in html
    assert (
        '<input type="hidden" name="Account_idname" id="id_Account-idname" value="Zylker"' in html
    )
    assert 'id="id_Account-options" class="lookup-options" role="listbox"' in html
    assert "required" not in html  # only aria-* attributes reach the search box
    assert 'type="radio"' not in html  # no list to choose from until a typed name finds several


def test_the_lookup_widget_lists_records_named_alike_as_radios_keeping_the_choice():
    widget = LookupWidget(search_url="/lookup/")
    widget.choices = [
        {"id": "1", "name": "Helix One", "detail": ""},
        {"id": "2", "name": "Helix Two"},
    ]
    widget.choose_text = "Which one did you mean by “Helix”?"
    html = widget.render("Account", ["Helix", "42", "Zylker", "2"], attrs={"id": "id_Account"})
    assert 'value="Helix"' in html  # the typed text is kept
    assert '<legend class="small">Which one did you mean by “Helix”?</legend>' in html
    assert '<input type="radio" name="Account_pick" value="1"> Helix One' in html
    assert '<input type="radio" name="Account_pick" value="2" checked> Helix Two' in html


def test_the_rows_widget_marks_removed_rows_keeps_added_ones_and_offers_the_picker():
    widget = RowsWidget(search_url="/records/1/users/lookup/")
    value = {"rows_shown": [("1", "First")], "remove": ["1"], "add": ["8"], "names": ["Bo"]}
    html = widget.render("Team", value, attrs={"id": "id_Team"})
    assert 'name="Team__remove" value="1" checked' in html
    assert '<input type="hidden" name="Team__add" value="8">' in html
    assert '<input type="hidden" name="Team__add_name" value="Bo">' in html
    assert 'aria-label="Remove Bo">Remove</button>' in html
    assert 'name="Team__add_label" id="id_Team-add"' in html and 'role="combobox"' in html
    assert 'hx-get="/records/1/users/lookup/"' in html
    assert "<select" not in html and "IDs" not in html  # no typed raw ids, no user list


def test_the_rows_widget_without_a_search_only_shows_and_removes_rows():
    html = RowsWidget().render("Files", {"rows_shown": [("5", "a.pdf")]}, attrs={"id": "id_F"})
    assert 'name="Files__remove" value="5"' in html
    assert "combobox" not in html


def test_the_read_only_widget_shows_a_dash_for_no_value():
    assert ReadOnlyWidget().render("X", None, attrs={"id": "id_X"}) == (
        '<p class="readonly muted" id="id_X">—</p>'
    )
