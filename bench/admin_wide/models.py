"""WideRecord mirrors sandbox/metadata/modules.py `_wide_fields()`: Name plus Field_001..299,
cycling through the same data types, each as the nearest Django model field."""

from __future__ import annotations

from django.conf import settings
from django.db import models

WIDE_TYPES = [
    "text",
    "integer",
    "double",
    "currency",
    "percent",
    "boolean",
    "date",
    "datetime",
    "picklist",
    "multiselectpicklist",
    "email",
    "phone",
    "website",
    "textarea",
    "bigint",
    "decimal",
    "lookup",
    "userlookup",
]
LANGUAGES = [(name, name) for name in ("English", "French", "German", "Korean", "Spanish")]


class Account(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


def model_field(data_type: str, index: int) -> models.Field:
    related = f"wide_{index:03d}"
    return {
        "text": lambda: models.CharField(max_length=255, blank=True),
        "integer": lambda: models.IntegerField(null=True, blank=True),
        "double": lambda: models.DecimalField(
            max_digits=25, decimal_places=9, null=True, blank=True
        ),
        "currency": lambda: models.DecimalField(
            max_digits=18, decimal_places=2, null=True, blank=True
        ),
        "percent": lambda: models.DecimalField(
            max_digits=7, decimal_places=2, null=True, blank=True
        ),
        "boolean": lambda: models.BooleanField(default=False),
        "date": lambda: models.DateField(null=True, blank=True),
        "datetime": lambda: models.DateTimeField(null=True, blank=True),
        "picklist": lambda: models.CharField(max_length=50, choices=LANGUAGES, blank=True),
        "multiselectpicklist": lambda: models.JSONField(default=list, blank=True),
        "email": lambda: models.EmailField(blank=True),
        "phone": lambda: models.CharField(max_length=30, blank=True),
        "website": lambda: models.URLField(blank=True),
        "textarea": lambda: models.TextField(blank=True),
        "bigint": lambda: models.BigIntegerField(null=True, blank=True),
        "decimal": lambda: models.DecimalField(
            max_digits=25, decimal_places=9, null=True, blank=True
        ),
        "lookup": lambda: models.ForeignKey(
            Account, models.SET_NULL, null=True, blank=True, related_name=related
        ),
        "userlookup": lambda: models.ForeignKey(
            settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name=related
        ),
    }[data_type]()


attrs = {
    "__module__": __name__,
    "name": models.CharField("Wide Record Name", max_length=255),
    "__str__": lambda self: self.name,
}
for i in range(1, 300):
    attrs[f"field_{i:03d}"] = model_field(WIDE_TYPES[i % len(WIDE_TYPES)], i)
WideRecord = type("WideRecord", (models.Model,), attrs)
