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


def test_the_lookup_widget_template_keeps_the_htmx_search_and_the_id_box():
    html = LookupWidget(search_url="/lookup/").render(
        "Account", {"id": "42", "name": "Zylker"}, attrs={"id": "id_Account", "required": True}
    )
    assert 'name="Account_label" id="id_Account" value="Zylker"' in html
    assert 'hx-get="/lookup/"' in html and 'hx-target="#id_Account-options"' in html
    assert 'name="Account" id="id_Account-id" value="42"' in html
    assert "required" not in html  # only aria-* attributes reach the search box


def test_the_rows_widget_template_marks_removed_rows_and_offers_users():
    widget = RowsWidget(add="users", user_choices=(("7", "Ann"), ("8", "Bo")))
    value = {"rows_shown": [("1", "First")], "remove": ["1"], "add": ["8"]}
    html = widget.render("Team", value, attrs={"id": "id_Team"})
    assert 'name="Team__remove" value="1" checked' in html
    assert '<option value="8" selected>Bo</option>' in html
    assert '<option value="7">Ann</option>' in html


def test_the_read_only_widget_shows_a_dash_for_no_value():
    assert ReadOnlyWidget().render("X", None, attrs={"id": "id_X"}) == (
        '<p class="readonly muted" id="id_X">—</p>'
    )
