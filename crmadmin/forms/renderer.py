"""The one form renderer (settings.FORM_RENDERER): every field row of every form goes through
``crmadmin/forms/field.html`` with the same ids, so a help text, an error and the input that
they describe find each other the same way on every page:

- the row ``field-<name>`` (on record forms the name is Zoho's api_name), its label,
- help ``<auto_id>-help`` and error ``<auto_id>-error``,
- on the input ``aria-describedby`` (help, then error) and ``aria-invalid="true"``.

Rows and widgets are Jinja2 templates rendered through Django's own ``Jinja2`` form renderer
(issue #16: a wide form renders ~300 rows and ~900 widget templates per page, and Django's
template language spent most of an edit page's time there). The project's row, form and widget
templates live in ``templates/jinja2/``; Django's own widgets come from the Jinja2 copies Django
ships of the same templates (``django/forms/jinja2/``: same markup). A project override of one of
Django's widget templates goes in ``templates/jinja2/django/forms/widgets/``. The page templates
around the forms stay Django templates; ``{{ field }}`` there renders through this renderer.
"""

from __future__ import annotations

from typing import Any

from django.forms import BoundField
from django.forms.renderers import Jinja2
from django.template import TemplateDoesNotExist, engines
from django.template.loader import get_template
from django.utils.functional import cached_property


class FieldRow(BoundField):
    """A bound field that knows its row's ids and the record form's extras (companion choices,
    conflict, subform, read-only), all as context for the one field template."""

    @property
    def help_id(self) -> str:
        return f"{self.auto_id}-help"

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}-error"

    @property
    def aria_describedby(self) -> str | None:
        if self.field.widget.attrs.get("aria-describedby"):
            return None  # set on the widget on purpose: keep it
        described = []
        if self.auto_id and not self.is_hidden:
            if self.help_text:
                described.append(self.help_id)
            if self.errors:
                described.append(self.error_id)
        return " ".join(described)

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        # Django leaves choice groups (use_fieldset) to their fieldset; here every input of
        # the group points at the row's help and error, as the record form always did.
        if self.use_fieldset and not attrs.get("aria-describedby") and self.aria_describedby:
            attrs["aria-describedby"] = self.aria_describedby
        return attrs

    def css_classes(self, extra_classes: Any = None) -> str:
        classes = ["field"]
        if self.errors:
            classes.append("has-error")
        if extra := getattr(self.form, "row_classes", {}).get(self.name):
            classes.append(extra)
        return " ".join(classes)

    def get_context(self) -> dict[str, Any]:
        return {"field": self, "row": self.row_context()}

    def row_context(self, check_url: str = "") -> RowContext:
        """The row's values for the ``field_row`` macro (templates/jinja2/crmadmin/forms/row.html),
        each worked out once (a bound field's ``errors`` and ``auto_id`` are recomputed on every
        access); ``check_url`` checks the field on its own as the user leaves it."""
        form, name = self.form, self.name
        subform = getattr(form, "subforms", {}).get(name)
        conflicts = getattr(getattr(form, "form_state", None), "conflicts", {})
        widget = self.field.widget
        return RowContext(
            field=self,
            errors=self.errors,
            auto_id=self.auto_id,
            html_name=self.html_name,
            label=self.label,
            help_text=self.help_text,
            widget_type=self.widget_type,
            id_for_label=self.id_for_label,
            required=self.field.required,
            picker=getattr(widget, "picker", False),
            css_classes=self.css_classes(),
            subform=subform,
            readonly=subform is None and getattr(widget, "read_only", False),
            companions=[
                form[extra]
                for extra in (f"{name}__append", f"{name}__resolve")
                if extra in form.fields
            ],
            conflict=conflicts.get(name),
            check_url=check_url,
        )


class RowContext(dict):
    """A row's values, read as attributes in Jinja2 (``r.label``) without the failed attribute
    lookup Jinja2 tries before an item lookup on a plain dict."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class FormRenderer(Jinja2):
    form_template_name = "crmadmin/forms/form.html"
    field_template_name = "crmadmin/forms/field.html"
    bound_field_class = FieldRow

    @cached_property
    def engine(self) -> Any:
        # The project's Jinja2 engine (settings.TEMPLATES "jinja2"): autoescape on, templates
        # recompiled on change with DEBUG, kept compiled otherwise; django.forms' jinja2 folder.
        return engines["jinja2"]

    def get_template(self, template_name: str) -> Any:
        try:
            return self.engine.get_template(template_name)
        except TemplateDoesNotExist:
            # Widgets that ship Django templates only (django.contrib.admin's): the project's
            # template engine, as Django's TemplatesSetting renderer would find them.
            return get_template(template_name)
