"""Zoho metadata, a record and a connection for the record edit tests (HTTP mocked with
`responses`; exact URLs under a fake API domain)."""

from __future__ import annotations

import copy
import json
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import responses
from django.core.cache import cache

from crmadmin.models import Connection, ConnectionGrant

API = "https://zoho.test/crm/v8"
MODULE = "Leads"
RECORD_ID = "4150868000001234001"
MODIFIED = "2024-01-15T15:26:49+05:30"


def field(api_name, data_type, label=None, **extra):
    entry = {
        "api_name": api_name,
        "field_label": label or api_name.replace("_", " "),
        "data_type": data_type,
        "json_type": "string",
        "read_only": False,
        "field_read_only": False,
        "system_mandatory": False,
        "custom_field": True,
        "tooltip": None,
        "unique": {},
        "lookup": {},
        "pick_list_values": [],
    }
    entry.update(extra)
    return entry


PICKS = [{"display_value": v, "actual_value": v, "type": "used"} for v in ("Hot", "Warm", "Cold")]
LANGS = [
    {"display_value": v, "actual_value": v, "type": "used"}
    for v in ("English", "Korean", "Spanish")
]
FIELDS = [
    field("Last_Name", "text", "Last name", length=80, system_mandatory=True),
    field("Company", "text", length=30, tooltip={"name": "static_text", "value": "Legal name"}),
    field("Description", "textarea", textarea={"type": "small"}),
    field("Notes_Large", "textarea", textarea={"type": "large"}),
    field("Email", "email", unique={"case_sensitive": False}),
    field("Phone", "phone", length=30),
    field("Website", "website"),
    field("Employees", "integer", json_type="integer", length=9),
    field("Big_Number", "bigint"),
    field("Score", "double", json_type="double", length=16, decimal_place=2),
    field(
        "Annual_Revenue",
        "currency",
        json_type="double",
        length=16,
        currency={"rounding_option": "normal", "precision": 2},
    ),
    field("Discount", "percent", json_type="double", length=5, decimal_place=2),
    field("Weight", "decimal", json_type="double", length=10, decimal_place=3),
    field("Email_Opt_Out", "boolean", json_type="boolean"),
    field("Birth_Date", "date"),
    field("Call_Time", "datetime"),
    field("Rating", "picklist", pick_list_values=PICKS),
    field("Languages", "multiselectpicklist", json_type="jsonarray", pick_list_values=LANGS),
    field("Account", "lookup", json_type="jsonobject", lookup={"module": {"api_name": "Accounts"}}),
    field("Owner", "ownerlookup", "Lead owner", json_type="jsonobject"),
    field("Reviewer", "userlookup", json_type="jsonobject"),
    field(
        "Listings",
        "multiselectlookup",
        json_type="jsonarray",
        multiselectlookup={
            "linking_module": {"api_name": "LeadsXProducts"},
            "connected_module": {"api_name": "Products"},
            "lookup_apiname": "Lead",
            "connectedlookup_apiname": "Product",
        },
    ),
    field(
        "Helpers",
        "multiuserlookup",
        json_type="jsonarray",
        multiuserlookup={
            "linking_module": {"api_name": "LeadsXUsers"},
            "connected_module": {"api_name": "users"},
            "lookup_apiname": "Lead",
            "connectedlookup_apiname": "User",
        },
    ),
    field("Photos", "imageupload", json_type="jsonarray"),
    field("Files", "fileupload", json_type="jsonarray"),
    field("Items", "subform", json_type="jsonarray", subform={"module": {"api_name": "Items"}}),
    field("Lead_No", "autonumber", read_only=True),
    field("Total", "formula", json_type="double", formula={"return_type": "double"}),
    field("Locked_Field", "text", field_read_only=True),
    field("Hologram", "hologram"),
    field("Call_Duration", "text", "Call duration", length=10),
]
ITEM_FIELDS = [
    field("Item_Name", "text", "Item", length=20),
    field("Qty", "integer", json_type="integer"),
    field("Parent_Id", "lookup", json_type="jsonobject"),
]
LAYOUT_REQUIRED = ("Last_Name", "Company")  # Company: required by the layout only


def layout_field(entry, sequence, section, required=False):
    """A field as Zoho's layouts answer carries it: the full field object plus the layout's
    own keys (zoho-api.md §2.4)."""
    return {
        **entry,
        "required": required,
        "sequence_number": sequence,
        "section_id": section,
        "default_value": None,
        "validation_rule": None,
    }


def sections(fields, required=LAYOUT_REQUIRED):
    """The layout's two sections over `fields` (the first 14, then the rest)."""
    return [
        {
            "display_label": "Lead information",
            "sequence_number": 1,
            "column_count": 2,
            "fields": [
                layout_field(f, i, 1, f["api_name"] in required) for i, f in enumerate(fields[:14])
            ],
        },
        {
            "display_label": "More details",
            "sequence_number": 2,
            "column_count": 1,
            "fields": [
                layout_field(f, i, 2, f["api_name"] in required) for i, f in enumerate(fields[14:])
            ],
        },
    ]


