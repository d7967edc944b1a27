"""The one form renderer (settings.FORM_RENDERER): every field row of every form goes through
``crmadmin/forms/field.html`` with the same ids, so a help text, an error and the input that
they describe find each other the same way on every page:

- the row ``field-<name>`` (on record forms the name is Zoho's api_name), its label,
- help ``<auto_id>-help`` and error ``<auto_id>-error``,
- on the input ``aria-describedby`` (help, then error) and ``aria-invalid="true"``.

Widgets are templates too. The project's widgets (``templates/crmadmin/widgets/``) and the
rows render on the project's template engine (cached loader); Django's own widgets
(``django/forms/widgets/*``: inputs, selects, textareas, ~300 per wide form) render through
Django's own ``Jinja2`` form renderer from the Jinja2 copies Django ships of the same templates
(same markup, several times faster: issue #16). A project override of one of Django's widget
templates would have to be a Jinja2 template (``jinja2/django/forms/widgets/`` in an app).
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.forms import BoundField
from django.forms.renderers import Jinja2, TemplatesSetting


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
        form, name = self.form, self.name
        subform = getattr(form, "subforms", {}).get(name)
        conflicts = getattr(getattr(form, "form_state", None), "conflicts", {})
        return {
            "field": self,
            "subform": subform,
            "readonly": subform is None and getattr(self.field.widget, "read_only", False),
            "companions": [
                form[extra]
                for extra in (f"{name}__append", f"{name}__resolve")
                if extra in form.fields
            ],
            "conflict": conflicts.get(name),
        }


DJANGO_WIDGETS = "django/forms/widgets/"


@functools.cache
def _django_widgets() -> Jinja2:
    return Jinja2()


class FormRenderer(TemplatesSetting):
    form_template_name = "crmadmin/forms/form.html"
    field_template_name = "crmadmin/forms/field.html"
    bound_field_class = FieldRow

    def get_template(self, template_name: str) -> Any:
        if template_name.startswith(DJANGO_WIDGETS):
            return _django_widgets().get_template(template_name)
        # A 300-field form asks for the row and widget templates ~900 times per page; the
        # engine's lookup (loaders, partials) costs more than the rendering. With DEBUG the
        # engine is asked every time, so an edited template shows on the next request.
        if settings.DEBUG:
            return super().get_template(template_name)
        return self._template_kept(template_name)

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one renderer per process (FORM_RENDERER)
    def _template_kept(self, template_name: str) -> Any:
        return super().get_template(template_name)
