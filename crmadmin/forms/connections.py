"""The form staff use to add or change a Zoho connection.

The client secret is write-only: the field never renders a value back, and leaving it empty on
edit keeps the stored one. Hosts come from the data centre; a custom host (the sandbox CRM) is
only accepted when settings.ZOHO_ALLOW_CUSTOM_DOMAINS is on.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group

from crmadmin.models import Connection
from crmadmin.zoho import DEFAULT_SCOPES
from updater.errors import UnsafeDomainError
from updater.oauth import DATA_CENTRES, check_api_domain

TOKEN_BINDING_FIELDS = {"client_id", "data_centre", "environment", "accounts_server", "api_domain"}


# Budget settings with a default (crmadmin/budget.py): a form posted without them keeps it.
BUDGET_DEFAULTED = ("edition", "job_share", "credit_reserve")


class ConnectionForm(forms.ModelForm):
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="From the Zoho API console. Stored encrypted and never shown again.",
    )

    row_classes = {"scopes": "wide"}  # the field row spans both columns
    field_order = [
        "name",
        "data_centre",
        "environment",
        "client_id",
        "client_secret",
        "scopes",
        "accounts_server",
        "api_domain",
        "edition",
        "max_concurrency",
        "job_share",
        "daily_credits",
        "credit_reserve",
    ]

    class Meta:
        model = Connection
        fields = [
            "name",
            "data_centre",
            "environment",
            "accounts_server",
            "api_domain",
            "client_id",
            "scopes",
            "edition",
            "max_concurrency",
            "job_share",
            "daily_credits",
            "credit_reserve",
        ]
        labels = {
            "edition": "Zoho edition",
            "max_concurrency": "Calls at once",
            "job_share": "Bulk jobs' share of those calls (%)",
            "daily_credits": "API credits per 24 hours",
            "credit_reserve": "Credit reserve",
            "data_centre": "Data centre",
            "accounts_server": "Accounts server (custom host only)",
            "api_domain": "API domain (custom host only)",
            "client_id": "Client ID",
        }
        help_texts = {
            "name": "How editors will see this org, e.g. “Acme production”.",
            "data_centre": "Where the Zoho account lives. If you pick the wrong one, Zoho's "
            "answer after sign-in corrects it.",
            "accounts_server": "Only for the sandbox CRM or a test double, e.g. "
            "http://127.0.0.1:8001.",
            "api_domain": "Usually the same as the accounts server for the sandbox CRM.",
            "scopes": "Comma-separated. The defaults cover editing, linking, metadata, users, "
            "the org and search.",
        }
        widgets = {"scopes": forms.Textarea(attrs={"rows": 2})}
        # check_api_domain validates the hosts (and allows http for the local sandbox).
        field_classes = {"accounts_server": forms.CharField, "api_domain": forms.CharField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.is_new = self.instance.pk is None
        if self.is_new:
            self.fields["client_secret"].required = True
            self.initial["scopes"] = self.initial.get("scopes") or ",".join(DEFAULT_SCOPES)
            self.initial["client_id"] = self.initial.get("client_id") or settings.ZOHO_CLIENT_ID
        else:
            self.fields[
                "client_secret"
            ].help_text = "Leave empty to keep the stored secret. It is never shown."
        for name in BUDGET_DEFAULTED:
            # Optional on the form: left out or empty, the model's default is kept.
            self.fields[name].required = False
        if not settings.ZOHO_ALLOW_CUSTOM_DOMAINS:
            self.fields["data_centre"].choices = [
                choice
                for choice in self.fields["data_centre"].choices
                if choice[0] != Connection.DataCentre.CUSTOM
            ]

    def clean_scopes(self) -> str:
        scopes = [s.strip() for s in self.cleaned_data["scopes"].replace("\n", ",").split(",")]
        scopes = [s for s in scopes if s]
        if not scopes:
            raise forms.ValidationError("Enter at least one scope.")
        return ",".join(dict.fromkeys(scopes))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in BUDGET_DEFAULTED:
            if data.get(name) in (None, ""):
                data[name] = Connection._meta.get_field(name).get_default()
        if data.get("data_centre") == Connection.DataCentre.CUSTOM:
            self._custom_hosts_clean(data)
        elif data.get("data_centre") in DATA_CENTRES:
            centre = DATA_CENTRES[data["data_centre"]]
            data["accounts_server"] = centre.accounts_url
            data["api_domain"] = centre.api_domain_for(data.get("environment") or "production")
        return data

    def _custom_hosts_clean(self, data: dict[str, Any]) -> None:
        for name in ("accounts_server", "api_domain"):
            value = data.get(name)
            if not value:
                self.add_error(name, "A custom host needs this address.")
                continue
            try:
                data[name] = check_api_domain(api_domain=value, allow_custom=True)
            except UnsafeDomainError:
                self.add_error(name, "Enter an http:// or https:// address.")

    def save(self, commit: bool = True) -> Connection:
        connection = super().save(commit=False)
        connection.accounts_server = self.cleaned_data["accounts_server"]
        connection.api_domain = self.cleaned_data["api_domain"]
        if self.cleaned_data.get("client_secret"):
            connection.client_secret = self.cleaned_data["client_secret"]
        if not self.is_new and set(self.changed_data) & TOKEN_BINDING_FIELDS:
            # Tokens belong to one client, data centre and environment: they cannot follow.
            connection.access_token = connection.refresh_token = ""
            connection.access_token_expires_at = None
            connection.status = Connection.Status.NEEDS_RECONNECT
        if commit:
            connection.save()
        return connection


class ConnectionGrantForm(forms.Form):
    """Give a group the use of a connection, for every module or for the ones ticked.

    `modules` lists the connection's editable modules as (api_name, label) when Zoho could be
    asked; otherwise the module API names are typed, comma-separated."""

    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"),
        empty_label="Choose a group",
        help_text="Its members may then edit records through this connection.",
    )

    def __init__(self, *args: Any, modules: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if modules is None:
            self.fields["modules"] = forms.CharField(
                label="Modules",
                required=False,
                help_text="Module API names, comma-separated (e.g. Contacts, Deals). "
                "Leave empty for every module.",
            )
        else:
            self.fields["modules"] = forms.MultipleChoiceField(
                label="Modules",
                required=False,
                choices=modules,
                widget=forms.CheckboxSelectMultiple,
                help_text="Tick none for every module, now and added later.",
            )

    def clean_modules(self) -> list[str]:
        value = self.cleaned_data["modules"]
        names = value.split(",") if isinstance(value, str) else value
        names = [name.strip() for name in names if name.strip()]
        bad = [name for name in names if not name.replace("_", "").isalnum()]
        if bad:
            raise forms.ValidationError(f"Not a module API name: {', '.join(bad)}.")
        return sorted(set(names))