SECTIONS = sections(FIELDS)
LAYOUTS = [{"id": "4150868000000091055", "name": "Standard", "sections": SECTIONS}]
USERS = [
    {
        "id": "4150868000000225013",
        "full_name": "Patricia Boyle",
        "email": "p@x.com",
        "status": "active",
    },
    {"id": "4150868000000225014", "full_name": "Sam Lee", "email": "s@x.com", "status": "active"},
]
RECORD = {
    "id": RECORD_ID,
    "Modified_Time": MODIFIED,
    "Layout": {"id": "4150868000000091055"},
    "Last_Name": "Stewart",
    "Company": "Zylker",
    "Description": "Met at the fair",
    "Notes_Large": None,
    "Email": "stewart@zylker.com",
    "Phone": "+1 555 0100",
    "Website": "www.zylker.com",
    "Employees": 40,
    "Big_Number": "0012345600012",
    "Score": 12.5,
    "Annual_Revenue": 250000.9,
    "Discount": 5,
    "Weight": 1.25,
    "Email_Opt_Out": False,
    "Birth_Date": "1980-08-16",
    "Call_Time": "2024-01-10T09:30:00+05:30",
    "Rating": "Warm",
    "Languages": ["English"],
    "Account": {"name": "Zylker Inc", "id": "4150868000000300001"},
    "Owner": {"name": "Patricia Boyle", "id": "4150868000000225013", "email": "p@x.com"},
    "Reviewer": None,
    "Listings": [
        {"Product": {"name": "Villa", "id": "4150868000000500001"}, "id": "4150868000000600001"}
    ],
    "Helpers": [
        {"User": {"name": "Sam Lee", "id": "4150868000000225014"}, "id": "4150868000000700001"}
    ],
    "Photos": [{"File_Name__s": "front.png", "File_Id__s": "abc", "id": "4150868000000800001"}],
    "Files": [],
    "Items": [
        {
            "id": "4150868000000900001",
            "Item_Name": "Chair",
            "Qty": 2,
            "Parent_Id": {"id": RECORD_ID},
        }
    ],
    "Lead_No": "L-0001",
    "Total": 99.5,
    "Locked_Field": "fixed",
    "Hologram": "✨",
    "Call_Duration": "5",
}


def record(**changes):
    data = copy.deepcopy(RECORD)
    data.update(changes)
    return data


def record_url(module=MODULE, record_id=RECORD_ID):
    return f"{API}/{module}/{record_id}"


def mock_metadata(rsps):
    rsps.get(f"{API}/settings/fields?module={MODULE}", json={"fields": FIELDS})
    rsps.get(f"{API}/settings/fields?module=Items", json={"fields": ITEM_FIELDS})
    rsps.get(f"{API}/settings/layouts?module={MODULE}", json={"layouts": LAYOUTS})
    # Asked only by a users search (the picker, or a user's name typed without it), never to
    # draw a form: tests assert when it is called.
    rsps.get(f"{API}/users?type=ActiveUsers", json={"users": USERS})


def metadata_replace(rsps, fields):
    """The module's fields answer and its layout (which carries the same field objects) both
    changed to `fields`."""
    rsps.replace("GET", f"{API}/settings/fields?module={MODULE}", json={"fields": fields})
    layouts = [{**LAYOUTS[0], "sections": sections(fields)}]
    rsps.replace("GET", f"{API}/settings/layouts?module={MODULE}", json={"layouts": layouts})


def mock_get(rsps, body=None):
    return rsps.get(record_url(), json={"data": [body or RECORD]})


def success(modified="2024-01-16T10:00:00+05:30"):
    return {
        "data": [
            {
                "code": "SUCCESS",
                "details": {
                    "Modified_Time": modified,
                    "id": RECORD_ID,
                    "Modified_By": {"name": "Patricia Boyle", "id": "1"},
                },
                "message": "record updated",
                "status": "success",
            }
        ]
    }


@contextmanager
def fake_zoho(editors_group):
    """A connection to a fake Zoho at https://zoho.test with a live access token, granted to the
    Editors group, and `responses` active with the metadata registered (optional)."""
    cache.clear()
    connection = Connection.objects.create(
        name="Zylker CRM",
        data_centre=Connection.DataCentre.CUSTOM,
        accounts_server="https://accounts.zoho.test",
        api_domain="https://zoho.test",
        client_id="1000.TEST",
        client_secret="secret",
        scopes="ZohoCRM.modules.ALL",
        refresh_token="1000.refresh",
        access_token="1000.access",
        access_token_expires_at=datetime.now(UTC) + timedelta(hours=1),
        status=Connection.Status.CONNECTED,
        time_zone="Asia/Kolkata",
    )
    ConnectionGrant.objects.create(connection=connection, group=editors_group)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_metadata(rsps)
        rsps.connection = connection
        yield rsps


def edit_url(connection, module=MODULE, record_id=RECORD_ID):
    return f"/records/{connection.pk}/{module}/{record_id}/"


class _FormReader(HTMLParser):
    """What a browser would post from the page's record form."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "record-form" in (a.get("class") or ""):
            self._in_form = True
        if not self._in_form or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button"):
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.pairs.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.pairs.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def form_data(html: str, **changes) -> dict:
    """The page's form as a browser posts it, with `changes` (name → str | list) applied."""
    reader = _FormReader()
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.pairs:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return data


def field_row(html: str, api_name: str) -> str:
    """The HTML of the `#field-<api_name>` row."""
    start = html.index(f'id="field-{api_name}"')
    start = html.rindex("<div", 0, start)
    depth, position = 0, start
    for match in re.finditer(r"<(/?)div\b", html[start:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            position = start + match.end()
            break
    return html[start : html.index(">", position) + 1]


def sent_json(call) -> dict:
    return json.loads(call.request.body)
