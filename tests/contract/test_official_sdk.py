"""Zoho's official Python SDK for CRM v8 (`zohocrmsdk8-0`), pointed at the sandbox, completes the
everyday operations: a real Zoho client can read the sandbox's answers (issue #12).

The SDK takes any host through its own `DataCenter.Environment(url, accounts_url, upload_url)`
and an `OAuthToken` that carries an access token minted by the sandbox, kept in a token store in
memory (`find_user=False`: no user lookup). It reads fields metadata before each record call (its
field cache lives in a temporary `resource_path`), so every record operation also exercises the
sandbox's metadata shapes. An operation completes when the SDK parses the answer into its success
wrapper: not an `APIException`, and no `SDKException` raised while parsing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytest.importorskip("zohocrmsdk", reason="zohocrmsdk8-0 (Zoho's official SDK) is not installed")

from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.token_store import TokenStore
from zohocrmsdk.src.com.zoho.crm.api import HeaderMap, ParameterMap
from zohocrmsdk.src.com.zoho.crm.api import record as sdk_record
from zohocrmsdk.src.com.zoho.crm.api import related_records as sdk_related
from zohocrmsdk.src.com.zoho.crm.api.contact_roles import ContactRolesOperations
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.fields import FieldsOperations, GetFieldsParam
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.layouts import GetLayoutsParam, LayoutsOperations
from zohocrmsdk.src.com.zoho.crm.api.modules import ModulesOperations
from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig
from zohocrmsdk.src.com.zoho.crm.api.users import GetUsersParam, UsersOperations

from sandbox.metadata import org

R = sdk_record.record_operations
REL = sdk_related.related_records_operations


class MemoryTokenStore(TokenStore):
    """The SDK's token store interface, in memory (its FileStore writes tokens in plain text)."""

    def __init__(self) -> None:
        self.tokens: list[OAuthToken] = []

    def find_token(self, token: OAuthToken) -> OAuthToken | None:
        return None

    def find_token_by_id(self, id: str) -> OAuthToken | None:
        return None

    def save_token(self, token: OAuthToken) -> None:
        self.tokens.append(token)

    def delete_token(self, id: str) -> None:
        self.tokens = [t for t in self.tokens if t.get_id() != id]

    def get_tokens(self) -> list[OAuthToken]:
        return list(self.tokens)

    def delete_tokens(self) -> None:
        self.tokens = []


@pytest.fixture(scope="module")
def sdk(sb, tmp_path_factory) -> dict[str, Any]:
    """The SDK initialised against the sandbox, and the seeded values the operations use."""
    environment = DataCenter.Environment(sb.url, f"{sb.url}/oauth/v2/token", sb.url)
    Initializer.initialize(
        environment=environment,
        token=OAuthToken(access_token=sb.issue_tokens()["access_token"], find_user=False),
        store=MemoryTokenStore(),
        sdk_config=SDKConfig(
            auto_refresh_fields=False,
            pick_list_validation=False,
            connect_timeout=5,
            read_timeout=10,
        ),
        resource_path=str(tmp_path_factory.mktemp("zoho-sdk")),
    )
    store = sb.app.store
    odd = {ids["Contacts"] for ids in sb.special.values() if "Contacts" in ids}
    contacts = [r for r in store.all_records("Contacts") if r["id"] not in odd]
    deals = store.all_records("Deals")
    return {
        "contact": contacts[0],
        "other": contacts[1],
        "deal": deals[0],
        "other_deal": deals[1],
        "role": org.CONTACT_ROLES[0]["id"],
    }


def _params(*pairs: tuple[Any, Any]) -> ParameterMap:
    params = ParameterMap()
    for param, value in pairs:
        params.add(param, value)
    return params


def _headers(*pairs: tuple[Any, Any]) -> HeaderMap:
    headers = HeaderMap()
    for header, value in pairs:
        headers.add(header, value)
    return headers


def _record_body(*rows: dict[str, Any], wrapper: Any = sdk_record.BodyWrapper) -> Any:
    records = []
    for row in rows:
        record = sdk_record.Record()
        for key, value in row.items():
            if key == "id":
                record.set_id(int(value))
            else:
                record.add_key_value(key, value)
        records.append(record)
    body = wrapper()
    body.set_data(records)
    return body


def _contacts() -> Any:
    return R.RecordOperations("Contacts")


def _deals_of_contacts() -> Any:
    return REL.RelatedRecordsOperations("Deals", "Contacts")


