"""Helpers (no tests) shared by the browse and lookup view tests: a connected Connection row and the
metadata Zoho would send for it, served by `responses` at exact URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import responses

from crmadmin.models import Connection, ConnectionGrant

API = "https://crm.example.test/crm/v8"


def connection_create(name: str = "Acme CRM") -> Connection:
    return Connection.objects.create(
        name=name,
        data_centre=Connection.DataCentre.CUSTOM,
        accounts_server="https://accounts.example.test",
        api_domain="https://crm.example.test",
        client_id="cid",
        client_secret="secret",
        scopes="ZohoCRM.modules.ALL",
        refresh_token="refresh",
        access_token="access-token-value",
        access_token_expires_at=datetime.now(UTC) + timedelta(hours=1),
        status=Connection.Status.CONNECTED,
    )


def grant(connection: Connection, group, modules: str = "") -> ConnectionGrant:
    return ConnectionGrant.objects.create(connection=connection, group=group, modules=modules)


def module_json(api_name: str, **overrides) -> dict:
    return {
        "api_name": api_name,
        "module_name": api_name,
        "singular_label": api_name[:-1],
        "plural_label": api_name,
        "api_supported": True,
        "editable": True,
        "creatable": True,
        "id": f"id-{api_name}",
        "generated_type": "default",
        **overrides,
    }


MODULES = {
    "modules": [
        module_json("Contacts"),
        module_json("Leads"),
        module_json("Accounts"),
        module_json("Visits", api_supported=False),
        module_json("Forecasts", editable=False),
        module_json("Quoted_Items", generated_type="subform"),
    ]
}


def field_json(api_name: str, data_type: str = "text", label: str = "", **extra) -> dict:
    return {
        "api_name": api_name,
        "field_label": label or api_name.replace("_", " "),
        "data_type": data_type,
        **extra,
    }


CONTACT_FIELDS = {
    "fields": [
        field_json("First_Name"),
        field_json("Last_Name", system_mandatory=True),
        field_json("Email", "email"),
        field_json("Phone", "phone"),
        field_json("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}}),
        field_json("Owner", "ownerlookup", label="Contact Owner"),
        field_json("Description", "textarea"),
        field_json("Lead_Source", "picklist"),
        field_json("Created_Time", "datetime"),
        field_json("Modified_Time", "datetime"),
        field_json("Annual_Spend", "currency"),
    ]
}
ACCOUNT_FIELDS = {"fields": [field_json("Account_Name", system_mandatory=True)]}
CONTACT_LAYOUTS = {
    "layouts": [
        {
            "id": "1",
            "name": "Standard",
            "sections": [
                {
                    "name": "Info",
                    "display_label": "Info",
                    "sequence_number": 1,
                    "fields": [
                        {"api_name": "Last_Name", "sequence_number": 2},
                        {"api_name": "First_Name", "sequence_number": 1},
                        {"api_name": "Description", "sequence_number": 3},
                        {"api_name": "Email", "sequence_number": 4},
                        {"api_name": "Phone", "sequence_number": 5},
                        {"api_name": "Account_Name", "sequence_number": 6},
                        {"api_name": "Owner", "sequence_number": 7},
                        {"api_name": "Lead_Source", "sequence_number": 8},
                    ],
                },
            ],
        },
    ]
}


def metadata_mock(mocked: responses.RequestsMock, module: str = "Contacts") -> None:
    mocked.get(f"{API}/settings/modules", json=MODULES)
    fields = CONTACT_FIELDS if module == "Contacts" else ACCOUNT_FIELDS
    mocked.get(
        f"{API}/settings/fields",
        json=fields,
        match=[responses.matchers.query_param_matcher({"module": module})],
    )
    mocked.get(
        f"{API}/settings/layouts",
        json=CONTACT_LAYOUTS,
        match=[responses.matchers.query_param_matcher({"module": module})],
    )


def contact(number: int) -> dict:
    return {
        "id": str(4_000_000 + number),
        "First_Name": "Ann",
        "Last_Name": f"Lee {number}",
        "Email": f"ann{number}@example.com",
        "Phone": "+1 555 0100",
        "Account_Name": {"name": "Acme", "id": "77"},
    }


def page_json(records: list[dict], *, more: bool = False, page: int = 1, token=None) -> dict:
    return {
        "data": records,
        "info": {
            "per_page": len(records),
            "count": len(records),
            "page": page,
            "more_records": more,
            "next_page_token": token,
        },
    }


def sent_params(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)
