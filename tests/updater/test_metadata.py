from __future__ import annotations

from tests.updater.conftest import API
from updater.metadata import (
    DictCache,
    Field,
    contact_roles_list,
    fields_list,
    layouts_list,
    lookup_fields_list,
    modules_list,
    users_list,
)

PREFIX = "zoho:conn:7"
ACCOUNT_FIELD = {
    "api_name": "Account_Name",
    "field_label": "Account Name",
    "data_type": "lookup",
    "json_type": "jsonobject",
    "length": 120,
    "read_only": False,
    "field_read_only": False,
    "lookup": {"module": {"api_name": "Accounts", "id": "1"}},
    "tooltip": {"name": "Info box", "value": "The company"},
    "unique": {},
    "external": None,
}
FIELDS = {
    "fields": [
        ACCOUNT_FIELD,
        {
            "api_name": "Rating",
            "field_label": "Rating",
            "data_type": "picklist",
            "pick_list_values": [
                {"display_value": "Hot", "actual_value": "Hot", "type": "used"},
                {"display_value": "Old", "actual_value": "Old", "type": "unused"},
            ],
        },
        {
            "api_name": "Listings",
            "field_label": "Listings",
            "data_type": "multiselectlookup",
            "multiselectlookup": {
                "linking_module": {"api_name": "Deals_X_Listings"},
                "lookup_apiname": "Deals",
                "connected_module": {"api_name": "Listings"},
                "connectedlookup_apiname": "Interested_Listings",
            },
        },
        {
            "api_name": "Total",
            "field_label": "Total",
            "data_type": "formula",
            "formula": {"return_type": "double"},
        },
        {
            "api_name": "Amount",
            "field_label": "Amount",
            "data_type": "currency",
            "decimal_place": 2,
            "currency": {"rounding_option": "normal", "precision": 2},
        },
        {
            "api_name": "External_Contact_ID",
            "field_label": "Ext",
            "data_type": "text",
            "external": {"show": True},
            "unique": {"case_sensitive": False},
        },
    ]
}


def test_fields_list_parses_field_metadata_into_typed_fields(client, mocked) -> None:
    mocked.get(f"{API}/settings/fields?module=Deals", json=FIELDS)

    fields = {
        field.api_name: field
        for field in fields_list(
            client=client, cache=DictCache(), cache_key_prefix=PREFIX, module="Deals", ttl=60
        )
    }

    account = fields["Account_Name"]
    assert (account.lookup_module, account.length, account.tooltip) == (
        "Accounts",
        120,
        "The company",
    )
    assert [option.actual_value for option in fields["Rating"].pick_list_values] == ["Hot"]
    links = fields["Listings"].multi_lookup
    assert links is not None
    assert (links.linking_module, links.connected_lookup_api_name) == (
        "Deals_X_Listings",
        "Interested_Listings",
    )
    assert fields["Total"].is_formula and not fields["Total"].is_writable
    assert (fields["Amount"].precision, fields["Amount"].decimal_place) == (2, 2)
    assert fields["External_Contact_ID"].external and fields["External_Contact_ID"].unique
    assert "raw" not in repr(account)


def test_fields_list_comes_from_the_cache_until_refresh_is_asked(client, mocked) -> None:
    cache = DictCache()
    mocked.get(f"{API}/settings/fields?module=Deals", json=FIELDS)
    mocked.get(f"{API}/settings/fields?module=Deals", json={"fields": [ACCOUNT_FIELD]})

    first = fields_list(client=client, cache=cache, cache_key_prefix=PREFIX, module="Deals", ttl=60)
    second = fields_list(
        client=client, cache=cache, cache_key_prefix=PREFIX, module="Deals", ttl=60
    )
    refreshed = fields_list(
        client=client, cache=cache, cache_key_prefix=PREFIX, module="Deals", ttl=60, refresh=True
    )

    assert first == second
    assert len(refreshed) == 1
    assert len(mocked.calls) == 2


def test_a_cached_answer_is_parsed_once_while_the_cache_returns_the_same_answer(
    client, mocked, monkeypatch
) -> None:
    import updater.metadata.api as api

    parsed: list[str] = []
    monkeypatch.setattr(
        api, "field_from_json", lambda entry: parsed.append(entry["api_name"]) or entry["api_name"]
    )
    cache = DictCache()
    mocked.get(f"{API}/settings/fields?module=Deals", json=FIELDS)
    mocked.get(f"{API}/settings/fields?module=Deals", json={"fields": [ACCOUNT_FIELD]})

    def read(**options) -> list:
        return fields_list(
            client=client, cache=cache, cache_key_prefix=PREFIX, module="Deals", ttl=60, **options
        )

    first = read()  # fetched: parsed
    count = len(parsed)
    read().clear()  # a caller may change its list: the kept one is not the one it got
    assert read() == first and len(parsed) == 2 * count  # from the cache: parsed once more
    assert read() == first and len(parsed) == 2 * count  # same cached answer: not parsed again
    assert read(refresh=True) == ["Account_Name"]  # a new answer is parsed, and then kept
    assert read() == ["Account_Name"]


def test_dict_cache_forgets_entries_after_their_ttl() -> None:
    now = [0.0]
    cache = DictCache(clock=lambda: now[0])
    cache.set("k", [1], 10)

    now[0] = 11.0

    assert cache.get("k") is None


def test_lookup_targets_are_fetched_only_when_asked_and_one_level_deep(client, mocked) -> None:
    mocked.get(f"{API}/settings/fields?module=Deals", json={"fields": [ACCOUNT_FIELD]})
    mocked.get(f"{API}/settings/fields?module=Accounts", json={"fields": [ACCOUNT_FIELD]})
    cache = DictCache()

    deals = fields_list(client=client, cache=cache, cache_key_prefix=PREFIX, module="Deals", ttl=60)
    assert len(mocked.calls) == 1
    lookup_fields_list(
        client=client, cache=cache, cache_key_prefix=PREFIX, lookup_field=deals[0], ttl=60
    )

    assert [call.request.url for call in mocked.calls] == [
        f"{API}/settings/fields?module=Deals",
        f"{API}/settings/fields?module=Accounts",
    ]