FIELDS = "Last_Name,Email"
# (name, operation(values) -> the SDK's APIResponse)
OPERATIONS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    (
        "get records",
        lambda v: _contacts().get_records(_params((R.GetRecordsParam.fields, FIELDS)), HeaderMap()),
    ),
    (
        "get records page 2",
        lambda v: _contacts().get_records(
            _params(
                (R.GetRecordsParam.fields, FIELDS),
                (R.GetRecordsParam.page, 2),
                (R.GetRecordsParam.per_page, 3),
            ),
            HeaderMap(),
        ),
    ),
    ("get record", lambda v: _contacts().get_record(int(v["contact"]["id"]), None, HeaderMap())),
    (
        "get record by external id",
        lambda v: _contacts().get_record_using_external_id(
            v["other"]["External_Contact_ID"],
            None,
            _headers((R.GetRecordUsingExternalIDHeader.x_external, "Contacts.External_Contact_ID")),
        ),
    ),
    (
        "search by criteria",
        lambda v: _contacts().search_records(
            _params(
                (R.SearchRecordsParam.criteria, f"(Last_Name:equals:{v['contact']['Last_Name']})"),
                (R.SearchRecordsParam.fields, FIELDS),
            ),
            HeaderMap(),
        ),
    ),
    (
        "search by email",
        lambda v: _contacts().search_records(
            _params((R.SearchRecordsParam.email, v["contact"]["Email"])), HeaderMap()
        ),
    ),
    (
        "search by word",
        lambda v: _contacts().search_records(
            _params((R.SearchRecordsParam.word, v["contact"]["Last_Name"])), HeaderMap()
        ),
    ),
    (
        "search by phone",
        lambda v: _contacts().search_records(
            _params((R.SearchRecordsParam.phone, v["contact"]["Phone"])), HeaderMap()
        ),
    ),
    (
        "related records, none linked (204)",
        lambda v: _deals_of_contacts().get_related_records(
            int(v["contact"]["id"]),
            _params((REL.GetRelatedRecordsParam.fields, "Deal_Name,External_Deal_ID")),
            HeaderMap(),
        ),
    ),
    (
        "search with no hits (204)",
        lambda v: _contacts().search_records(
            _params((R.SearchRecordsParam.email, "nobody@nowhere.example")), HeaderMap()
        ),
    ),
    (
        "update record",
        lambda v: _contacts().update_record(
            int(v["contact"]["id"]),
            _record_body({"Title": "Buyer"}),
            HeaderMap(),
        ),
    ),
    (
        "update records",
        lambda v: _contacts().update_records(
            _record_body(
                {"id": v["contact"]["id"], "Department": "Purchasing"},
                {"id": v["other"]["id"], "Department": "Purchasing"},
            ),
            HeaderMap(),
        ),
    ),
    (
        "record count",
        lambda v: _contacts().record_count(ParameterMap()),
    ),
    (
        "record count of a search",
        lambda v: _contacts().record_count(
            _params((R.RecordCountParam.email, v["contact"]["Email"]))
        ),
    ),
    (
        "fields",
        lambda v: FieldsOperations().get_fields(_params((GetFieldsParam.module, "Contacts"))),
    ),
    (
        "layouts",
        lambda v: LayoutsOperations().get_layouts(_params((GetLayoutsParam.module, "Contacts"))),
    ),
    ("modules", lambda v: ModulesOperations().get_modules(ParameterMap(), HeaderMap())),
    (
        "users",
        lambda v: UsersOperations().get_users(
            _params((GetUsersParam.type, "ActiveUsers")), HeaderMap()
        ),
    ),
    ("org", lambda v: OrgOperations().get_organization()),
    ("contact roles", lambda v: ContactRolesOperations().get_roles()),
    (
        "link related records by id",
        lambda v: _deals_of_contacts().update_related_records(
            int(v["contact"]["id"]),
            _record_body(
                {"id": v["other_deal"]["id"], "Contact_Role": {"id": v["role"]}},
                wrapper=sdk_related.BodyWrapper,
            ),
            HeaderMap(),
        ),
    ),
    (
        "link related records by external id",
        lambda v: _deals_of_contacts().update_related_records_using_external_id(
            v["other"]["External_Contact_ID"],
            _record_body(
                {"External_Deal_ID": v["deal"]["External_Deal_ID"]},
                wrapper=sdk_related.BodyWrapper,
            ),
            _headers(
                (
                    REL.UpdateRelatedRecordsUsingExternalIDHeader.x_external,
                    "Contacts.External_Contact_ID,Deals.External_Deal_ID",
                )
            ),
        ),
    ),
    (
        "related records of a linked contact",
        lambda v: _deals_of_contacts().get_related_records(
            int(v["contact"]["id"]),
            _params((REL.GetRelatedRecordsParam.fields, "Deal_Name,External_Deal_ID")),
            HeaderMap(),
        ),
    ),
    (
        "unlink related records",
        lambda v: _deals_of_contacts().delink_records(
            int(v["contact"]["id"]),
            _params((REL.DelinkRecordsParam.ids, v["other_deal"]["id"])),
            HeaderMap(),
        ),
    ),
]


def _completed(response: Any) -> str | None:
    """None when the SDK parsed a success; else what went wrong, in a few words."""
    if response is None:
        return "no response"
    answer = response.get_object()
    status = response.get_status_code()
    name = type(answer).__name__
    if name == "APIException" or status >= 300:
        message = answer.get_message() if hasattr(answer, "get_message") else answer
        code = answer.get_code() if hasattr(answer, "get_code") else ""
        return f"{status} {name} {code} {message}"
    for item in getattr(answer, "get_data", list)() or []:
        if type(item).__name__ == "APIException":
            return f"{status} {name}: a data item is {item.get_code()} {item.get_message()}"
    return None


# Operations the SDK cannot complete on the sandbox, as strict xfails (so a fix flips them).
# None today: the sandbox's 204 used to carry werkzeug's default "Content-Type: text/plain", which
# the SDK reads as a file download; sandbox/http.py no_content() now sends none, as Zoho does.
KNOWN_DEVIATIONS: dict[str, str] = {}


def _param(name: str, call: Callable[[dict[str, Any]], Any]) -> Any:
    marks = []
    if name in KNOWN_DEVIATIONS:
        marks = [pytest.mark.xfail(reason=KNOWN_DEVIATIONS[name], strict=True)]
    return pytest.param(call, id=name, marks=marks)


@pytest.mark.parametrize("operation", [_param(name, call) for name, call in OPERATIONS])
def test_official_sdk_completes_everyday_operation_on_the_sandbox(sdk, operation):
    response = operation(sdk)

    assert _completed(response) is None