def test_lookup_fields_list_of_a_plain_field_calls_nothing(client) -> None:
    plain = Field(api_name="Email", field_label="Email", data_type="email")

    assert (
        lookup_fields_list(
            client=client, cache=DictCache(), cache_key_prefix=PREFIX, lookup_field=plain, ttl=60
        )
        == []
    )
    assert client.calls_made == 0


def test_layouts_list_reads_sections_columns_order_and_required(client, mocked) -> None:
    mocked.get(
        f"{API}/settings/layouts?module=Deals",
        json={
            "layouts": [
                {
                    "id": "9",
                    "name": "Standard",
                    "sections": [
                        {
                            "name": "Deal Information",
                            "display_label": "Deal Information",
                            "column_count": 2,
                            "sequence_number": 1,
                            "fields": [
                                {"api_name": "Deal_Name", "required": True, "sequence_number": 1},
                                {"api_name": "Amount", "required": False, "sequence_number": 2},
                            ],
                        }
                    ],
                }
            ]
        },
    )

    layout = layouts_list(
        client=client, cache=DictCache(), cache_key_prefix=PREFIX, module="Deals", ttl=60
    )[0]

    section = layout.sections[0]
    assert (layout.id, section.column_count, section.sequence_number) == ("9", 2, 1)
    assert [(item.api_name, item.required) for item in section.fields] == [
        ("Deal_Name", True),
        ("Amount", False),
    ]


def test_layouts_list_parses_the_field_objects_a_layout_carries_like_the_fields_answer(
    client, mocked
) -> None:
    # Zoho's layout fields are the full field object plus the layout's own keys (§2.4).
    layout_keys = {"section_id": 1, "default_value": None, "validation_rule": None}
    entries = [
        {**entry, "required": entry["api_name"] == "Rating", "sequence_number": 10 - i}
        | layout_keys
        for i, entry in enumerate(FIELDS["fields"])
    ]
    names_only = {"api_name": "Stage", "required": True, "sequence_number": 20}
    section = {"display_label": "Deal", "sequence_number": 1, "column_count": 2}
    mocked.get(
        f"{API}/settings/layouts?module=Deals",
        json={
            "layouts": [
                {"id": "9", "name": "Standard", "sections": [{**section, "fields": entries}]},
                {"id": "10", "name": "Short", "sections": [{**section, "fields": [names_only]}]},
            ]
        },
    )
    mocked.get(f"{API}/settings/fields?module=Deals", json=FIELDS)
    cache = DictCache()

    full, short = layouts_list(
        client=client, cache=cache, cache_key_prefix=PREFIX, module="Deals", ttl=60
    )
    fields = fields_list(
        client=client, cache=cache, cache_key_prefix=PREFIX, module="Deals", ttl=60
    )

    by_name = {item.api_name: item for item in fields}
    assert full.carries_fields and len(full.fields) == len(fields)
    for entry in full.sections[0].fields:
        assert entry.field == by_name[entry.api_name]  # every parsed attribute the same
    assert full.fields[0].api_name == "External_Contact_ID"  # layout order: sequence_number
    assert full.fields[0].external and full.fields[0].unique
    rating = next(entry for entry in full.sections[0].fields if entry.api_name == "Rating")
    assert (rating.required, rating.field.system_mandatory) == (True, False)
    assert [option.actual_value for option in rating.field.pick_list_values] == ["Hot"]
    assert (short.carries_fields, short.fields) == (False, ())
    assert short.sections[0].fields[0].required


def test_modules_contact_roles_and_users_are_typed(client, mocked) -> None:
    mocked.get(
        f"{API}/settings/modules",
        json={
            "modules": [
                {
                    "api_name": "Events",
                    "module_name": "Meetings",
                    "singular_label": "Meeting",
                    "plural_label": "Meetings",
                    "api_supported": True,
                    "editable": True,
                    "creatable": True,
                    "id": "5",
                }
            ]
        },
    )
    mocked.get(
        f"{API}/Contacts/roles",
        json={"contact_roles": [{"id": "3", "name": "Purchasing", "sequence_number": 1}]},
    )
    mocked.get(
        f"{API}/users?type=ActiveUsers",
        json={
            "users": [
                {
                    "id": "7",
                    "full_name": "P Boyle",
                    "email": "p@x.com",
                    "status": "active",
                    "role": {"name": "CEO", "id": "1"},
                    "profile": {"name": "Administrator", "id": "2"},
                }
            ]
        },
    )
    cache = DictCache()

    module = modules_list(client=client, cache=cache, cache_key_prefix=PREFIX, ttl=60)[0]
    role = contact_roles_list(client=client, cache=cache, cache_key_prefix=PREFIX, ttl=60)[0]
    user = users_list(client=client, cache=cache, cache_key_prefix=PREFIX, ttl=60)[0]

    assert (module.api_name, module.module_name) == ("Events", "Meetings")
    assert (role.name, role.sequence_number) == ("Purchasing", 1)
    assert (user.full_name, user.role, user.profile) == ("P Boyle", "CEO", "Administrator")


def test_metadata_answering_204_gives_an_empty_list(client, mocked) -> None:
    mocked.get(f"{API}/settings/fields?module=Notes", status=204, body="")

    assert (
        fields_list(
            client=client, cache=DictCache(), cache_key_prefix=PREFIX, module="Notes", ttl=60
        )
        == []
    )
